//! S3 adapter of the object-store port, for S3 itself or anything that speaks
//! its protocol (set an endpoint, and usually path-style addressing). Uploads
//! are browser form POSTs bound by a signed POST policy, so the API never
//! carries image bytes and S3 itself enforces key, type and size. The form
//! also tags the object `upload=pending`, which the bucket's lifecycle rule
//! expires (template.yaml) unless the media job retags it `upload=kept`.

use std::{collections::BTreeMap, time::Duration};

use anyhow::Context;
use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_s3::{
    Client,
    config::{ProvideCredentials, SharedCredentialsProvider},
    error::ProvideErrorMetadata,
    presigning::PresigningConfig,
    primitives::ByteStream,
    types::{Tag, Tagging},
};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::{ObjectKey, ObjectMeta, ObjectStore, PresignedUpload, UploadPolicy, window_start};

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The object tag the bucket's lifecycle rule filters on.
pub const UPLOAD_TAG: &str = "upload";
pub const UPLOAD_PENDING: &str = "pending";
pub const UPLOAD_KEPT: &str = "kept";

#[derive(Clone, Debug)]
pub struct S3Settings {
    pub bucket: String,
    /// A non-AWS endpoint (MinIO, a local stand-in); `None` for AWS.
    pub endpoint_url: Option<String>,
    /// `{endpoint}/{bucket}` instead of `{bucket}.{endpoint host}`.
    pub force_path_style: bool,
}

pub struct S3ObjectStore {
    client: Client,
    bucket: String,
    /// Where upload forms are posted: the bucket's own URL.
    bucket_url: String,
    region: String,
    credentials: SharedCredentialsProvider,
}

impl S3ObjectStore {
    /// Credentials and region come from `sdk` (the default chain in
    /// deployments: a Lambda role's session credentials, or the environment).
    pub fn new(sdk: &SdkConfig, settings: S3Settings) -> anyhow::Result<Self> {
        let region = sdk.region().context("no AWS region is configured (set AWS_REGION)")?.to_string();
        let credentials = sdk.credentials_provider().context("no AWS credentials provider is configured")?;
        let mut config = aws_sdk_s3::config::Builder::from(sdk).force_path_style(settings.force_path_style);
        if let Some(endpoint) = &settings.endpoint_url {
            config = config.endpoint_url(endpoint);
        }
        Ok(Self {
            client: Client::from_conf(config.build()),
            bucket_url: bucket_url(&settings, &region)?,
            bucket: settings.bucket,
            region,
            credentials,
        })
    }
}

/// The `tagging` form field: the XML of a PutObjectTagging body.
fn pending_tagging() -> String {
    format!("<Tagging><TagSet><Tag><Key>{UPLOAD_TAG}</Key><Value>{UPLOAD_PENDING}</Value></Tag></TagSet></Tagging>")
}

