//! The object-store port's contract, run against the local store (served by
//! the full router on a real socket) and against the S3 store on moto. Upload
//! forms are checked where signatures are verified: by the local server, and
//! by s3s-fs, which checks SigV4 POST policies (moto accepts anything).
//!
//! Form uploads start pending and expire unless marked kept. Neither stand-in
//! records the tags of a POST: moto 5.2.5 ignores the `tagging` field and
//! stores the object untagged, and s3s-fs 0.14 checks the field against the
//! policy (every field must be covered) but implements no tagging at all. So
//! s3s-fs shows that the form binds the pending tag, and moto, with the tag
//! set as S3 would set it, that marking kept replaces it.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, SystemTime},
};

use atelier::{
    app,
    platform::{
        objects::local::LocalObjectStore,
        objects::s3::{S3ObjectStore, S3Settings, UPLOAD_KEPT, UPLOAD_PENDING, UPLOAD_TAG},
        objects::{
            ObjectKey, ObjectMeta, ObjectStore, PENDING_UPLOADS_EXPIRE_AFTER_DAYS, PresignedUpload, UploadPolicy,
        },
    },
};
use aws_config::SdkConfig;
use base64::Engine;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::{
    contracts::standins::{moto_config, moto_url, s3s_fs, sdk_config, unique},
    support::{TestApp, spawn_app},
};

const IMAGE_TYPE: &str = "image/jpeg";

fn fresh_key() -> ObjectKey {
    ObjectKey::parse(&format!("uploads/{}/original.jpg", uuid::Uuid::now_v7().simple())).unwrap()
}

/// Bytes that are not all alike, so a truncated or shifted copy cannot pass.
fn sample(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

fn policy(key: &ObjectKey, size_bytes: u64, expires_in: Duration) -> UploadPolicy {
    UploadPolicy { key: key.clone(), content_type: IMAGE_TYPE.to_owned(), size_bytes, expires_in }
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
    too_small: &'static str,
    other_key: &'static str,
    expired: &'static str,
}

const LOCAL_REFUSALS: Refusals = Refusals {
    content_type: "signature does not match its fields",
    too_large: "exceeds the 4096 bytes",
    too_small: "is for exactly 4096 bytes",
    other_key: "signature does not match its fields",
    expired: "has expired",
};

const S3_REFUSALS: Refusals = Refusals {
    content_type: "<Code>InvalidPolicyDocument</Code><Message>Policy condition &apos;eq&apos; for field &apos;content-type&apos;",
    too_large: "<Code>EntityTooLarge</Code>",
    too_small: "<Code>EntityTooSmall</Code>",
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
    let upload = store.presign_upload(&policy(&key, 20_000, Duration::from_secs(300))).await.unwrap();
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

    let result = post_form(&upload, &[("Content-Type", "text/html")], sample(4096)).await;
    assert_refused(store, "another content type", result, refusals.content_type, &[&key]).await;

    let result = post_form(&upload, &[], sample(5000)).await;
    assert_refused(store, "a file over the declared size", result, refusals.too_large, &[&key]).await;

    let result = post_form(&upload, &[], sample(1000)).await;
    assert_refused(store, "a file under the declared size", result, refusals.too_small, &[&key]).await;

    let other = fresh_key();
    let result = post_form(&upload, &[("key", other.as_str())], sample(4096)).await;
    assert_refused(store, "another key", result, refusals.other_key, &[&key, &other]).await;

    let short_lived = fresh_key();
    let expired = store.presign_upload(&policy(&short_lived, 4096, Duration::from_secs(1))).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let result = post_form(&expired, &[], sample(4096)).await;
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
    let store =
        Arc::new(LocalObjectStore::new(dir.path().to_owned(), rand::random::<[u8; 32]>().to_vec(), base, 1024 * 1024));
    let mut ctx = app.ctx.clone();
    ctx.objects = store.clone();
    ctx.local_objects = Some(store.clone());
    let router = app::full_router(ctx);
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    LocalServer { store, _app: app, _dir: dir }
}

/// A fresh bucket on an S3 endpoint, addressed path-style, with a client of
/// its own to look behind the store.
pub struct Bucket {
    pub client: aws_sdk_s3::Client,
    pub name: String,
    sdk: SdkConfig,
    endpoint: String,
}

impl Bucket {
    pub async fn new(sdk: &SdkConfig, endpoint: &str) -> Self {
        let name = unique("art");
        let client = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(sdk).endpoint_url(endpoint).force_path_style(true).build(),
        );
        client.create_bucket().bucket(&name).send().await.unwrap();
        Self { client, name, sdk: sdk.clone(), endpoint: endpoint.to_owned() }
    }

    pub fn store(&self) -> S3ObjectStore {
        let settings =
            S3Settings { bucket: self.name.clone(), endpoint_url: Some(self.endpoint.clone()), force_path_style: true };
        S3ObjectStore::new(&self.sdk, settings).unwrap()
    }

    pub async fn tags(&self, key: &str) -> Vec<(String, String)> {
        let tagging = self.client.get_object_tagging().bucket(&self.name).key(key).send().await.unwrap();
        tagging.tag_set.into_iter().map(|tag| (tag.key, tag.value)).collect()
    }

    /// What S3 records for a form's `tagging` field, which moto drops.
    pub async fn tag_as_the_form_asks(&self, key: &str, form_tagging: &str, extra: Option<(&str, &str)>) {
        let pending = pending_tagging();
        assert_eq!(form_tagging, pending, "the form asks for other tags");
        let tag = |key: &str, value: &str| aws_sdk_s3::types::Tag::builder().key(key).value(value).build().unwrap();
        let mut tags = vec![tag(UPLOAD_TAG, UPLOAD_PENDING)];
        tags.extend(extra.map(|(k, v)| tag(k, v)));
        let tagging = aws_sdk_s3::types::Tagging::builder().set_tag_set(Some(tags)).build().unwrap();
        self.client.put_object_tagging().bucket(&self.name).key(key).tagging(tagging).send().await.unwrap();
    }
}

