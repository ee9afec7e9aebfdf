//! The web site's Content-Security-Policy. The site is a static export whose
//! pages have inline scripts (Next.js's chunk list and its React Server
//! Components payload), and there is no request to make a nonce for, so the
//! policy allows exactly those scripts by their SHA-256 hashes. The web build
//! (`web/scripts/csp.ts`) computes them: it writes each page's policy into a
//! meta element at the top of its head, which is how the pages get it on
//! Vercel, whose headers are fixed in vercel.json, and the hashes of every page
//! into [`MANIFEST`] beside the pages, from which the local server sends the
//! policy as a header too. Media are allowed from the object store's own
//! origins, never a wildcard, Stripe.js only when payments go through
//! Stripe, and a WebSocket elsewhere only at the origin the site was built to
//! connect to (`NEXT_PUBLIC_REALTIME_SOCKET_URL`: AWS's WebSocket API).

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::{Duration, SystemTime},
};

use anyhow::Context;
use axum::http::HeaderValue;
use base64::Engine;
use serde::Deserialize;

use crate::platform::objects::{ObjectKey, ObjectStore, UploadPolicy};

/// The build's manifest, in the site's directory.
pub const MANIFEST: &str = "csp.json";

/// Where buyers' cards are taken, which decides what the pages may load for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Payments {
    /// The sandbox's card form is the site's own: nothing more is needed.
    #[default]
    Sandbox,
    /// Stripe's Payment Element: Stripe.js and its frames from js.stripe.com,
    /// the bank's 3-D Secure challenge framed from hooks.stripe.com, and
    /// calls to api.stripe.com.
    Stripe,
}

impl Payments {
    /// From the payments provider's name (`PAYMENTS`).
    pub fn of(provider: &str) -> Self {
        if provider == "stripe" { Self::Stripe } else { Self::Sandbox }
    }
}

/// The policy of pages whose inline scripts have these hashes (`sha256-…`,
/// unquoted), loading media from these origins, taking payments as
/// `payments` says, and holding their live connection at one of
/// `socket_origins` when it is not their own origin's. `web/scripts/csp.ts`
/// writes the same text into the pages;
/// tests/data/site-policy.json holds both to it. Styles are 'self' only: the
/// pages have no `<style>` elements or `style` attributes, and React and
/// framer-motion set styles through the CSSOM, which no policy governs. A
/// meta element cannot carry `frame-ancestors`, so that is in
/// [`super::SITE_HEADERS`].
pub fn page_policy(
    script_hashes: &[String],
    media_origins: &[String],
    payments: Payments,
    socket_origins: &[String],
) -> String {
    let stripe = payments == Payments::Stripe;
    let scripts: String = script_hashes.iter().map(|hash| format!(" '{hash}'")).collect();
    let media: String = media_origins.iter().map(|origin| format!(" {origin}")).collect();
    let sockets: String = socket_origins.iter().map(|origin| format!(" {origin}")).collect();
    let (stripe_script, stripe_connect, frames) = if stripe {
        (
            " https://js.stripe.com",
            " https://api.stripe.com",
            " frame-src 'self' https://js.stripe.com https://hooks.stripe.com;",
        )
    } else {
        ("", "", "")
    };
    format!(
        "default-src 'self'; script-src 'self'{scripts}{stripe_script}; style-src 'self'; img-src 'self'{media}; \
         connect-src 'self'{media}{sockets}{stripe_connect};{frames} form-action 'self'{media}; object-src 'none'; base-uri 'self'"
    )
}

/// The origins browsers reach `store` at, asked of the store itself: those of
/// an upload form and a download URL it signs (signing makes no request). The
/// local store's same-origin paths add none.
pub async fn media_origins(store: &dyn ObjectStore) -> anyhow::Result<Vec<String>> {
    let key = ObjectKey::parse("policy/origin").context("the probe key is valid")?;
    let valid_for = Duration::from_secs(60);
    let form =
        UploadPolicy { key: key.clone(), content_type: "image/jpeg".to_owned(), size_bytes: 1, expires_in: valid_for };
    let upload = store.presign_upload(&form).await.context("signing an upload form to learn the store's origin")?;
    let download = store.download_url(&key, valid_for).await.context("signing a download URL")?;
    let mut origins = Vec::new();
    for url in [upload.url, download] {
        if let Some(origin) = origin_of(&url)?
            && !origins.contains(&origin)
        {
            origins.push(origin);
        }
    }
    Ok(origins)
}

