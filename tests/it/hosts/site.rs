//! The web site's Content-Security-Policy as the local server sends it: the
//! pages' inline scripts by the hashes the web build wrote beside them, media
//! only from the object store's own origins, a WebSocket elsewhere only where
//! the build said the pages connect, and the same policy the build
//! puts in every page, which is all Vercel has (tests/data/site-policy.json
//! holds web/scripts/csp.ts to the same cases).

use std::{
    collections::BTreeMap,
    path::Path,
    sync::Arc,
    time::{Duration, SystemTime},
};

use atelier::{
    hosts::{
        SITE_HEADERS,
        csp::{self, MANIFEST},
        static_site,
    },
    platform::{
        aws::LazyAwsConfig,
        config::{Config, StorageConfig},
        objects::{self, ObjectStore, S3ObjectStore, S3Settings},
    },
};
use aws_config::{BehaviorVersion, Region};
use aws_sdk_s3::config::Credentials;
use axum::{
    Router,
    body::Body,
    http::{Request, header},
};
use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

fn shared_cases() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/site-policy.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A script's hash source, as the build writes it and browsers compute it.
fn script_hash(text: &str) -> String {
    format!("sha256-{}", base64::prelude::BASE64_STANDARD.encode(Sha256::digest(text)))
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

/// The object store this environment configures, with fixed credentials:
/// signing URLs makes no request, so no service needs to be running.
async fn store_for(env: &BTreeMap<String, String>, blobs: &Path) -> Arc<dyn ObjectStore> {
    let lookup = |name: &str| match name {
        "DATABASE_URL" => Some("postgres://unused@127.0.0.1/unused".to_owned()),
        "BLOB_DIR" => Some(blobs.display().to_string()),
        _ => env.get(name).cloned(),
    };
    let config = Config::from_lookup(lookup).unwrap();
    match &config.storage {
        StorageConfig::Local { .. } => {
            objects::from_config(&config.storage, 1 << 20, &LazyAwsConfig::default()).await.unwrap().store
        }
        StorageConfig::S3 { bucket, endpoint_url, force_path_style } => {
            let sdk = aws_config::defaults(BehaviorVersion::latest())
                .region(Region::new(env["AWS_REGION"].clone()))
                .credentials_provider(Credentials::new("AKIDEXAMPLE", "secret", None, None, "tests"))
                .load()
                .await;
            let settings = S3Settings {
                bucket: bucket.clone(),
                endpoint_url: endpoint_url.clone(),
                force_path_style: *force_path_style,
            };
            Arc::new(S3ObjectStore::new(&sdk, settings).unwrap())
        }
    }
}

fn s3_env(bucket: &str, region: &str) -> BTreeMap<String, String> {
    [("OBJECT_STORE", "s3"), ("S3_BUCKET", bucket), ("AWS_REGION", region)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn write(dir: &Path, relative: &str, text: &str) {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Every Content-Security-Policy the site answers `path` with, each as its
/// directives and their sources.
async fn policies(site: &Router, path: &str) -> Vec<BTreeMap<String, Vec<String>>> {
    let response = site.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    response
        .headers()
        .get_all(header::CONTENT_SECURITY_POLICY)
        .iter()
        .map(|value| {
            value
                .to_str()
                .unwrap()
                .split(';')
                .filter_map(|directive| {
                    let mut words = directive.split_whitespace().map(str::to_owned);
                    Some((words.next()?, words.collect()))
                })
                .collect()
        })
        .collect()
}

/// The one policy that governs scripts: the page's own.
fn page_policy(policies: &[BTreeMap<String, Vec<String>>]) -> &BTreeMap<String, Vec<String>> {
    let mut governing = policies.iter().filter(|p| p.contains_key("script-src") || p.contains_key("default-src"));
    let page = governing.next().expect("a policy governs scripts");
    assert!(governing.next().is_none(), "one policy governs scripts: {policies:?}");
    page
}

/// Issue 13: the policy allowed every inline script and any host of
/// amazonaws.com. Now a built page's inline script runs by its hash and
/// nothing else inline does, and images, uploads and form posts may reach
/// exactly the configured bucket besides the site itself.
#[tokio::test]
async fn pages_allow_their_inline_scripts_by_hash_and_media_only_from_the_configured_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let script = "(self.__next_f=self.__next_f||[]).push([0])";
    let bucket = "https://atelier-media.s3.eu-west-2.amazonaws.com";
    write(dir.path(), "index.html", &format!("<!DOCTYPE html><html><head></head><body><script>{script}</script>"));
    write(dir.path(), "404.html", "no such page");
    let manifest = json!({ "scriptHashes": [script_hash(script)], "mediaOrigins": [bucket] });
    write(dir.path(), MANIFEST, &manifest.to_string());

    let store = store_for(&s3_env("atelier-media", "eu-west-2"), dir.path()).await;
    let media = csp::media_origins(store.as_ref()).await.unwrap();
    assert_eq!(media, [bucket]);
    let site = static_site(dir.path(), &media, csp::Payments::Sandbox);

    for path in ["/", "/nowhere"] {
        let policies = policies(&site, path).await;
        let page = page_policy(&policies);
        let quoted_hash = format!("'{}'", script_hash(script));
        assert_eq!(page["script-src"], ["'self'", quoted_hash.as_str()], "{path}");
        for directive in ["img-src", "connect-src", "form-action"] {
            assert_eq!(page[directive], ["'self'", bucket], "{directive} on {path}");
        }
        for (directive, sources) in policies.iter().flatten() {
            for source in sources {
                assert!(!source.contains('*'), "{directive} on {path} allows the wildcard {source}");
                assert!(
                    !["'unsafe-inline'", "'unsafe-eval'", "data:", "blob:"].contains(&source.as_str()),
                    "{directive} on {path} allows {source}"
                );
            }
        }
        assert!(policies.iter().any(|p| p.get("frame-ancestors").is_some_and(|s| s == &["'none'"])), "{path}");
    }
    let (_, static_policy) = SITE_HEADERS.iter().find(|(name, _)| *name == "Content-Security-Policy").unwrap();
    assert!(!static_policy.contains("unsafe-inline") && !static_policy.contains('*'), "{static_policy}");
}

/// The header the local server sends is the policy the web build writes
/// into the pages, given the same hashes and origins.
#[test]
fn the_policy_is_the_one_the_web_build_writes_into_the_pages() {
    let case = &shared_cases()["policy"];
    let policy =
        csp::page_policy(&strings(&case["scriptHashes"]), &strings(&case["mediaOrigins"]), csp::Payments::Sandbox, &[]);
    assert_eq!(policy, case["expected"].as_str().unwrap());
    let case = &shared_cases()["stripePolicy"];
    assert_eq!(case["payments"], "stripe");
    let policy =
        csp::page_policy(&strings(&case["scriptHashes"]), &strings(&case["mediaOrigins"]), csp::Payments::Stripe, &[]);
    assert_eq!(policy, case["expected"].as_str().unwrap());
    let case = &shared_cases()["socketPolicy"];
    let policy = csp::page_policy(
        &strings(&case["scriptHashes"]),
        &strings(&case["mediaOrigins"]),
        csp::Payments::of(case["payments"].as_str().unwrap()),
        &strings(&case["socketOrigins"]),
    );
    assert_eq!(policy, case["expected"].as_str().unwrap());
}

/// A site built to hold its live connection at AWS's WebSocket API lists the
/// socket's origin in its manifest, and the header allows it as the pages'
/// own policy does; a manifest naming anything but a WebSocket origin there
/// is refused whole, as one with a non-hash is.
#[tokio::test]
async fn pages_built_for_a_websocket_api_may_connect_to_its_origin_and_no_other() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "index.html", "<script>one()</script>");
    let site = static_site(dir.path(), &[], csp::Payments::Sandbox);
    let hash = format!("'{}'", script_hash("one()"));
    let mut built_at = SystemTime::now();
    let mut build = |socket_origins: &[&str]| {
        let manifest =
            json!({ "scriptHashes": [script_hash("one()")], "mediaOrigins": [], "socketOrigins": socket_origins });
        write(dir.path(), MANIFEST, &manifest.to_string());
        built_at += Duration::from_secs(10);
        std::fs::File::options().write(true).open(dir.path().join(MANIFEST)).unwrap().set_modified(built_at).unwrap();
    };

    let gateway = "wss://abc123.execute-api.eu-west-2.amazonaws.com";
    build(&[gateway]);
    let answered = policies(&site, "/").await;
    let page = page_policy(&answered);
    assert_eq!(page["connect-src"], ["'self'", gateway]);
    assert_eq!(page["script-src"], ["'self'", hash.as_str()]);
    for directive in ["img-src", "form-action", "default-src"] {
        assert_eq!(page[directive], ["'self'"], "{directive}");
    }

    build(&[]);
    assert_eq!(page_policy(&policies(&site, "/").await)["connect-src"], ["'self'"]);

    for bad in [
        "https://abc123.execute-api.eu-west-2.amazonaws.com",
        "wss://abc123.execute-api.eu-west-2.amazonaws.com/live",
        "wss://*.amazonaws.com",
        "wss://abc123.example.com; script-src *",
    ] {
        build(&[bad]);
        let answered = policies(&site, "/").await;
        let page = page_policy(&answered);
        assert_eq!(page["connect-src"], ["'self'"], "{bad}");
        assert_eq!(page["script-src"], ["'self'"], "{bad}: the manifest is refused whole");
    }
}

/// A server paid through Stripe lets its pages load Stripe.js, its frames and
/// its API (the Payment Element needs nothing else); with the sandbox, whose
/// card form is the site's own, no page reaches Stripe.
#[tokio::test]
async fn stripe_is_allowed_only_when_payments_go_through_stripe() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "index.html", "<script>one()</script>");
    write(dir.path(), MANIFEST, &json!({ "scriptHashes": [script_hash("one()")], "mediaOrigins": [] }).to_string());

    let sandbox = policies(&static_site(dir.path(), &[], csp::Payments::of("sandbox")), "/").await;
    let page = page_policy(&sandbox);
    assert!(!format!("{page:?}").contains("stripe"), "{page:?}");
    assert!(!page.contains_key("frame-src"));

    let stripe = policies(&static_site(dir.path(), &[], csp::Payments::of("stripe")), "/").await;
    let page = page_policy(&stripe);
    let hash = format!("'{}'", script_hash("one()"));
    assert_eq!(page["script-src"], ["'self'", hash.as_str(), "https://js.stripe.com"]);
    assert_eq!(page["frame-src"], ["'self'", "https://js.stripe.com", "https://hooks.stripe.com"]);
    assert_eq!(page["connect-src"], ["'self'", "https://api.stripe.com"]);
    for directive in ["default-src", "style-src", "img-src", "form-action", "object-src", "base-uri"] {
        assert_eq!(page[directive], page_policy(&sandbox)[directive], "{directive}");
    }
}

