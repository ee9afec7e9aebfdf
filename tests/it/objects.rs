//! The object-store port's contract, run against the local store (served by
//! the full router on a real socket) and against the S3 store on moto. Upload
//! forms are checked where signatures are verified: by the local server, and
//! by s3s-fs, which checks SigV4 POST policies (moto accepts anything).

use std::{net::SocketAddr, sync::Arc, time::Duration};

use atelier::{
    app,
    platform::{
        local_objects::LocalObjectStore,
        objects::{ObjectKey, ObjectMeta, ObjectStore, PresignedUpload, UploadPolicy},
        s3::{S3ObjectStore, S3Settings},
    },
};
use aws_config::SdkConfig;
use base64::Engine;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, spawn_app},
    standins::{moto_config, moto_url, s3s_fs, sdk_config, unique},
};

const IMAGE_TYPE: &str = "image/jpeg";

fn fresh_key() -> ObjectKey {
    ObjectKey::parse(&format!("uploads/{}/original.jpg", uuid::Uuid::now_v7().simple())).unwrap()
}

/// Bytes that are not all alike, so a truncated or shifted copy cannot pass.
fn sample(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

fn policy(key: &ObjectKey, max_bytes: u64, expires_in: Duration) -> UploadPolicy {
    UploadPolicy { key: key.clone(), content_type: IMAGE_TYPE.to_owned(), max_bytes, expires_in }
}

/// Posts the form as a browser would: every field in order, then the file.
/// `replace` swaps field values, as a client tampering with the form would.
async fn post_form(upload: &PresignedUpload, replace: &[(&str, &str)], bytes: Vec<u8>) -> (u16, String) {
    let mut form = Form::new();
    for (name, value) in &upload.fields {
        let value = replace.iter().find(|(n, _)| n == name).map_or(value.as_str(), |(_, v)| *v);
        form = form.text(name.clone(), value.to_owned());
    }
    let content_type = replace.iter().find(|(n, _)| *n == "Content-Type").map_or(IMAGE_TYPE, |(_, v)| *v);
    form = form.part("file", Part::bytes(bytes).file_name("original.jpg").mime_str(content_type).unwrap());
    let response = reqwest::Client::new().post(&upload.url).multipart(form).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// How a server words each refusal, so that a form refused for the wrong
/// reason (a malformed request, say) does not pass for a policy check.
struct Refusals {
    content_type: &'static str,
    too_large: &'static str,
    other_key: &'static str,
    expired: &'static str,
}

const LOCAL_REFUSALS: Refusals = Refusals {
    content_type: "signature does not match its fields",
    too_large: "exceeds the 4096 bytes",
    other_key: "signature does not match its fields",
    expired: "has expired",
};

const S3_REFUSALS: Refusals = Refusals {
    content_type: "<Code>InvalidPolicyDocument</Code><Message>Policy condition &apos;eq&apos; for field &apos;content-type&apos;",
    too_large: "<Code>EntityTooLarge</Code>",
    other_key: "<Code>InvalidPolicyDocument</Code><Message>Policy condition &apos;eq&apos; for field &apos;key&apos;",
    expired: "<Code>AccessDenied</Code><Message>Request has expired",
};

async fn assert_refused(store: &dyn ObjectStore, what: &str, result: (u16, String), reason: &str, keys: &[&ObjectKey]) {
    let (status, body) = result;
    assert!((400..500).contains(&status), "{what} was not refused: {status} {body}");
    assert!(body.contains(reason), "{what} was refused for another reason than {reason:?}: {body}");
    for key in keys {
        assert_eq!(store.head(key).await.unwrap(), None, "{what} stored {key} anyway");
    }
}

async fn put_get_head_delete(store: &dyn ObjectStore) {
    let key = fresh_key();
    assert_eq!(store.head(&key).await.unwrap(), None);
    assert_eq!(store.get(&key).await.unwrap(), None);
    store.put(&key, b"first".to_vec(), IMAGE_TYPE).await.unwrap();
    store.put(&key, sample(3000), IMAGE_TYPE).await.unwrap();
    assert_eq!(store.head(&key).await.unwrap(), Some(ObjectMeta { size: 3000 }));
    assert_eq!(store.get(&key).await.unwrap(), Some(sample(3000)));
    store.delete(&key).await.unwrap();
    assert_eq!(store.head(&key).await.unwrap(), None);
    assert_eq!(store.get(&key).await.unwrap(), None);
    store.delete(&key).await.unwrap();
}

async fn a_presigned_upload_is_stored_and_downloadable(store: &dyn ObjectStore) {
    let key = fresh_key();
    let bytes = sample(20_000);
    let upload = store.presign_upload(&policy(&key, 50_000, Duration::from_secs(300))).await.unwrap();
    assert_eq!(upload.method, "POST");
    let (status, body) = post_form(&upload, &[], bytes.clone()).await;
    assert!((200..300).contains(&status), "upload failed: {status} {body}");
    assert_eq!(store.get(&key).await.unwrap(), Some(bytes.clone()));
    let day = Duration::from_secs(24 * 3600);
    let url = store.download_url(&key, day).await.unwrap();
    assert_eq!(store.download_url(&key, day).await.unwrap(), url, "URLs change within a window");
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap().to_vec(), bytes);
}

/// Each way of misusing a form is refused and stores nothing; the untouched
/// form works.
async fn only_the_signed_upload_is_accepted(store: &dyn ObjectStore, refusals: Refusals) {
    let minute = Duration::from_secs(60);
    let key = fresh_key();
    let upload = store.presign_upload(&policy(&key, 4096, minute)).await.unwrap();

    let result = post_form(&upload, &[("Content-Type", "text/html")], sample(1000)).await;
    assert_refused(store, "another content type", result, refusals.content_type, &[&key]).await;

    let result = post_form(&upload, &[], sample(5000)).await;
    assert_refused(store, "a file over the size limit", result, refusals.too_large, &[&key]).await;

    let other = fresh_key();
    let result = post_form(&upload, &[("key", other.as_str())], sample(1000)).await;
    assert_refused(store, "another key", result, refusals.other_key, &[&key, &other]).await;

    let short_lived = fresh_key();
    let expired = store.presign_upload(&policy(&short_lived, 4096, Duration::from_secs(1))).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let result = post_form(&expired, &[], sample(1000)).await;
    assert_refused(store, "an expired form", result, refusals.expired, &[&short_lived]).await;

    let (status, body) = post_form(&upload, &[], sample(4096)).await;
    assert!((200..300).contains(&status), "the signed upload was refused: {status} {body}");
    assert_eq!(store.get(&key).await.unwrap(), Some(sample(4096)));
}

/// The local store behind the full router on a real socket, so its URLs are
/// absolute and reachable like a deployed server's.
struct LocalServer {
    store: Arc<LocalObjectStore>,
    _app: TestApp,
    _dir: tempfile::TempDir,
}

async fn local_server() -> LocalServer {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let store = Arc::new(LocalObjectStore::new(
        dir.path().to_owned(),
        rand::random::<[u8; 32]>().to_vec(),
        base,
        1024 * 1024,
    ));
    let mut ctx = app.ctx.clone();
    ctx.objects = store.clone();
    ctx.local_objects = Some(store.clone());
    let router = app::full_router(ctx);
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    LocalServer { store, _app: app, _dir: dir }
}

/// A fresh bucket on an S3 endpoint, addressed path-style.
async fn s3_store(sdk: &SdkConfig, endpoint: &str) -> S3ObjectStore {
    let settings = S3Settings { bucket: unique("art"), endpoint_url: Some(endpoint.to_owned()), force_path_style: true };
    let client = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk).endpoint_url(endpoint).force_path_style(true).build(),
    );
    client.create_bucket().bucket(&settings.bucket).send().await.unwrap();
    S3ObjectStore::new(sdk, settings).unwrap()
}

