//! `Idempotency-Key` on requests that create things, as route middleware.
//!
//! The first request with a key claims it in the key-value port; its successful
//! answer is then kept for a day under the caller and the key, and a retry of
//! the same request gets that answer again, marked `Idempotent-Replayed: true`,
//! without running twice. The same key on a different request (method, path or
//! body) is refused with 422, and a retry while the first is still running with
//! 409. Answers other than 2xx are not kept: nothing was created, so the client
//! may simply try again. Requests without a valid access token pass through
//! untouched (so do tokens of ended sessions); their handlers answer 401.

use std::time::Duration;

use axum::{
    Extension,
    body::{Body, Bytes, to_bytes},
    extract::Request,
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware::{Next, from_fn},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa_axum::router::UtoipaMethodRouter;

use utoipa::openapi::{
    Required,
    path::{ParameterBuilder, ParameterIn},
    schema::{ObjectBuilder, Type},
};

use super::{
    RouteGuards,
    error::{ApiError, ApiResult},
    openapi,
};

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// How long a finished request's answer is replayed.
const RECORD_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long a claim outlives a request that never finished (its process died):
/// longer than any request may run, short enough for the client to retry soon.
const CLAIM_TTL: Duration = Duration::from_secs(5 * 60);
/// DynamoDB items hold at most 400 KB; answers larger than this are served but
/// not kept.
const MAX_KEPT_BODY: usize = 256 * 1024;
/// The headers of an answer a replay repeats: what the client needs to find
/// and read what was created.
const KEPT_HEADERS: [HeaderName; 4] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG, header::CACHE_CONTROL];
/// Claims that vanish between our failed claim and our read (the first request
/// failed and released its key) are claimed again at most this often.
const CLAIM_ROUNDS: u32 = 3;

/// A client's idempotency key: 1–255 printable ASCII characters.
struct IdempotencyKey(String);

