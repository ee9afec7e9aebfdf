//! The object-store port: where uploaded originals and rendered variants live.
//! Browsers upload straight to the store through a presigned form (the API never
//! carries image bytes) and download through presigned URLs. The embedded
//! default is a local directory served by the local server; the cloud adapter is
//! S3 or anything that speaks its protocol.

pub mod local;
pub mod s3;

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

pub use self::{
    local::LocalObjectStore,
    s3::{S3ObjectStore, S3Settings},
};
use super::{aws::LazyAwsConfig, config::StorageConfig};

/// Objects uploaded through a presigned form start out pending, and the store
/// deletes those still pending this many days after their upload (the
/// bucket's lifecycle rule in the cloud, the local server's scheduler at
/// home), so an upload that is abandoned, rejected or stuck is not kept, and
/// billed, forever. A week is far longer than a form lives (15 minutes) plus
/// the media queue's five deliveries (an hour) and its four days of message
/// retention, so a job held up by a worker outage still finds its file.
pub const PENDING_UPLOADS_EXPIRE_AFTER_DAYS: u64 = 7;

/// What a presigned upload may carry. The store refuses anything else: another
/// key, another content type, a larger body, or a form used after it expires.
#[derive(Clone, Debug)]
pub struct UploadPolicy {
    pub key: ObjectKey,
    pub content_type: String,
    /// The file must be exactly this long: the size the client declared,
    /// which quotas were charged for.
    pub size_bytes: u64,
    pub expires_in: Duration,
}

/// How the browser sends the file: a `multipart/form-data` POST to `url` with
/// every entry of `fields`, in order, followed by the file as the field `file`
/// (the shape of an S3 POST policy upload).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PresignedUpload {
    /// Always `POST`.
    pub method: String,
    pub url: String,
    pub fields: BTreeMap<String, String>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectMeta {
    pub size: u64,
}

/// A storage key: slash-separated segments of letters, digits, `.`, `-` and `_`,
/// none of them `.` or `..`, so a key can never name a path outside the store.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjectKey(String);

impl ObjectKey {
    pub fn parse(raw: &str) -> Option<Self> {
        let valid_segment = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        };
        (raw.len() <= 512 && raw.split('/').all(valid_segment)).then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[async_trait]
pub trait ObjectStore: Send + Sync + 'static {
    /// A form the browser posts the file to, bound to the policy. What it
    /// uploads is pending until [`ObjectStore::mark_kept`].
    async fn presign_upload(&self, policy: &UploadPolicy) -> anyhow::Result<PresignedUpload>;
    /// A URL that reads the object until about `valid_for` from now. URLs are
    /// issued per time window, so the same object gets the same URL for a while
    /// and browsers can cache it.
    async fn download_url(&self, key: &ObjectKey, valid_for: Duration) -> anyhow::Result<String>;
    async fn head(&self, key: &ObjectKey) -> anyhow::Result<Option<ObjectMeta>>;
    /// The whole object; `None` when it does not exist.
    async fn get(&self, key: &ObjectKey) -> anyhow::Result<Option<Vec<u8>>>;
    /// Writes the object whole: readers see the old or the new bytes, never a part.
    async fn put(&self, key: &ObjectKey, bytes: Vec<u8>, content_type: &str) -> anyhow::Result<()>;
    /// Deleting a missing object is not an error.
    async fn delete(&self, key: &ObjectKey) -> anyhow::Result<()>;
    /// Keeps an uploaded object past [`PENDING_UPLOADS_EXPIRE_AFTER_DAYS`].
    /// Marking a missing object is not an error: there is nothing to keep.
    async fn mark_kept(&self, key: &ObjectKey) -> anyhow::Result<()>;
}

/// The start of the signing window `now` falls in. Presigned URLs are signed
/// from this instant, so every request within a window yields the same URL.
pub fn window_start(now: DateTime<Utc>, window: Duration) -> DateTime<Utc> {
    let window = window.as_secs().max(1) as i64;
    let seconds = now.timestamp();
    DateTime::from_timestamp(seconds - seconds.rem_euclid(window), 0).unwrap_or(now)
}

/// The object store `config` selects; `local` is set when that is the
/// embedded one, whose signed URLs the local server then answers.
pub struct Objects {
    pub store: Arc<dyn ObjectStore>,
    pub local: Option<Arc<LocalObjectStore>>,
}

pub async fn from_config(
    config: &StorageConfig,
    max_upload_bytes: u64,
    aws: &LazyAwsConfig,
) -> anyhow::Result<Objects> {
    Ok(match config {
        StorageConfig::Local { dir, signing_secret, public_base_url } => {
            // Without a configured secret, URLs signed by one process are
            // good for that process only, which is all a single local server needs.
            let secret = match signing_secret {
                Some(secret) => secret.expose().as_bytes().to_vec(),
                None => rand::random::<[u8; 32]>().to_vec(),
            };
            let local = Arc::new(LocalObjectStore::new(dir.clone(), secret, public_base_url.clone(), max_upload_bytes));
            Objects { store: local.clone(), local: Some(local) }
        }
        StorageConfig::S3 { bucket, endpoint_url, force_path_style } => {
            let settings = S3Settings {
                bucket: bucket.clone(),
                endpoint_url: endpoint_url.clone(),
                force_path_style: *force_path_style,
            };
            Objects { store: Arc::new(S3ObjectStore::new(aws.get().await, settings)?), local: None }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape_the_store() {
        for bad in ["", "/abs", "a//b", "a/../b", "..", "./a", "a/.", "a b", "a\\b", "ä", "a/b/"] {
            assert!(ObjectKey::parse(bad).is_none(), "{bad:?} accepted");
        }
        for good in ["uploads/0191/abc", "variants/x/320.webp", "a.b-c_d"] {
            assert_eq!(ObjectKey::parse(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn windows_are_stable_within_and_move_between() {
        let window = Duration::from_secs(3600);
        let t = DateTime::parse_from_rfc3339("2026-11-24T10:20:30Z").unwrap().to_utc();
        let start = window_start(t, window);
        assert_eq!(start.to_rfc3339(), "2026-11-24T10:00:00+00:00");
        assert_eq!(window_start(t + chrono::Duration::minutes(39), window), start);
        assert_ne!(window_start(t + chrono::Duration::minutes(40), window), start);
    }
}
