//! HTTP plumbing shared by every router: extractors whose rejections are problem
//! documents, the client address, and the middleware stack every host applies.

use std::{
    any::Any,
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::{
        ConnectInfo, DefaultBodyLimit, FromRequest, FromRequestParts, MatchedPath, Request, State,
        rejection::{JsonRejection, PathRejection, QueryRejection},
    },
    http::{HeaderMap, HeaderName, Method, StatusCode, header, request::Parts},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use serde::de::DeserializeOwned;
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    sensitive_headers::SetSensitiveRequestHeadersLayer,
    trace::TraceLayer,
};

use super::{
    config::Secret,
    error::{ApiError, FieldError},
    metrics::{RequestMetrics, RequestSample},
};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A JSON body. Malformed JSON is 400, a body of the wrong shape (unknown field,
/// wrong type, missing field) is 422 naming the field, a non-JSON content type is
/// 415, and an oversized body is 413.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            // serde_path_to_error's text is "path: message"; split it into a field error.
            let text = std::error::Error::source(&e).map_or_else(|| e.body_text(), |s| s.to_string());
            let (field, message) = match text.split_once(": ") {
                Some((path, message)) if !path.contains(' ') => (path.to_owned(), message.to_owned()),
                _ => (String::new(), text),
            };
            ApiError::Validation(vec![FieldError { field, message }])
        }
        JsonRejection::JsonSyntaxError(_) => ApiError::BadRequest("the body is not valid JSON".to_owned()),
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::UnsupportedMediaType("send the body as application/json".to_owned())
        }
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge("the body exceeds the size limit".to_owned())
        }
        other => ApiError::BadRequest(other.body_text()),
    }
}

/// Path parameters; an id that does not parse is a 400, not a routing error.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Self(v))
            .map_err(|e: PathRejection| ApiError::BadRequest(format!("invalid path parameter: {}", e.body_text())))
    }
}

/// Query string; an unparseable parameter is a 422 naming it.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Self(v))
            .map_err(|e: QueryRejection| {
                ApiError::Validation(vec![FieldError { field: "query".to_owned(), message: e.body_text() }])
            })
    }
}

/// The caller's network address as the host saw it. Each host inserts it: the
/// local server from the socket, Lambda from the request context, Vercel from the
/// proxy header it overwrites.
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(ip) = parts.extensions.get::<ClientIp>() {
            return Ok(ip.clone());
        }
        if let Some(ConnectInfo(addr)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            return Ok(Self(addr.ip().to_string()));
        }
        Ok(Self("unknown".to_owned()))
    }
}

/// Inserts a [`ClientIp`] from the first `X-Forwarded-For` hop; only for hosts
/// whose proxy overwrites that header.
pub async fn client_ip_from_forwarded_for(mut req: Request, next: axum::middleware::Next) -> Response {
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    if let Some(ip) = forwarded {
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

/// The layers every host applies around the routers, outermost first: request
/// ids, tracing, a panic guard, and the body limit.
pub fn with_common_layers(router: Router, max_body_bytes: usize, metrics: Arc<RequestMetrics>) -> Router {
    router
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(CatchPanicLayer::custom(panic_response))
        // Outside the panic catcher, so a panicking handler counts as the 500 it became.
        .layer(middleware::from_fn_with_state(metrics, record_request))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let request_id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                    tracing::info_span!("request",
                        method = %req.method(), route = route_label(req), path = %req.uri().path(), request_id)
                })
                .on_response(|res: &Response, latency: Duration, _span: &tracing::Span| {
                    tracing::info!(status = res.status().as_u16(), latency_ms = latency.as_millis() as u64, "response");
                }),
        )
        .layer(SetSensitiveRequestHeadersLayer::new([axum::http::header::AUTHORIZATION, axum::http::header::COOKIE]))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// The route template a request matched; requests no route matched (the web
/// site, unknown paths) share one label so that scanners probing random paths
/// cannot create metric series without end.
fn route_label(req: &Request) -> &str {
    req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str)
}

/// Methods outside the standard set share one label for the same reason.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

async fn record_request(State(metrics): State<Arc<RequestMetrics>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method());
    let route = route_label(&req).to_owned();
    let response = next.run(req).await;
    metrics.record(&RequestSample {
        method,
        route: &route,
        status: response.status().as_u16(),
        latency: started.elapsed(),
    });
    response
}

/// Whether the request carries `Authorization: Bearer <secret>`. Digests are
/// compared so the time taken does not depend on where the strings differ.
pub fn bearer_matches(headers: &HeaderMap, secret: &Secret) -> bool {
    use sha2::{Digest, Sha256};
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|presented| Sha256::digest(presented.as_bytes()) == Sha256::digest(secret.0.as_bytes()))
}

fn panic_response(_: Box<dyn Any + Send + 'static>) -> Response {
    ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".to_owned())
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
