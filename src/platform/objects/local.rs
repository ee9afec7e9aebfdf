//! Embedded default of the object-store port: files under a local directory
//! (`.data/blobs`), written and read through HMAC-signed, expiring URLs that the
//! local server answers. Uploads follow the S3 POST-policy shape and limits, so
//! the browser code and the failure modes are the same as in the cloud.
//! So is the expiry of uploads nobody kept: a form upload leaves a marker under
//! `.pending/`, [`ObjectStore::mark_kept`] removes it, and
//! [`LocalObjectStore::expire_pending`] deletes what is still marked, as the
//! bucket's lifecycle rule does with S3's `upload=pending` tag.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, SystemTime},
};

use anyhow::Context;
use async_trait::async_trait;
use axum::{
    Router,
    extract::{Multipart, Query, State, multipart::MultipartRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use tokio::io::AsyncWriteExt;

use super::{ObjectKey, ObjectMeta, ObjectStore, PresignedUpload, UploadPolicy, window_start};
use crate::platform::http::error::ApiError;

const UPLOAD_PATH: &str = "/api/blobs";
/// Where the markers of pending uploads live, one empty file per object at
/// the object's own key; the marker's modification time is the upload's.
const PENDING_DIR: &str = ".pending";
/// Room for the form's text fields and multipart framing on top of the file.
const FORM_OVERHEAD_BYTES: u64 = 64 * 1024;
/// One empty file per form that stored its file, named by its signature.
const USED_FORMS_DIR: &str = ".used-forms";

pub struct LocalObjectStore {
    root: PathBuf,
    secret: Vec<u8>,
    /// Prefix of the URLs handed out: empty for same-origin paths, or the
    /// server's public origin.
    public_base: String,
    max_upload_bytes: u64,
}

impl LocalObjectStore {
    pub fn new(root: PathBuf, secret: Vec<u8>, public_base: String, max_upload_bytes: u64) -> Self {
        Self { root, secret, public_base: public_base.trim_end_matches('/').to_owned(), max_upload_bytes }
    }

    fn path_of(&self, key: &ObjectKey) -> PathBuf {
        self.root.join(key.as_str())
    }

    fn pending_marker(&self, key: &ObjectKey) -> PathBuf {
        self.root.join(PENDING_DIR).join(key.as_str())
    }

    /// Written once the upload is whole: a failed upload leaves whatever was
    /// stored under the key as it was, kept or not, as S3 does.
    async fn mark_pending(&self, key: &ObjectKey) -> anyhow::Result<()> {
        let marker = self.pending_marker(key);
        if let Some(parent) = marker.parent() {
            tokio::fs::create_dir_all(parent).await.context("creating the pending uploads' directory")?;
        }
        tokio::fs::write(&marker, b"").await.with_context(|| format!("marking {key} pending"))
    }

    async fn clear_pending(&self, key: &ObjectKey) -> anyhow::Result<()> {
        remove_if_present(&self.pending_marker(key))
            .await
            .with_context(|| format!("clearing the pending mark of {key}"))
    }

    /// Deletes every object uploaded through a form before `uploaded_before`
    /// and never marked kept; returns how many. The local server's scheduler
    /// runs it, standing in for the bucket's lifecycle rule.
    pub async fn expire_pending(&self, uploaded_before: SystemTime) -> anyhow::Result<usize> {
        self.sweep_used_forms().await?;
        let markers = self.root.join(PENDING_DIR);
        let mut directories = vec![markers.clone()];
        let mut expired = 0;
        while let Some(directory) = directories.pop() {
            let mut entries = match tokio::fs::read_dir(&directory).await {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e).with_context(|| format!("listing {}", directory.display())),
            };
            while let Some(entry) = entries.next_entry().await.context("listing pending uploads")? {
                let path = entry.path();
                let meta = entry.metadata().await.with_context(|| format!("reading {}", path.display()))?;
                if meta.is_dir() {
                    directories.push(path);
                    continue;
                }
                if meta.modified().context("marker modification times")? >= uploaded_before {
                    continue;
                }
                let key = path.strip_prefix(&markers).ok().and_then(Path::to_str).and_then(ObjectKey::parse);
                match key {
                    Some(key) => self.delete(&key).await?,
                    // Nothing this store wrote; a stray file in its directory.
                    None => continue,
                }
                expired += 1;
            }
        }
        Ok(expired)
    }

    /// Marks a form as used, atomically, so that two posts of one form cannot
    /// both store; `None` when it already was. The mark is named by the
    /// form's expiry and signature (hex, so a safe file name): once the form
    /// has expired it is refused anyway, and [`LocalObjectStore::expire_pending`]
    /// sweeps the mark.
    async fn claim_form(&self, policy: &SignedPolicy) -> anyhow::Result<Option<PathBuf>> {
        let dir = self.root.join(USED_FORMS_DIR);
        tokio::fs::create_dir_all(&dir).await.context("creating the used forms' directory")?;
        let mark = dir.join(format!("{}-{}", policy.expires, policy.signature));
        match tokio::fs::OpenOptions::new().write(true).create_new(true).open(&mark).await {
            Ok(_) => Ok(Some(mark)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(None),
            Err(e) => Err(e).context("marking an upload form used"),
        }
    }

    async fn release_form(&self, mark: PathBuf) {
        if let Err(error) = remove_if_present(&mark).await {
            tracing::warn!(error = ?error, "could not release an upload form; it stays used");
        }
    }

    async fn sweep_used_forms(&self) -> anyhow::Result<()> {
        let mut entries = match tokio::fs::read_dir(self.root.join(USED_FORMS_DIR)).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e).context("listing used upload forms"),
        };
        let now = Utc::now().timestamp();
        while let Some(entry) = entries.next_entry().await.context("listing used upload forms")? {
            let name = entry.file_name();
            let expires =
                name.to_str().and_then(|name| name.split_once('-')).and_then(|(at, _)| at.parse::<i64>().ok());
            if expires.is_none_or(|at| at < now) {
                remove_if_present(&entry.path()).await.context("deleting a used form's mark")?;
            }
        }
        Ok(())
    }

    fn mac(&self, parts: &[&str]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC accepts any key length");
        for part in parts {
            // Length-prefixed, so no two different part lists sign the same bytes.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac
    }

    fn sign(&self, parts: &[&str]) -> String {
        hex(&self.mac(parts).finalize().into_bytes())
    }

    fn verify(&self, parts: &[&str], signature: &str) -> bool {
        decode_hex(signature).is_some_and(|bytes| self.mac(parts).verify_slice(&bytes).is_ok())
    }

    async fn write_atomically(
        &self,
        key: &ObjectKey,
        write: impl AsyncFnOnce(&mut tokio::fs::File) -> Result<(), UploadError>,
    ) -> Result<(), UploadError> {
        let temp_dir = self.root.join(".incoming");
        tokio::fs::create_dir_all(&temp_dir).await.map_err(internal)?;
        let temp = temp_dir.join(uuid::Uuid::new_v4().simple().to_string());
        let mut file = tokio::fs::File::create(&temp).await.map_err(internal)?;
        let written = async {
            write(&mut file).await?;
            file.sync_all().await.map_err(internal)?;
            let target = self.path_of(key);
            if let Some(parent) = target.parent() {
                tokio::fs::create_dir_all(parent).await.map_err(internal)?;
            }
            tokio::fs::rename(&temp, &target).await.map_err(internal)
        }
        .await;
        if written.is_err() {
            let _ = tokio::fs::remove_file(&temp).await;
        }
        written
    }
}

async fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match tokio::fs::remove_file(path).await {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[async_trait]
impl ObjectStore for LocalObjectStore {
    /// The signed policy travels in the URL, so the server checks it before
    /// reading a byte of the body; the form repeats the key and type, as an
    /// S3 form does, and they must match.
    async fn presign_upload(&self, policy: &UploadPolicy) -> anyhow::Result<PresignedUpload> {
        let expires_at = Utc::now() + policy.expires_in;
        let expires = expires_at.timestamp().to_string();
        let size = policy.size_bytes.to_string();
        let signature = self.sign(&["upload", policy.key.as_str(), &policy.content_type, &size, &expires]);
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("key", policy.key.as_str())
            .append_pair("content-type", &policy.content_type)
            .append_pair("size", &size)
            .append_pair("expires", &expires)
            .append_pair("signature", &signature)
            .finish();
        let fields = BTreeMap::from([
            ("key".to_owned(), policy.key.to_string()),
            ("Content-Type".to_owned(), policy.content_type.clone()),
        ]);
        Ok(PresignedUpload {
            method: "POST".to_owned(),
            url: format!("{}{UPLOAD_PATH}?{query}", self.public_base),
            fields,
            expires_at: DateTime::from_timestamp(expires_at.timestamp(), 0).unwrap_or(expires_at),
        })
    }

    async fn download_url(&self, key: &ObjectKey, valid_for: Duration) -> anyhow::Result<String> {
        let expires = (window_start(Utc::now(), valid_for) + valid_for * 2).timestamp().to_string();
        let signature = self.sign(&["download", key.as_str(), &expires]);
        Ok(format!("{}{UPLOAD_PATH}/{key}?expires={expires}&signature={signature}", self.public_base))
    }

    async fn head(&self, key: &ObjectKey) -> anyhow::Result<Option<ObjectMeta>> {
        match tokio::fs::metadata(self.path_of(key)).await {
            Ok(meta) if meta.is_file() => Ok(Some(ObjectMeta { size: meta.len() })),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading metadata of {key}")),
        }
    }

    async fn get(&self, key: &ObjectKey) -> anyhow::Result<Option<Vec<u8>>> {
        match tokio::fs::read(self.path_of(key)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {key}")),
        }
    }

    /// Like an S3 PutObject without tags, a write replaces a pending upload
    /// with an object that does not expire.
    async fn put(&self, key: &ObjectKey, bytes: Vec<u8>, _content_type: &str) -> anyhow::Result<()> {
        self.write_atomically(key, async |file| file.write_all(&bytes).await.map_err(internal))
            .await
            .map_err(|e| anyhow::anyhow!("writing {key}: {e:?}"))?;
        self.clear_pending(key).await
    }

    async fn delete(&self, key: &ObjectKey) -> anyhow::Result<()> {
        remove_if_present(&self.path_of(key)).await.with_context(|| format!("deleting {key}"))?;
        self.clear_pending(key).await
    }

    async fn mark_kept(&self, key: &ObjectKey) -> anyhow::Result<()> {
        self.clear_pending(key).await
    }
}

/// The route that stands in for the storage service's form uploads. It
/// answers 404 when another store is configured.
pub fn upload_routes<S: Clone + Send + Sync + 'static>(store: Option<Arc<LocalObjectStore>>) -> Router<S> {
    let body_limit = store.as_ref().map_or(0, |s| s.max_upload_bytes + FORM_OVERHEAD_BYTES);
    Router::new()
        .route(UPLOAD_PATH, post(upload))
        .layer(axum::extract::DefaultBodyLimit::max(usize::try_from(body_limit).unwrap_or(usize::MAX)))
        .with_state(store)
}

/// The route that stands in for the storage service's signed downloads.
pub fn download_routes<S: Clone + Send + Sync + 'static>(store: Option<Arc<LocalObjectStore>>) -> Router<S> {
    Router::new().route(&format!("{UPLOAD_PATH}/{{*key}}"), get(download)).with_state(store)
}

