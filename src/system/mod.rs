//! Health, request metrics and the API description.

mod store;

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    app::AppContext,
    platform::{config::Environment, http::bearer_matches, http::error::ApiError},
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new().routes(routes!(health)).routes(routes!(metrics)).routes(routes!(openapi_json))
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when every dependency answered.
    pub status: &'static str,
    pub database: &'static str,
    pub version: &'static str,
}

/// Liveness and readiness: answers 200 only when the database does.
#[utoipa::path(get, path = "/api/health", tag = "system",
    responses(
        (status = 200, body = Health),
        (status = 503),
    ))]
async fn health(State(ctx): State<AppContext>) -> Result<(StatusCode, Json<Health>), ApiError> {
    store::ping(&ctx.db).await.map_err(|e| ApiError::Unavailable(format!("database check failed: {e}")))?;
    Ok((StatusCode::OK, Json(Health { status: "ok", database: "ok", version: env!("CARGO_PKG_VERSION") })))
}

/// Request counts, server errors and latency per route, in the OpenMetrics text
/// format for a Prometheus scrape. Only hosts that keep Prometheus metrics (the
/// local server) answer. With `METRICS_TOKEN` set, the scrape must present it
/// as a bearer token; in production it must be set, or nobody may scrape.
#[utoipa::path(get, path = "/api/metrics", tag = "system",
    responses(
        (status = 200, description = "OpenMetrics text exposition", body = String,
            content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8"),
        (status = 401),
        (status = 404),
    ))]
async fn metrics(State(ctx): State<AppContext>, headers: HeaderMap) -> Result<Response, ApiError> {
    let Some(text) = ctx.metrics.render_prometheus() else {
        return Err(ApiError::NotFound("this host does not keep Prometheus metrics".to_owned()));
    };
    let allowed = match &ctx.config.metrics_token {
        Some(token) => bearer_matches(&headers, token),
        // Open only where the server is a developer's own (bound to 127.0.0.1).
        None => ctx.config.environment == Environment::Development,
    };
    if !allowed {
        return Err(ApiError::Unauthorized("the metrics token is missing or wrong".to_owned()));
    }
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    Ok(([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-store")], text).into_response())
}

/// This document: the OpenAPI 3.1 description of the whole API.
#[utoipa::path(get, path = "/api/openapi.json", tag = "system",
    responses((status = 200, description = "OpenAPI 3.1 document", body = Object)))]
async fn openapi_json() -> Json<&'static utoipa::openapi::OpenApi> {
    static DOCUMENT: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    Json(DOCUMENT.get_or_init(crate::app::openapi))
}