impl IdempotencyKey {
    fn parse(raw: &HeaderValue) -> ApiResult<Self> {
        let bytes = raw.as_bytes();
        if bytes.is_empty() || bytes.len() > 255 || !bytes.iter().all(|b| (0x20..=0x7e).contains(b)) {
            return Err(ApiError::BadRequest("Idempotency-Key must be 1 to 255 printable ASCII characters".to_owned()));
        }
        Ok(Self(String::from_utf8_lossy(bytes).into_owned()))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum Record {
    InFlight { fingerprint: String },
    Done { fingerprint: String, status: u16, headers: Vec<(String, String)>, body: String },
}

impl Record {
    fn fingerprint(&self) -> &str {
        match self {
            Self::InFlight { fingerprint } | Self::Done { fingerprint, .. } => fingerprint,
        }
    }
}

fn fingerprint(req: &axum::http::request::Parts, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(req.method.as_str());
    hash.update(b"\n");
    hash.update(req.uri.path_and_query().map_or("", |p| p.as_str()));
    hash.update(b"\n");
    hash.update(body);
    format!("{:x}", hash.finalize())
}

fn mismatch() -> ApiError {
    ApiError::IdempotencyKeyReused("this Idempotency-Key was used for a different request".to_owned())
}

fn replay(status: u16, headers: Vec<(String, String)>, body: &str) -> ApiResult<Response> {
    let body = STANDARD.decode(body).map_err(|e| ApiError::Internal(e.into()))?;
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).map_err(|e| ApiError::Internal(e.into()))?;
    for (name, value) in headers {
        let name = HeaderName::try_from(name).map_err(|e| ApiError::Internal(e.into()))?;
        let value = HeaderValue::try_from(value).map_err(|e| ApiError::Internal(e.into()))?;
        response.headers_mut().insert(name, value);
    }
    response.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
    Ok(response)
}

fn unavailable(error: anyhow::Error) -> ApiError {
    // Unlike rate limits this does not fail open: running the request without
    // its key could create the thing twice, which is what the client asked us
    // to prevent. A 503 is safe to retry.
    ApiError::Unavailable(format!("idempotency store: {error:#}"))
}

/// Claims `key` for this request, or answers from the record already there.
async fn claim(ctx: &RouteGuards, key: &str, fingerprint: &str) -> ApiResult<Option<Response>> {
    let claim = serde_json::to_vec(&Record::InFlight { fingerprint: fingerprint.to_owned() })
        .map_err(|e| ApiError::Internal(e.into()))?;
    for _ in 0..CLAIM_ROUNDS {
        if ctx.kv.put_if_absent(key, &claim, CLAIM_TTL).await.map_err(unavailable)? {
            return Ok(None);
        }
        let Some(stored) = ctx.kv.get(key).await.map_err(unavailable)? else { continue };
        let record: Record = serde_json::from_slice(&stored).map_err(|e| ApiError::Internal(e.into()))?;
        if record.fingerprint() != fingerprint {
            return Err(mismatch());
        }
        return match record {
            Record::InFlight { .. } => Err(ApiError::Conflict(
                "a request with this Idempotency-Key is still being processed; retry shortly".to_owned(),
            )),
            Record::Done { status, headers, body, .. } => replay(status, headers, &body).map(Some),
        };
    }
    Err(ApiError::Conflict(
        "a request with this Idempotency-Key is being retried concurrently; retry shortly".to_owned(),
    ))
}

/// Keeps a successful answer for replays, or releases the key otherwise.
async fn finish(ctx: &RouteGuards, key: &str, fingerprint: String, response: Response) -> Response {
    if !response.status().is_success() {
        if let Err(error) = ctx.kv.delete(key).await {
            tracing::warn!(error = ?error, "could not release an idempotency key; it frees itself when its claim expires");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes: Bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(error) => {
            if let Err(error) = ctx.kv.delete(key).await {
                tracing::warn!(error = ?error, "could not release an idempotency key");
            }
            return ApiError::Internal(anyhow::anyhow!("reading the answer to keep it: {error}")).into_response();
        }
    };
    let record = (bytes.len() <= MAX_KEPT_BODY).then(|| Record::Done {
        fingerprint,
        status: parts.status.as_u16(),
        headers: KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                let value = parts.headers.get(name)?.to_str().ok()?;
                Some((name.as_str().to_owned(), value.to_owned()))
            })
            .collect(),
        body: STANDARD.encode(&bytes),
    });
    let stored = match record.map(|r| serde_json::to_vec(&r)) {
        Some(Ok(record)) => ctx.kv.put(key, &record, RECORD_TTL).await,
        Some(Err(error)) => Err(error.into()),
        None => Err(anyhow::anyhow!("the answer is too large to keep ({} bytes)", bytes.len())),
    };
    if let Err(error) = stored {
        // The work is done and its answer goes out; a retry will run it again,
        // which is no worse than having no key.
        tracing::warn!(error = ?error, "could not keep an idempotent answer");
        if let Err(error) = ctx.kv.delete(key).await {
            tracing::warn!(error = ?error, "could not release an idempotency key");
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// `routes` honouring `Idempotency-Key`; for operations that create things.
/// Their documentation gains the header and the refusals it can cause.
pub fn keyed<S: Clone + Send + Sync + 'static>(routes: UtoipaMethodRouter<S>) -> UtoipaMethodRouter<S> {
    keyed_with(routes, Required::False)
}

/// [`keyed`] for operations whose handler refuses a request without a key
/// (428), where a repeat would cost money: the documentation says it is required.
pub fn keyed_required<S: Clone + Send + Sync + 'static>(routes: UtoipaMethodRouter<S>) -> UtoipaMethodRouter<S> {
    keyed_with(routes, Required::True)
}

fn keyed_with<S: Clone + Send + Sync + 'static>(
    routes: UtoipaMethodRouter<S>,
    required: Required,
) -> UtoipaMethodRouter<S> {
    let (schemas, mut paths, router) = routes;
    let key = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(required)
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                .pattern(Some(r"^[\x20-\x7E]+$")),
        ))
        .description(Some(
            "1–255 printable ASCII characters. Makes retrying safe: the first successful answer is replayed for 24 \
             hours, marked `Idempotent-Replayed: true`; the same key with a different request is refused with 422, \
             and while the first is still running with 409.",
        ))
        .build();
    openapi::with_parameter(&mut paths, key);
    openapi::with_problem(
        &mut paths,
        "400",
        openapi::problem_response("The request or its Idempotency-Key is malformed"),
    );
    openapi::with_problem(
        &mut paths,
        "409",
        openapi::problem_response("A request with this Idempotency-Key is still running"),
    );
    openapi::with_problem(
        &mut paths,
        "422",
        openapi::problem_response("Invalid fields, or the Idempotency-Key belongs to another request"),
    );
    (schemas, paths, router.route_layer(from_fn(enforce)))
}

async fn enforce(Extension(ctx): Extension<RouteGuards>, req: Request, next: Next) -> Response {
    let Some(raw) = req.headers().get(IDEMPOTENCY_KEY) else {
        return next.run(req).await;
    };
    let key = match IdempotencyKey::parse(raw) {
        Ok(key) => key,
        Err(error) => return error.into_response(),
    };
    // A signed-out session's token still verifies until it expires; its
    // kept answers must not be replayed to whoever holds it.
    let Some(user) = ctx.callers.signed_in(req.headers()).await else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let body = match to_bytes(body, ctx.max_body_bytes).await {
        Ok(body) => body,
        // Reading can only fail on the size limit or a client that went away.
        Err(_) => return ApiError::PayloadTooLarge("the body exceeds the size limit".to_owned()).into_response(),
    };
    let fingerprint = fingerprint(&parts, &body);
    let storage_key = format!("idempotency:{user}:{}", key.0);
    match claim(&ctx, &storage_key, &fingerprint).await {
        Ok(None) => {}
        Ok(Some(replayed)) => return replayed,
        Err(error) => return error.into_response(),
    }
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    finish(&ctx, &storage_key, fingerprint, response).await
}