/// The origins in the policy are those of the URLs the configured store
/// really signs, and the web build derives the same ones from the same
/// variables.
#[tokio::test]
async fn media_origins_are_those_of_the_urls_the_object_store_signs() {
    let blobs = tempfile::tempdir().unwrap();
    for case in shared_cases()["mediaOrigins"].as_array().unwrap() {
        let env: BTreeMap<String, String> = serde_json::from_value(case["env"].clone()).unwrap();
        let store = store_for(&env, blobs.path()).await;
        assert_eq!(csp::media_origins(store.as_ref()).await.unwrap(), strings(&case["origins"]), "{env:?}");
    }
}

/// `npm run build` under a running server changes the pages' scripts; the
/// server follows its manifest without a restart, and sends no hash it
/// cannot vouch for.
#[tokio::test]
async fn a_rebuilt_site_is_served_with_its_new_hashes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "index.html", "<script>one()</script>");
    let site = static_site(dir.path(), &[], csp::Payments::Sandbox);
    let script_src = |policies: Vec<BTreeMap<String, Vec<String>>>| page_policy(&policies)["script-src"].clone();
    assert_eq!(script_src(policies(&site, "/").await), ["'self'"], "without a manifest, no inline script runs");

    let manifest = dir.path().join(MANIFEST);
    let mut built_at = SystemTime::now();
    let mut build = |hashes: Vec<String>| {
        write(dir.path(), MANIFEST, &json!({ "scriptHashes": hashes, "mediaOrigins": [] }).to_string());
        // Two builds within one tick of the file system's clock.
        built_at += Duration::from_secs(10);
        std::fs::File::options().write(true).open(&manifest).unwrap().set_modified(built_at).unwrap();
    };
    build(vec![script_hash("one()")]);
    let one = format!("'{}'", script_hash("one()"));
    assert_eq!(script_src(policies(&site, "/").await), ["'self'", one.as_str()]);

    build(vec![script_hash("two()")]);
    let two = format!("'{}'", script_hash("two()"));
    assert_eq!(script_src(policies(&site, "/").await), ["'self'", two.as_str()]);

    build(vec!["unsafe-inline".to_owned(), script_hash("two()")]);
    assert_eq!(script_src(policies(&site, "/").await), ["'self'"], "a manifest with a non-hash is refused whole");
}
