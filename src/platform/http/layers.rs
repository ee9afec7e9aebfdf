//! The middleware stack every host applies, and the answers for unknown routes.

use std::{
    any::Any,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request, State},
    http::{HeaderMap, HeaderValue, Method, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    sensitive_headers::SetSensitiveRequestHeadersLayer,
    trace::TraceLayer,
};

use super::{
    REQUEST_ID,
    error::ApiError,
    metrics::{RequestMetrics, RequestSample},
};
use crate::platform::config::Secret;

/// The layers every host applies around the routers, outermost first: request
/// ids, tracing, a panic guard, response headers, and the body limit.
pub fn with_common_layers(router: Router, max_body_bytes: usize, metrics: Arc<RequestMetrics>) -> Router {
    router
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(middleware::from_fn(response_headers))
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

/// No answer is sniffed into another type than it declares, and an answer to
/// a request with credentials, which may hold the caller's own data, is kept
/// by no cache (shared or the browser's) unless its route said otherwise.
async fn response_headers(req: Request, next: Next) -> Response {
    let credentialed = req.headers().contains_key(header::AUTHORIZATION) || req.headers().contains_key(header::COOKIE);
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if credentialed && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
    response
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
        .is_some_and(|presented| Sha256::digest(presented.as_bytes()) == Sha256::digest(secret.expose().as_bytes()))
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