#[derive(Debug)]
enum UploadError {
    Client(ApiError),
    Internal(anyhow::Error),
}

fn internal(e: impl Into<anyhow::Error>) -> UploadError {
    UploadError::Internal(e.into())
}

impl From<ApiError> for UploadError {
    fn from(e: ApiError) -> Self {
        Self::Client(e)
    }
}

impl From<UploadError> for ApiError {
    fn from(e: UploadError) -> Self {
        match e {
            UploadError::Client(e) => e,
            UploadError::Internal(e) => ApiError::Internal(e),
        }
    }
}

type LocalStore = State<Option<Arc<LocalObjectStore>>>;

fn store_or_404(store: Option<Arc<LocalObjectStore>>) -> Result<Arc<LocalObjectStore>, ApiError> {
    store.ok_or_else(|| ApiError::NotFound("no such route".to_owned()))
}

/// The form's text fields: few and short, so a hostile form cannot make the
/// server hold much before the file.
const MAX_FIELDS: usize = 8;
const MAX_FIELD_BYTES: usize = 1024;

/// The policy [`LocalObjectStore::presign_upload`] signed into the URL.
#[derive(Deserialize)]
struct UploadQuery {
    key: String,
    #[serde(rename = "content-type")]
    content_type: String,
    size: String,
    expires: String,
    signature: String,
}

