//! Health and the API description.

use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{app::AppContext, platform::error::{ApiError, Problem}};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new().routes(routes!(health)).routes(routes!(openapi_json))
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
        (status = 503, body = Problem, content_type = "application/problem+json"),
    ))]
async fn health(State(ctx): State<AppContext>) -> Result<(StatusCode, Json<Health>), ApiError> {
    sqlx::query("SELECT 1")
        .execute(&ctx.db)
        .await
        .map_err(|e| ApiError::Unavailable(format!("database check failed: {e}")))?;
    Ok((StatusCode::OK, Json(Health { status: "ok", database: "ok", version: env!("CARGO_PKG_VERSION") })))
}

/// This document: the OpenAPI 3.1 description of the whole API.
#[utoipa::path(get, path = "/api/openapi.json", tag = "system",
    responses((status = 200, description = "OpenAPI 3.1 document", body = Object)))]
async fn openapi_json() -> Json<&'static utoipa::openapi::OpenApi> {
    static DOCUMENT: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    Json(DOCUMENT.get_or_init(crate::app::openapi))
}
