//! The sockets port: live connections held by a WebSocket gateway in front of
//! the functions (API Gateway's WebSocket API), which the functions cannot
//! hold themselves. Two halves:
//! - the registry records each connection, who opened it, and where each of
//!   its subscriptions stands (the last offset it was sent). The embedded
//!   default is two PostgreSQL tables; the cloud adapter is a DynamoDB table
//!   of its own, since delivery lists a channel's subscribers by key, which
//!   the key-value port does not offer.
//! - the pusher posts a message to one connection through the gateway's
//!   management API, and learns that a connection is gone (410). It has only
//!   the API Gateway adapter: the local server holds its WebSocket
//!   connections in process and writes to them directly.
//!
//! Channels are opaque text here; what they mean belongs to the real-time
//! capability.

pub mod apigateway;
pub mod dynamodb;
pub mod postgres;

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use sqlx::PgPool;
use uuid::Uuid;

pub use self::{apigateway::ApiGatewayPusher, dynamodb::DynamoSocketRegistry, postgres::PgSocketRegistry};
use super::{
    aws::LazyAwsConfig,
    config::{SocketRegistryBackend, SocketsConfig},
    kv::dynamodb_client,
};

/// API Gateway closes every WebSocket connection after two hours; records
/// outlive that a little so a late `$disconnect` still finds its own.
pub const CONNECTION_TTL: Duration = Duration::from_secs(2 * 3600 + 600);

/// Who opened a connection: nobody (public channels only) or a user's session.
#[derive(Clone, Debug, PartialEq)]
pub struct SocketConnection {
    pub id: String,
    pub user_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    /// The channels it is subscribed to.
    pub channels: Vec<String>,
}

/// One connection's place on one channel.
#[derive(Clone, Debug, PartialEq)]
pub struct Subscription {
    pub connection_id: String,
    pub user_id: Option<Uuid>,
    /// The last offset the connection was sent on the channel.
    pub offset: i64,
}

/// One page of a channel's subscribers, and where the next one starts.
#[derive(Debug, Default)]
pub struct SubscriberPage {
    pub subscriptions: Vec<Subscription>,
    pub next: Option<String>,
}

#[async_trait]
pub trait SocketRegistry: Send + Sync + 'static {
    /// Records a new connection with no subscriptions.
    async fn open(&self, id: &str, user_id: Option<Uuid>, session_id: Option<Uuid>) -> anyhow::Result<()>;
    /// The connection, if it is open and has not outlived [`CONNECTION_TTL`].
    async fn connection(&self, id: &str) -> anyhow::Result<Option<SocketConnection>>;
    /// Forgets the connection and all its subscriptions; nothing when unknown.
    async fn close(&self, id: &str) -> anyhow::Result<()>;
    /// Subscribes the connection to `channel` at `offset` (or moves an existing
    /// subscription there). False when the connection is not open.
    async fn subscribe(&self, id: &str, channel: &str, offset: i64) -> anyhow::Result<bool>;
    async fn unsubscribe(&self, id: &str, channel: &str) -> anyhow::Result<()>;
    /// Subscribers of `channel` in a stable order, `limit` at a time from
    /// `after` (a previous page's `next`).
    async fn subscribers(&self, channel: &str, after: Option<&str>, limit: u32) -> anyhow::Result<SubscriberPage>;
    /// Moves a subscription forward to `offset`; never back, and nothing if it
    /// has gone.
    async fn advance(&self, id: &str, channel: &str, offset: i64) -> anyhow::Result<()>;
}

/// What posting to a connection came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Posted {
    Delivered,
    /// The connection is closed: forget it.
    Gone,
}

#[async_trait]
pub trait SocketPusher: Send + Sync + 'static {
    async fn post(&self, connection_id: &str, message: &[u8]) -> anyhow::Result<Posted>;
}

/// Both halves, present where a gateway holds the connections.
pub struct Sockets {
    pub registry: Arc<dyn SocketRegistry>,
    pub pusher: Arc<dyn SocketPusher>,
}

/// The adapters `config` selects.
pub async fn from_config(config: &SocketsConfig, db: &PgPool, aws: &LazyAwsConfig) -> Sockets {
    let registry: Arc<dyn SocketRegistry> = match &config.registry {
        SocketRegistryBackend::Postgres => Arc::new(PgSocketRegistry::new(db.clone())),
        SocketRegistryBackend::DynamoDb { table, endpoint_url } => Arc::new(DynamoSocketRegistry::new(
            dynamodb_client(aws.get().await, endpoint_url.as_deref()),
            table.clone(),
        )),
    };
    Sockets { registry, pusher: Arc::new(ApiGatewayPusher::new(aws.get().await, &config.endpoint_url)) }
}