/// Accepts a form made by [`LocalObjectStore::presign_upload`]. Everything
/// that can be refused without the body is refused first: the URL's
/// signature and expiry, a form already used, a declared length the file
/// cannot fit. Then the text fields are read, each bounded, and the file is
/// streamed to a temporary file that becomes the object only once exactly
/// the signed number of bytes has arrived. A form works once.
async fn upload(
    State(store): LocalStore,
    query: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<StatusCode, ApiError> {
    let store = store_or_404(store)?;
    let Query(query) = query.map_err(|_| ApiError::Forbidden("the upload URL is not signed".to_owned()))?;
    let policy = SignedPolicy::check(&store, &query)?;
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > policy.size + FORM_OVERHEAD_BYTES) {
        return Err(policy.too_large());
    }
    let claim = store.claim_form(&policy).await.map_err(ApiError::Internal)?;
    let Some(claim) = claim else {
        return Err(ApiError::Forbidden("this upload form was already used".to_owned()));
    };
    let stored = receive(&store, &policy, multipart).await;
    if stored.is_err() {
        // Nothing was stored: the form may be tried again until it expires.
        store.release_form(claim).await;
    }
    stored.map(|()| StatusCode::NO_CONTENT)
}

async fn receive(
    store: &LocalObjectStore,
    policy: &SignedPolicy,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(), ApiError> {
    let mut multipart = multipart
        .map_err(|e| ApiError::BadRequest(format!("send the upload as multipart/form-data: {}", e.body_text())))?;
    let mut fields = 0;
    loop {
        let field = multipart.next_field().await.map_err(malformed)?;
        let Some(mut field) = field else {
            return Err(ApiError::BadRequest("the form has no file field".to_owned()));
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name != "file" {
            fields += 1;
            if fields > MAX_FIELDS {
                return Err(ApiError::BadRequest("the form has too many fields".to_owned()));
            }
            let value = bounded_text(&mut field).await?;
            // Fields the policy names must say what it says, as in an S3 form.
            let signed = match name.to_ascii_lowercase().as_str() {
                "key" => Some(policy.key.as_str()),
                "content-type" => Some(policy.content_type.as_str()),
                _ => None,
            };
            if signed.is_some_and(|signed| signed != value) {
                return Err(ApiError::Forbidden("the upload form's signature does not match its fields".to_owned()));
            }
            continue;
        }
        store
            .write_atomically(&policy.key, async |file| {
                let mut written: u64 = 0;
                while let Some(chunk) = field.chunk().await.map_err(|e| UploadError::Client(malformed(e)))? {
                    written += chunk.len() as u64;
                    if written > policy.size {
                        return Err(policy.too_large().into());
                    }
                    file.write_all(&chunk).await.map_err(internal)?;
                }
                if written != policy.size {
                    return Err(ApiError::BadRequest(format!(
                        "the file is {written} bytes; this upload is for exactly {} bytes",
                        policy.size
                    ))
                    .into());
                }
                Ok(())
            })
            .await?;
        return store.mark_pending(&policy.key).await.map_err(ApiError::Internal);
    }
}

/// A text field's value, read a chunk at a time and refused as soon as it is
/// longer than any field of a real form.
async fn bounded_text(field: &mut axum::extract::multipart::Field<'_>) -> Result<String, ApiError> {
    let mut value = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        if value.len() + chunk.len() > MAX_FIELD_BYTES {
            return Err(ApiError::BadRequest(format!("a form field is longer than {MAX_FIELD_BYTES} bytes")));
        }
        value.extend_from_slice(&chunk);
    }
    String::from_utf8(value).map_err(|_| ApiError::BadRequest("a form field is not UTF-8 text".to_owned()))
}

fn malformed(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge("the upload exceeds the size limit".to_owned())
    } else {
        ApiError::BadRequest(format!("the multipart form is malformed: {}", e.body_text()))
    }
}

