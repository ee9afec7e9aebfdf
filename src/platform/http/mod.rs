//! HTTP plumbing shared by every router: extractors whose rejections are
//! problem documents, the one error type, the middleware every host stacks,
//! the route middleware (idempotency keys, rate limits) and request metrics.
//!
//! Route middleware needs two things from the application: the key-value
//! port and who the caller is. The application hands both in as a
//! [`RouteGuards`] request extension, so nothing here names a capability.

mod bounded;
pub mod error;
mod extract;
pub mod idempotency;
mod layers;
pub mod metrics;
pub mod openapi;
pub mod rate_limit;

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderName};
use uuid::Uuid;

pub use bounded::Bounded;
pub use extract::{ApiJson, ApiPath, ApiQuery, ClientIp, client_ip_from_forwarded_for, forwarded_client};
pub use layers::{bearer_matches, method_not_allowed, not_found, with_common_layers};

use super::{config::RateLimits, kv::KeyValueStore};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Tells who sent a request.
#[async_trait::async_trait]
pub trait CallerIdentity: Send + Sync + 'static {
    /// From the credentials alone, without a database round trip: the subject
    /// of a valid access token, or nobody. Enough to key rate limits.
    fn subject(&self, headers: &HeaderMap) -> Option<Uuid>;

    /// The subject only while the token's session is live: for anything kept
    /// for a caller that must not reach them once they have signed out.
    async fn signed_in(&self, headers: &HeaderMap) -> Option<Uuid>;
}

/// What the route middleware needs from the application, inserted as a request
/// extension by whoever assembles the routers.
#[derive(Clone)]
pub struct RouteGuards {
    pub kv: Arc<dyn KeyValueStore>,
    pub rate_limits: RateLimits,
    pub max_body_bytes: usize,
    pub callers: Arc<dyn CallerIdentity>,
}