/// The `tagging` form field S3 expects for `upload=pending`, written out
/// here rather than taken from the adapter.
pub fn pending_tagging() -> String {
    format!("<Tagging><TagSet><Tag><Key>{UPLOAD_TAG}</Key><Value>{UPLOAD_PENDING}</Value></Tag></TagSet></Tagging>")
}

async fn s3_store(sdk: &SdkConfig, endpoint: &str) -> S3ObjectStore {
    Bucket::new(sdk, endpoint).await.store()
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

    /// What the bucket's lifecycle rule does in the cloud, the local store
    /// does when its scheduler asks.
    #[tokio::test]
    async fn form_uploads_expire_unless_marked_kept() {
        let server = local_server().await;
        let store = server.store.as_ref();
        let (kept, abandoned, written) = (fresh_key(), fresh_key(), fresh_key());
        let kept_form = store.presign_upload(&policy(&kept, 100, Duration::from_secs(300))).await.unwrap();
        for (key, form) in [
            (&kept, kept_form.clone()),
            (&abandoned, store.presign_upload(&policy(&abandoned, 100, Duration::from_secs(300))).await.unwrap()),
        ] {
            let (status, body) = post_form(&form, &[], sample(100)).await;
            assert!((200..300).contains(&status), "uploading {key}: {status} {body}");
        }
        // Variants are written, not uploaded through a form: never pending.
        store.put(&written, sample(10), IMAGE_TYPE).await.unwrap();
        store.mark_kept(&kept).await.unwrap();
        store.mark_kept(&kept).await.unwrap();
        store.mark_kept(&fresh_key()).await.unwrap();

        let age = Duration::from_secs(PENDING_UPLOADS_EXPIRE_AFTER_DAYS * 24 * 3600);
        assert_eq!(store.expire_pending(SystemTime::now() - age).await.unwrap(), 0, "nothing is a week old yet");
        let later = SystemTime::now() + Duration::from_secs(1);
        assert_eq!(store.expire_pending(later).await.unwrap(), 1);
        assert_eq!(store.head(&abandoned).await.unwrap(), None);
        assert!(store.head(&kept).await.unwrap().is_some());
        assert!(store.head(&written).await.unwrap().is_some());
        assert_eq!(store.expire_pending(later).await.unwrap(), 0, "expiring twice deletes nothing more");

        // A form works once: posting it again, even after its file was kept,
        // stores nothing.
        let (status, body) = post_form(&kept_form, &[], sample(100)).await;
        assert_eq!(status, 403, "{body}");
        assert!(body.contains("already used"), "{body}");
        assert_eq!(store.get(&kept).await.unwrap(), Some(sample(100)));
    }

    /// Starts a chunked POST to `url` whose body never ends and reads the
    /// answer's status code: only a server that answers without reading the
    /// whole body answers at all.
    async fn status_of_endless_post(url: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let url = reqwest::Url::parse(url).unwrap();
        let address = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
        let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
        let head = format!(
            "POST {}?{} HTTP/1.1\r\nHost: {}\r\nContent-Type: multipart/form-data; boundary=x\r\n\
             Transfer-Encoding: chunked\r\n\r\n",
            url.path(),
            url.query().unwrap_or_default(),
            url.host_str().unwrap()
        );
        socket.write_all(head.as_bytes()).await.unwrap();
        // One chunk of a body that never ends.
        let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
        socket.write_all(chunk.as_bytes()).await.unwrap();
        let mut answer = [0u8; 12];
        tokio::time::timeout(Duration::from_secs(30), socket.read_exact(&mut answer))
            .await
            .expect("the server answered before the body ended")
            .unwrap();
        String::from_utf8_lossy(&answer[9..12]).into_owned()
    }

    /// Two posts of one form at once store one file: the claim is atomic.
    /// A post that fails leaves the form usable, so a client can retry.
    #[tokio::test]
    async fn a_form_is_used_once_even_by_concurrent_posts() {
        let server = local_server().await;
        let store = server.store.as_ref();
        let key = fresh_key();
        let form = store.presign_upload(&policy(&key, 4096, Duration::from_secs(300))).await.unwrap();
        let (status, _) = post_form(&form, &[], sample(10)).await;
        assert_eq!(status, 400, "a short file is refused");
        let (first, second) = tokio::join!(post_form(&form, &[], sample(4096)), post_form(&form, &[], sample(4096)));
        let mut statuses = [first.0, second.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [204, 403], "{first:?} {second:?}");
        assert_eq!(store.get(&key).await.unwrap(), Some(sample(4096)));
    }

    /// What can be refused without reading the body is: a tampered URL gets
    /// its 403 however large the body behind it, and a body declared longer
    /// than the file plus a form's framing is a 413 before any of it is read.
    #[tokio::test]
    async fn a_form_is_refused_before_its_body_is_read() {
        let server = local_server().await;
        let store = server.store.as_ref();
        let key = fresh_key();
        let form = store.presign_upload(&policy(&key, 4096, Duration::from_secs(300))).await.unwrap();
        let client = reqwest::Client::new();
        let unsigned = form.url.replace("signature=", "signature=00");
        assert_eq!(status_of_endless_post(&unsigned).await, "403");
        let response = client
            .post(&form.url)
            .header("content-type", "multipart/form-data; boundary=x")
            .header("content-length", (50 * 1024 * 1024).to_string())
            .body(vec![b'x'; 1024])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 413);
        // A text field is read only up to the longest a real form has.
        // Within the length a form may declare, so only the field bound stops it.
        let huge_field = "v".repeat(60 * 1024);
        let form_body = reqwest::multipart::Form::new().text("key", key.to_string()).text("padding", huge_field);
        let response = client.post(&form.url).multipart(form_body).send().await.unwrap();
        assert_eq!(response.status(), 400);
        assert!(response.text().await.unwrap().contains("longer than 1024 bytes"));
        assert_eq!(store.head(&key).await.unwrap(), None);
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
        super::a_presigned_upload_is_stored_and_downloadable(&s3_store(&moto_config().await, &moto_url()).await).await;
    }

    #[tokio::test]
    async fn marking_kept_replaces_the_pending_tag_set() {
        let bucket = Bucket::new(&moto_config().await, &moto_url()).await;
        let store = bucket.store();
        let key = fresh_key();
        let upload = store.presign_upload(&policy(&key, 100, Duration::from_secs(60))).await.unwrap();
        let (status, body) = post_form(&upload, &[], sample(100)).await;
        assert!((200..300).contains(&status), "{status} {body}");
        bucket.tag_as_the_form_asks(key.as_str(), &upload.fields["tagging"], Some(("source", "browser"))).await;
        assert!(bucket.tags(key.as_str()).await.contains(&(UPLOAD_TAG.to_owned(), UPLOAD_PENDING.to_owned())));

        let kept = vec![(UPLOAD_TAG.to_owned(), UPLOAD_KEPT.to_owned())];
        store.mark_kept(&key).await.unwrap();
        assert_eq!(bucket.tags(key.as_str()).await, kept, "no other tag survives, so no rule matches by accident");
        store.mark_kept(&key).await.unwrap();
        assert_eq!(bucket.tags(key.as_str()).await, kept);
        assert_eq!(store.get(&key).await.unwrap(), Some(sample(100)), "retagging leaves the bytes");
        store.mark_kept(&fresh_key()).await.unwrap();
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

    /// The pending tag is a policy condition: a form that drops or changes
    /// it, to dodge the expiry, is refused.
    #[tokio::test]
    async fn the_form_binds_the_pending_tag() {
        let store = s3s_store(None).await;
        let key = fresh_key();
        let upload = store.presign_upload(&policy(&key, 100, Duration::from_secs(60))).await.unwrap();
        assert_eq!(upload.fields["tagging"], pending_tagging());
        let document: Value = serde_json::from_slice(
            &base64::engine::general_purpose::STANDARD.decode(&upload.fields["policy"]).unwrap(),
        )
        .unwrap();
        assert!(
            document["conditions"].as_array().unwrap().contains(&json!({"tagging": pending_tagging()})),
            "{document}"
        );

        let reason = "Policy condition &apos;eq&apos; for field &apos;tagging&apos;";
        let kept = pending_tagging().replace(UPLOAD_PENDING, UPLOAD_KEPT);
        let result = post_form(&upload, &[("tagging", &kept)], sample(100)).await;
        assert_refused(&store, "a form tagging the upload kept", result, reason, &[&key]).await;
        let mut untagged = upload.clone();
        untagged.fields.remove("tagging");
        let result = post_form(&untagged, &[], sample(100)).await;
        assert_refused(&store, "a form without the tag", result, reason, &[&key]).await;

        let (status, body) = post_form(&upload, &[], sample(100)).await;
        assert!((200..300).contains(&status), "{status} {body}");
        assert_eq!(store.get(&key).await.unwrap(), Some(sample(100)));
    }

    #[tokio::test]
    async fn a_policy_signed_with_another_secret_is_refused() {
        let store = s3s_store(None).await;
        let key = fresh_key();
        let upload = store.presign_upload(&policy(&key, 1000, Duration::from_secs(60))).await.unwrap();
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
        let upload = store.presign_upload(&policy(&key, 100, Duration::from_secs(60))).await.unwrap();
        assert_eq!(upload.fields["x-amz-security-token"], "session-token-of-a-role");
        let document: Value = serde_json::from_slice(
            &base64::engine::general_purpose::STANDARD.decode(&upload.fields["policy"]).unwrap(),
        )
        .unwrap();
        let conditions = document["conditions"].as_array().unwrap();
        for expected in [
            json!({"key": key.as_str()}),
            json!({"Content-Type": IMAGE_TYPE}),
            json!(["content-length-range", 100, 100]),
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
