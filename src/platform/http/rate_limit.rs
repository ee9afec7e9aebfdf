//! Token-bucket rate limits as route middleware, kept in the key-value port so
//! every host instance draws from the same buckets. A signed-in caller spends
//! their own bucket, so people sharing an address (an office, a mobile
//! carrier) do not starve each other; anyone else spends their address's.
//! Refusals are 429 problem documents with `Retry-After`, like the login
//! throttle's.

use axum::{
    Extension,
    extract::{Request, State},
    middleware::{Next, from_fn_with_state},
    response::{IntoResponse, Response},
};

use utoipa_axum::router::UtoipaMethodRouter;

use super::{ClientIp, RouteGuards, error::ApiError, openapi};
use crate::platform::{config::RateLimits, kv::TokenBucket};

/// A group of routes sharing one budget.
#[derive(Clone, Copy, Debug)]
pub enum Limit {
    /// Sign-up, sign-in, token refresh, sign-out and account changes.
    Auth,
    /// Starting an upload.
    Uploads,
    Search,
}

impl Limit {
    fn name(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Uploads => "uploads",
            Self::Search => "search",
        }
    }

    fn buckets(self, limits: &RateLimits) -> (TokenBucket, TokenBucket) {
        match self {
            Self::Auth => (limits.auth_ip, limits.auth_user),
            Self::Uploads => (limits.uploads_ip, limits.uploads_user),
            Self::Search => (limits.search_ip, limits.search_user),
        }
    }
}

/// `routes` with the budget of `limit` in front of them; their documentation
/// gains the 429 it can answer.
pub fn limited<S: Clone + Send + Sync + 'static>(limit: Limit, routes: UtoipaMethodRouter<S>) -> UtoipaMethodRouter<S> {
    let (schemas, mut paths, router) = routes;
    openapi::with_problem(&mut paths, "429", openapi::rate_limited_response("Rate limited; see Retry-After"));
    (schemas, paths, router.route_layer(from_fn_with_state(limit, enforce)))
}

async fn enforce(
    State(limit): State<Limit>,
    Extension(ctx): Extension<RouteGuards>,
    ClientIp(ip): ClientIp,
    req: Request,
    next: Next,
) -> Response {
    let (ip_bucket, user_bucket) = limit.buckets(&ctx.rate_limits);
    let (key, bucket) = match ctx.callers.subject(req.headers()) {
        Some(user) => (format!("rate:{}:user:{user}", limit.name()), user_bucket),
        None => (format!("rate:{}:ip:{ip}", limit.name()), ip_bucket),
    };
    match ctx.kv.take_token(&key, bucket).await {
        Ok(decision) if !decision.allowed => {
            let retry_after_secs = decision.retry_after.as_secs_f64().ceil().max(1.0) as u64;
            tracing::info!(limit = limit.name(), retry_after_secs, "rate limited");
            return ApiError::TooManyRequests { retry_after_secs }.into_response();
        }
        Ok(_) => {}
        // Fail open: the limits guard against abuse, and an outage of the
        // store that keeps them should not take every limited route down
        // with it. The routes still authenticate and validate as usual.
        Err(error) => {
            tracing::warn!(limit = limit.name(), error = ?error, "rate limit store failed; allowing the request")
        }
    }
    next.run(req).await
}
