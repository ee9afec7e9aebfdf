//! Real-time: events numbered per channel and written with the change that
//! causes them, notifications built on them, and the transports that deliver
//! them live (WebSocket where the host upgrades, Server-Sent Events on every
//! host, API Gateway's WebSocket API on AWS).
//!
//! Delivery follows one rule everywhere: a client says the last offset it saw
//! on each channel; it is sent what came after (at most [`HISTORY`] events,
//! else told to reload over REST) and then everything new (or a reload, where
//! events were trimmed before they could be delivered: never a silent gap),
//! and it drops any (channel, offset) it has already seen. Within the history that is
//! at-least-once delivery, and exactly-once after the client's deduplication.

mod access;
mod channel;
pub mod fanout;
pub mod gateway;
mod hub;
pub mod notifications;
pub mod push;
mod session;
mod sse;
pub mod store;
mod ticket;
mod wire;
mod ws;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::PgConnection;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::{
    channel::{BadChannel, Channel},
    hub::Hub,
};

/// The realtime route family: notifications, conversations, and the live
/// transports with their tickets.
pub fn router() -> OpenApiRouter<crate::app::AppContext> {
    OpenApiRouter::new()
        .routes(routes!(ticket::issue_realtime_ticket))
        .routes(routes!(ws::connect_realtime))
        .routes(routes!(sse::stream_events))
        .merge(notifications::router())
        .merge(crate::messaging::router())
}

/// How many events of a channel a reconnecting client can be replayed.
pub const HISTORY: i64 = 300;

/// One event as clients receive it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Event {
    #[schema(example = "artwork:0193a1f2-7c4e-7d2a-9f10-3b5c6d7e8f90")]
    pub channel: String,
    /// Increases by one per event on its channel, with no gaps.
    pub offset: i64,
    #[schema(example = "availability")]
    pub kind: String,
    pub data: Value,
    pub at: DateTime<Utc>,
}

impl From<store::EventRow> for Event {
    fn from(row: store::EventRow) -> Self {
        Self { channel: row.channel, offset: row.seq, kind: row.kind, data: row.data, at: row.created_at }
    }
}

/// Whether `rows`, one channel's events oldest first, carry on from `after`
/// with no offset missing. The table keeps a channel's newest events with no
/// gaps, so a first row further on means older ones were trimmed.
fn unbroken(after: i64, rows: &[store::EventRow]) -> bool {
    rows.iter().zip(after + 1..).all(|(row, want)| row.seq == want)
}

/// Publishes an event on the caller's transaction: it exists, and is
/// delivered, only if that transaction commits. Answers its offset.
pub async fn publish(conn: &mut PgConnection, channel: Channel, kind: &str, data: &Value) -> sqlx::Result<i64> {
    let offset = store::append(conn, channel, kind, data).await?;
    push::published(channel);
    Ok(offset)
}