struct SignedPolicy {
    key: ObjectKey,
    content_type: String,
    size: u64,
    expires: i64,
    signature: String,
}

impl SignedPolicy {
    fn check(store: &LocalObjectStore, query: &UploadQuery) -> Result<Self, ApiError> {
        let UploadQuery { key, content_type, size, expires, signature } = query;
        if !store.verify(&["upload", key, content_type, size, expires], signature) {
            return Err(ApiError::Forbidden("the upload form's signature does not match its fields".to_owned()));
        }
        let expires = expires.parse::<i64>().ok().filter(|at| *at >= Utc::now().timestamp());
        let Some(expires) = expires else {
            return Err(ApiError::Forbidden("the upload form has expired".to_owned()));
        };
        Ok(Self {
            key: ObjectKey::parse(key).ok_or_else(|| ApiError::Forbidden("the key is not valid".to_owned()))?,
            content_type: content_type.clone(),
            size: size.parse().map_err(|_| ApiError::Forbidden("the size is not valid".to_owned()))?,
            expires,
            signature: signature.clone(),
        })
    }

    fn too_large(&self) -> ApiError {
        ApiError::PayloadTooLarge(format!("the file exceeds the {} bytes this upload allows", self.size))
    }
}

#[derive(Deserialize)]
struct DownloadQuery {
    expires: Option<String>,
    signature: Option<String>,
}

