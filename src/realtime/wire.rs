//! The messages of the live protocol, the same on every transport.
//!
//! From the server, each a JSON object with a `type`:
//! - `event`: `channel`, `offset`, `kind`, `data`, `at`: one event;
//! - `subscribed`: `channel`, `offset`: replay is done, live events follow
//!   (the offset is the channel's latest);
//! - `reload`: `channel`, `offset`: the client is further behind than the
//!   history reaches; it reloads over REST and continues from `offset`;
//! - `typing`: `channel`, `user_id`: someone is writing in a conversation;
//! - `error`: `status`, `detail`, and `channel` if one is concerned.
//!
//! From a WebSocket client: `subscribe` (`channel`, optional `since`: the
//! last offset it saw), `unsubscribe` (`channel`), `typing` (`channel`).

use axum::extract::ws::Utf8Bytes;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{Channel, Event};

fn text(value: serde_json::Value) -> Utf8Bytes {
    Utf8Bytes::from(value.to_string())
}

pub fn event(event: &Event) -> Utf8Bytes {
    text(json!({
        "type": "event",
        "channel": event.channel,
        "offset": event.offset,
        "kind": event.kind,
        "data": event.data,
        "at": event.at,
    }))
}

pub fn subscribed(channel: Channel, offset: i64) -> Utf8Bytes {
    text(json!({ "type": "subscribed", "channel": channel.to_string(), "offset": offset }))
}

pub fn reload(channel: Channel, offset: i64) -> Utf8Bytes {
    text(json!({ "type": "reload", "channel": channel.to_string(), "offset": offset }))
}

pub fn typing(channel: Channel, user_id: Uuid) -> Utf8Bytes {
    text(json!({ "type": "typing", "channel": channel.to_string(), "user_id": user_id }))
}

pub fn error(channel: Option<&str>, status: u16, detail: &str) -> Utf8Bytes {
    text(json!({ "type": "error", "channel": channel, "status": status, "detail": detail }))
}

/// What a WebSocket client may send.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    Subscribe {
        channel: String,
        #[serde(default)]
        since: Option<i64>,
    },
    Unsubscribe {
        channel: String,
    },
    Typing {
        channel: String,
    },
}
