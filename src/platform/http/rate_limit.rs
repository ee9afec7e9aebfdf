//! Token-bucket rate limits as route middleware, kept in the key-value port so
//! every host instance draws from the same buckets.
//!
//! Every request spends a bucket of its address. A route that authenticates
//! also charges a signed-in caller's own bucket, and their address then pays
//! from a separate, larger bucket shared by the signed-in people behind it:
//! colleagues behind one office address do not starve each other, anonymous
//! traffic from there cannot lock them out, and minting accounts from one
//! address buys no more than that address's share. Routes that never
//! authenticate (sign-up, sign-in, refresh) ignore any token presented to them.
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
use crate::platform::{
    config::{Budget, RateLimits},
    kv::{KeyValueStore, TokenBucket},
};

/// A group of routes sharing one budget.
#[derive(Clone, Copy, Debug)]
pub enum Limit {
    /// Sign-up, sign-in and token refresh: per address only.
    SignIn,
    /// Sign-out and account changes.
    Account,
    /// Starting an upload.
    Uploads,
    /// Posting an upload's bytes to the local object store: per address,
    /// since the form's signature, not a token, authorises it.
    UploadBodies,
    Search,
    /// Recording interactions with works (views, saves, shares).
    Interactions,
    /// The personalised feed and recommendations.
    Feed,
    /// Starting conversations, sending messages, reporting them or reviews.
    Messages,
}

impl Limit {
    fn name(self) -> &'static str {
        match self {
            Self::SignIn => "sign-in",
            Self::Account => "account",
            Self::Uploads => "uploads",
            Self::UploadBodies => "upload-bodies",
            Self::Search => "search",
            Self::Interactions => "interactions",
            Self::Feed => "feed",
            Self::Messages => "messages",
        }
    }

    /// The budget, and whether the routes authenticate (so a signed-in
    /// caller's own bucket applies).
    fn budget(self, limits: &RateLimits) -> (Budget, bool) {
        match self {
            Self::SignIn => (limits.auth, false),
            Self::Account => (limits.auth, true),
            Self::Uploads => (limits.uploads, true),
            Self::UploadBodies => (limits.uploads, false),
            Self::Search => (limits.search, true),
            Self::Interactions => (limits.interactions, true),
            Self::Feed => (limits.feed, true),
            Self::Messages => (limits.messages, true),
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

/// The buckets one request spends, in order; the first that refuses decides.
fn buckets(limit: Limit, limits: &RateLimits, ip: &str, user: Option<uuid::Uuid>) -> Vec<(String, TokenBucket)> {
    let (budget, authenticates) = limit.budget(limits);
    let name = limit.name();
    match user.filter(|_| authenticates) {
        // The user's own bucket first: a caller over their own budget is
        // refused without spending their colleagues' shared allowance.
        Some(user) => vec![
            (format!("rate:{name}:user:{user}"), budget.user),
            (format!("rate:{name}:users-at:{ip}"), budget.user.times(limits.users_per_address)),
        ],
        None => vec![(format!("rate:{name}:ip:{ip}"), budget.address)],
    }
}

/// The middleware itself, for routers outside the OpenAPI document.
pub async fn enforce(
    State(limit): State<Limit>,
    Extension(ctx): Extension<RouteGuards>,
    ClientIp(ip): ClientIp,
    req: Request,
    next: Next,
) -> Response {
    let user = ctx.callers.subject(req.headers());
    for (key, bucket) in buckets(limit, &ctx.rate_limits, &ip, user) {
        if let Some(retry_after_secs) = refused(ctx.kv.as_ref(), limit, &key, bucket).await {
            tracing::info!(limit = limit.name(), retry_after_secs, "rate limited");
            return ApiError::TooManyRequests { retry_after_secs }.into_response();
        }
    }
    next.run(req).await
}

/// Seconds to wait when the bucket is empty.
async fn refused(kv: &dyn KeyValueStore, limit: Limit, key: &str, bucket: TokenBucket) -> Option<u64> {
    match kv.take_token(key, bucket).await {
        Ok(decision) if !decision.allowed => Some(decision.retry_after.as_secs_f64().ceil().max(1.0) as u64),
        Ok(_) => None,
        // Fail open: the limits guard against abuse, and an outage of the
        // store that keeps them should not take every limited route down
        // with it. The routes still authenticate and validate as usual.
        Err(error) => {
            tracing::warn!(limit = limit.name(), error = ?error, "rate limit store failed; allowing the request");
            None
        }
    }
}