/// `None` for a path on the site's own origin.
fn origin_of(url: &str) -> anyhow::Result<Option<String>> {
    match url::Url::parse(url) {
        Ok(parsed) => {
            let origin = parsed.origin();
            anyhow::ensure!(origin.is_tuple(), "the object store's URL {url:?} has no origin a policy can name");
            Ok(Some(origin.ascii_serialization()))
        }
        Err(url::ParseError::RelativeUrlWithoutBase) => Ok(None),
        Err(e) => Err(e).with_context(|| format!("the object store's URL {url:?}")),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Manifest {
    script_hashes: Vec<String>,
    /// What the pages' own policies allow; they refuse anything else.
    media_origins: Vec<String>,
    /// The WebSocket API the pages connect to, which the header must allow as
    /// theirs do. Absent from the manifests of builds that predate it.
    #[serde(default)]
    socket_origins: Vec<String>,
}

/// The page policy header of a built site. The manifest is read again when
/// the build rewrites it, so a site rebuilt under a running server works
/// without a restart.
#[derive(Clone)]
pub(super) struct SitePolicy {
    manifest: PathBuf,
    media_origins: Arc<[String]>,
    payments: Payments,
    /// The manifest as last read, and the header made from it.
    current: Arc<Mutex<Option<(ManifestStamp, HeaderValue)>>>,
}

/// A manifest's modification time and size; `None` while there is none.
type ManifestStamp = Option<(SystemTime, u64)>;

impl SitePolicy {
    pub(super) fn new(site: &Path, media_origins: &[String], payments: Payments) -> Self {
        Self { manifest: site.join(MANIFEST), media_origins: media_origins.into(), payments, current: Arc::default() }
    }

    pub(super) async fn header(&self) -> HeaderValue {
        let stamp: ManifestStamp =
            tokio::fs::metadata(&self.manifest).await.ok().and_then(|m| Some((m.modified().ok()?, m.len())));
        if let Some((seen, header)) = &*self.current.lock().unwrap_or_else(|e| e.into_inner())
            && *seen == stamp
        {
            return header.clone();
        }
        let (script_hashes, socket_origins) = match self.read_manifest().await {
            Ok(built) => built,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "the site's inline scripts will be refused: rebuild it with `npm run build`");
                (Vec::new(), Vec::new())
            }
        };
        let policy = page_policy(&script_hashes, &self.media_origins, self.payments, &socket_origins);
        let header = HeaderValue::try_from(policy).expect("checked hashes and serialised origins are visible ASCII");
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some((stamp, header.clone()));
        header
    }

    /// The build's script hashes and socket origins, each checked to be what
    /// it says, since they go into the header as they are.
    async fn read_manifest(&self) -> anyhow::Result<(Vec<String>, Vec<String>)> {
        let path = &self.manifest;
        let bytes = tokio::fs::read(path).await.with_context(|| format!("reading {}", path.display()))?;
        let manifest: Manifest =
            serde_json::from_slice(&bytes).with_context(|| format!("{} is not a policy manifest", path.display()))?;
        for hash in &manifest.script_hashes {
            let digest = hash.strip_prefix("sha256-").and_then(|b64| base64::prelude::BASE64_STANDARD.decode(b64).ok());
            anyhow::ensure!(
                digest.is_some_and(|d| d.len() == 32),
                "{} has {hash:?}, not a SHA-256 hash",
                path.display()
            );
        }
        for origin in &manifest.socket_origins {
            let serialised = url::Url::parse(origin)
                .ok()
                .filter(|url| matches!(url.scheme(), "ws" | "wss"))
                .map(|url| url.origin().ascii_serialization());
            // URLs allow `*` in a host name, where a policy reads it as a wildcard.
            anyhow::ensure!(
                serialised.as_ref() == Some(origin) && !origin.contains('*'),
                "{} has {origin:?}, not a WebSocket origin",
                path.display()
            );
        }
        let mut built_for = manifest.media_origins.clone();
        let mut serving = self.media_origins.to_vec();
        built_for.sort();
        serving.sort();
        if built_for != serving {
            tracing::warn!(
                ?built_for,
                ?serving,
                "the site was built for other media origins than this server's object store: its pages will refuse \
                 images and uploads until it is rebuilt with this server's environment"
            );
        }
        Ok((manifest.script_hashes, manifest.socket_origins))
    }
}