async fn s3s_store(session_token: Option<&str>) -> S3ObjectStore {
    let s3s = s3s_fs();
    s3_store(&sdk_config(&s3s.access_key, &s3s.secret_key, session_token).await, &s3s.url).await
}

mod local {
    use super::*;

    #[tokio::test]
    async fn put_get_head_delete() {
        super::put_get_head_delete(local_server().await.store.as_ref()).await;
    }

    #[tokio::test]
    async fn a_presigned_upload_is_stored_and_downloadable() {
        super::a_presigned_upload_is_stored_and_downloadable(local_server().await.store.as_ref()).await;
    }

    #[tokio::test]
    async fn only_the_signed_upload_is_accepted() {
        super::only_the_signed_upload_is_accepted(local_server().await.store.as_ref(), LOCAL_REFUSALS).await;
    }
}

mod moto {
    use super::*;

    #[tokio::test]
    async fn put_get_head_delete() {
        super::put_get_head_delete(&s3_store(&moto_config().await, &moto_url()).await).await;
    }

    #[tokio::test]
    async fn a_presigned_upload_is_stored_and_downloadable() {
        super::a_presigned_upload_is_stored_and_downloadable(&s3_store(&moto_config().await, &moto_url()).await)
            .await;
    }
}

mod s3s {
    use super::*;