/// Objects are immutable under their keys, so a verified download may be cached
/// until its URL expires.
async fn download(
    State(store): LocalStore,
    axum::extract::Path(key): axum::extract::Path<String>,
    Query(query): Query<DownloadQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let store = store_or_404(store)?;
    let (Some(expires), Some(signature)) = (query.expires, query.signature) else {
        return Err(ApiError::Forbidden("the URL is not signed".to_owned()));
    };
    if !store.verify(&["download", &key, &expires], &signature) {
        return Err(ApiError::Forbidden("the URL's signature does not match".to_owned()));
    }
    let remaining = expires.parse::<i64>().unwrap_or(0) - Utc::now().timestamp();
    if remaining <= 0 {
        return Err(ApiError::Forbidden("the URL has expired".to_owned()));
    }
    let key = ObjectKey::parse(&key).ok_or_else(|| ApiError::NotFound("no such object".to_owned()))?;
    let path = store.path_of(&key);
    let meta = match tokio::fs::metadata(&path).await {
        Ok(meta) if meta.is_file() => meta,
        _ => return Err(ApiError::NotFound("no such object".to_owned())),
    };
    let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).unwrap_or_default();
    let etag = format!("\"{:x}-{:x}\"", meta.len(), modified.as_nanos());
    let mut response = if headers.get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == etag.as_bytes()) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let bytes = tokio::fs::read(&path).await.context("reading a blob").map_err(ApiError::Internal)?;
        ([(header::CONTENT_TYPE, content_type_of(&key))], bytes).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex and quotes are valid header text"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_str(&format!("private, max-age={remaining}, immutable"))
            .expect("digits are valid header text"),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(response)
}

fn content_type_of(key: &ObjectKey) -> &'static str {
    match Path::new(key.as_str()).extension().and_then(|e| e.to_str()) {
        Some("webp") => "image/webp",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("tif" | "tiff") => "image/tiff",
        _ => "application/octet-stream",
    }
}