fn bucket_url(settings: &S3Settings, region: &str) -> anyhow::Result<String> {
    let bucket = &settings.bucket;
    let endpoint = settings.endpoint_url.clone().unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
    if settings.force_path_style {
        return Ok(format!("{}/{bucket}", endpoint.trim_end_matches('/')));
    }
    let mut url = url::Url::parse(&endpoint).with_context(|| format!("S3 endpoint {endpoint:?} is not a URL"))?;
    let host = url.host_str().context("the S3 endpoint has no host")?;
    let host = format!("{bucket}.{host}");
    url.set_host(Some(&host)).with_context(|| format!("{host:?} is not a valid host name"))?;
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[async_trait]
impl ObjectStore for S3ObjectStore {
    async fn presign_upload(&self, policy: &UploadPolicy) -> anyhow::Result<PresignedUpload> {
        let credentials = self.credentials.provide_credentials().await.context("resolving AWS credentials")?;
        let now = Utc::now();
        let expires_at = DateTime::from_timestamp((now + policy.expires_in).timestamp(), 0).unwrap_or(now);
        let amz_date = now.format("%Y%m%dT%H%M%SZ").to_string();
        let credential =
            format!("{}/{}/{}/s3/aws4_request", credentials.access_key_id(), now.format("%Y%m%d"), self.region);
        let mut fields = BTreeMap::from([
            ("key".to_owned(), policy.key.to_string()),
            ("Content-Type".to_owned(), policy.content_type.clone()),
            // S3 authorises a POST's tags as s3:PutObjectTagging of the signer.
            ("tagging".to_owned(), pending_tagging()),
            ("x-amz-algorithm".to_owned(), ALGORITHM.to_owned()),
            ("x-amz-credential".to_owned(), credential),
            ("x-amz-date".to_owned(), amz_date),
        ]);
        // Role credentials are temporary; S3 rejects them without their token.
        if let Some(token) = credentials.session_token() {
            fields.insert("x-amz-security-token".to_owned(), token.to_owned());
        }
        // Every form field except the signature must appear in the policy, each
        // as an exact match: a form without the pending tag would never expire.
        let mut conditions =
            vec![json!({"bucket": self.bucket}), json!(["content-length-range", policy.size_bytes, policy.size_bytes])];
        conditions.extend(fields.iter().map(|(name, value)| json!({ name: value })));
        let document = json!({
            "expiration": expires_at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            "conditions": conditions,
        });
        let encoded = base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(&document)?);
        let signing_key =
            aws_sigv4::sign::v4::generate_signing_key(credentials.secret_access_key(), now.into(), &self.region, "s3");
        let signature = aws_sigv4::sign::v4::calculate_signature(signing_key, encoded.as_bytes());
        fields.insert("policy".to_owned(), encoded);
        fields.insert("x-amz-signature".to_owned(), signature);
        Ok(PresignedUpload { method: "POST".to_owned(), url: self.bucket_url.clone(), fields, expires_at })
    }

    async fn download_url(&self, key: &ObjectKey, valid_for: Duration) -> anyhow::Result<String> {
        let presigning = PresigningConfig::builder()
            .start_time(window_start(Utc::now(), valid_for).into())
            .expires_in(valid_for * 2)
            .build()
            .context("download URL lifetime")?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .presigned(presigning)
            .await
            .with_context(|| format!("presigning a download of {key}"))?;
        Ok(request.uri().to_owned())
    }

    async fn head(&self, key: &ObjectKey) -> anyhow::Result<Option<ObjectMeta>> {
        match self.client.head_object().bucket(&self.bucket).key(key.as_str()).send().await {
            Ok(object) => Ok(Some(ObjectMeta { size: object.content_length().unwrap_or(0).max(0) as u64 })),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading metadata of {key}")),
        }
    }

    async fn get(&self, key: &ObjectKey) -> anyhow::Result<Option<Vec<u8>>> {
        let object = match self.client.get_object().bucket(&self.bucket).key(key.as_str()).send().await {
            Ok(object) => object,
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading {key}")),
        };
        let bytes = object.body.collect().await.with_context(|| format!("reading the body of {key}"))?;
        Ok(Some(bytes.to_vec()))
    }

    async fn put(&self, key: &ObjectKey, bytes: Vec<u8>, content_type: &str) -> anyhow::Result<()> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .with_context(|| format!("writing {key}"))?;
        Ok(())
    }

    async fn delete(&self, key: &ObjectKey) -> anyhow::Result<()> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .with_context(|| format!("deleting {key}"))?;
        Ok(())
    }

    /// Replaces the whole tag set, so the pending tag is gone.
    async fn mark_kept(&self, key: &ObjectKey) -> anyhow::Result<()> {
        let tag = Tag::builder().key(UPLOAD_TAG).value(UPLOAD_KEPT).build().context("the kept tag")?;
        let tagging = Tagging::builder().tag_set(tag).build().context("the kept tag set")?;
        let result =
            self.client.put_object_tagging().bucket(&self.bucket).key(key.as_str()).tagging(tagging).send().await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().and_then(ProvideErrorMetadata::code) == Some("NoSuchKey") => Ok(()),
            Err(e) => Err(e).with_context(|| format!("marking {key} kept")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(endpoint: Option<&str>, path_style: bool) -> S3Settings {
        S3Settings { bucket: "art".to_owned(), endpoint_url: endpoint.map(str::to_owned), force_path_style: path_style }
    }

    #[test]
    fn upload_forms_post_to_the_bucket_url() {
        let url = |endpoint, path_style| bucket_url(&settings(endpoint, path_style), "eu-west-2").unwrap();
        assert_eq!(url(None, false), "https://art.s3.eu-west-2.amazonaws.com");
        assert_eq!(url(None, true), "https://s3.eu-west-2.amazonaws.com/art");
        assert_eq!(url(Some("http://127.0.0.1:9000/"), true), "http://127.0.0.1:9000/art");
        assert_eq!(url(Some("https://minio.example.com"), false), "https://art.minio.example.com");
    }
}