    #[tokio::test]
    async fn put_get_head_delete() {
        super::put_get_head_delete(&s3s_store(None).await).await;
    }

    #[tokio::test]
    async fn a_presigned_upload_is_stored_and_downloadable() {
        super::a_presigned_upload_is_stored_and_downloadable(&s3s_store(None).await).await;
    }

    #[tokio::test]
    async fn only_the_signed_upload_is_accepted() {
        super::only_the_signed_upload_is_accepted(&s3s_store(None).await, S3_REFUSALS).await;
    }

    #[tokio::test]
    async fn a_policy_signed_with_another_secret_is_refused() {
        let store = s3s_store(None).await;
        let key = fresh_key();
        let upload = store.presign_upload(&policy(&key, 4096, Duration::from_secs(60))).await.unwrap();
        let signing_key = aws_sigv4::sign::v4::generate_signing_key(
            "not-the-secret",
            std::time::SystemTime::now(),
            "us-east-1",
            "s3",
        );
        let forged = aws_sigv4::sign::v4::calculate_signature(signing_key, upload.fields["policy"].as_bytes());
        let result = post_form(&upload, &[("x-amz-signature", &forged)], sample(1000)).await;
        let reason = "<Code>SignatureDoesNotMatch</Code>";
        assert_refused(&store, "a signature made with another secret", result, reason, &[&key]).await;
    }

    /// Lambda roles sign with session credentials: the token must be in the
    /// form and bound by the policy.
    #[tokio::test]
    async fn session_credentials_put_their_token_under_the_policy() {
        let store = s3s_store(Some("session-token-of-a-role")).await;
        let key = fresh_key();
        let upload = store.presign_upload(&policy(&key, 4096, Duration::from_secs(60))).await.unwrap();
        assert_eq!(upload.fields["x-amz-security-token"], "session-token-of-a-role");
        let document: Value = serde_json::from_slice(
            &base64::engine::general_purpose::STANDARD.decode(&upload.fields["policy"]).unwrap(),
        )
        .unwrap();
        let conditions = document["conditions"].as_array().unwrap();
        for expected in [
            json!({"key": key.as_str()}),
            json!({"Content-Type": IMAGE_TYPE}),
            json!(["content-length-range", 1, 4096]),
            json!({"x-amz-algorithm": "AWS4-HMAC-SHA256"}),
            json!({"x-amz-security-token": "session-token-of-a-role"}),
        ] {
            assert!(conditions.contains(&expected), "{expected} missing from {document}");
        }
        let (status, body) = post_form(&upload, &[], sample(100)).await;
        assert!((200..300).contains(&status), "{status} {body}");
        assert_eq!(store.get(&key).await.unwrap(), Some(sample(100)));
    }

    #[tokio::test]
    async fn a_download_url_reads_only_the_key_it_was_signed_for() {
        let store = s3s_store(None).await;
        let (key, other) = (fresh_key(), fresh_key());
        store.put(&key, sample(10), IMAGE_TYPE).await.unwrap();
        store.put(&other, sample(20), IMAGE_TYPE).await.unwrap();
        let url = store.download_url(&key, Duration::from_secs(3600)).await.unwrap();
        assert_eq!(reqwest::get(&url).await.unwrap().bytes().await.unwrap().to_vec(), sample(10));
        let tampered = url.replace(key.as_str(), other.as_str());
        assert_ne!(tampered, url);
        let response = reqwest::get(&tampered).await.unwrap();
        assert_eq!(response.status(), 403, "{}", response.text().await.unwrap());
    }
}
