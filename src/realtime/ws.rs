//! The WebSocket transport, where the host upgrades connections (the local
//! server; API Gateway's WebSocket API has functions of its own).
//!
//! Each connection costs little while idle: a 4 KiB read buffer, messages of
//! at most 4 KiB from the client, and no write buffering beyond the message
//! being sent. A client that cannot keep up is closed with 1013 ("try again
//! later") and resumes from its offsets; one that stops answering pings is
//! dropped.

use std::time::{Duration, Instant};

use axum::{
    extract::{
        State,
        ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection},
    },
    response::Response,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    Channel,
    session::{Next, Session},
    ticket, wire,
};
use crate::{
    app::AppContext,
    auth::MaybePrincipal,
    platform::http::{
        ApiQuery,
        error::{ApiError, ApiResult},
    },
};

const PING_EVERY: Duration = Duration::from_secs(25);
/// A send that takes longer than this means the client is not reading.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_CLIENT_MESSAGE: usize = 4096;
/// Client messages: a burst of this many, refilled at one a second beyond.
const CLIENT_BURST: f64 = 60.0;
/// At most one typing indicator per channel this often.
const TYPING_EVERY: Duration = Duration::from_secs(2);

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConnectQuery {
    /// From `POST /api/realtime/ticket`; without one (and without a bearer
    /// token) only public channels can be subscribed.
    #[param(max_length = 64)]
    pub ticket: Option<String>,
}

/// Open a live connection (WebSocket). Send `subscribe` messages with the
/// channels and the last offsets you saw; see the realtime section of the
/// README for the protocol.
#[utoipa::path(get, path = "/api/realtime", tag = "realtime", params(ConnectQuery),
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        (status = 400, description = "Not a WebSocket handshake"),
        (status = 401, description = "The ticket is invalid, used or expired"),
    ))]
pub async fn connect_realtime(
    State(ctx): State<AppContext>,
    MaybePrincipal(bearer): MaybePrincipal,
    ApiQuery(query): ApiQuery<ConnectQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let upgrade = upgrade.map_err(|_| ApiError::BadRequest("connect here with a WebSocket handshake".to_owned()))?;
    let who = ticket::caller(&ctx, bearer, query.ticket.as_deref()).await?;
    let session = Session::new(ctx, who);
    Ok(upgrade
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| run(socket, session)))
}

async fn send(socket: &mut WebSocket, text: Utf8Bytes) -> bool {
    matches!(tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Text(text))).await, Ok(Ok(())))
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame { code, reason: Utf8Bytes::from_static(reason) };
    let _ = tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Close(Some(frame)))).await;
}

async fn run(mut socket: WebSocket, mut session: Session) {
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    let mut heard = Instant::now();
    let (mut allowance, mut counted) = (CLIENT_BURST, Instant::now());
    let mut typed: Vec<(Channel, Instant)> = Vec::new();
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Binary(_))) => {
                        if !send(&mut socket, wire::error(None, 400, "messages are JSON text")).await { return }
                        continue;
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                        heard = Instant::now();
                        continue;
                    }
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                };
                heard = Instant::now();
                allowance = (allowance + counted.elapsed().as_secs_f64()).min(CLIENT_BURST) - 1.0;
                counted = Instant::now();
                if allowance < 0.0 {
                    close(&mut socket, 1008, "too many messages").await;
                    return;
                }
                // Boxed: a subscription's reads are a large future that an
                // idle connection would otherwise carry in its task.
                for reply in Box::pin(handle(&mut session, &text, &mut typed)).await {
                    if !send(&mut socket, reply).await { return }
                }
            }
            next = session.next() => match next {
                Next::Send(messages) => {
                    for message in messages {
                        if !send(&mut socket, message.text).await {
                            close(&mut socket, 1013, "too slow; reconnect and resume").await;
                            return;
                        }
                    }
                }
                Next::TooSlow => {
                    close(&mut socket, 1013, "too slow; reconnect and resume").await;
                    return;
                }
            },
            _ = ping.tick() => {
                if heard.elapsed() > PING_EVERY * 3 {
                    return;
                }
                if tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Ping(Default::default()))).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// One client message; answers what to send back.
async fn handle(session: &mut Session, text: &str, typed: &mut Vec<(Channel, Instant)>) -> Vec<Utf8Bytes> {
    let message: wire::ClientMessage = match serde_json::from_str(text) {
        Ok(message) => message,
        Err(_) => {
            return vec![wire::error(
                None,
                400,
                "expected {\"type\": \"subscribe\" | \"unsubscribe\" | \"typing\", \"channel\": …}",
            )];
        }
    };
    let (wire::ClientMessage::Subscribe { channel: name, .. }
    | wire::ClientMessage::Unsubscribe { channel: name }
    | wire::ClientMessage::Typing { channel: name }) = &message;
    let Ok(channel) = name.parse::<Channel>() else {
        return vec![wire::error(Some(short(name)), 400, &super::BadChannel.to_string())];
    };
    match message {
        wire::ClientMessage::Subscribe { since, .. } => match session.subscribe(channel, since).await {
            Ok(out) => out.into_iter().map(|o| o.text).collect(),
            Err(e) => {
                let problem = e.to_problem();
                if problem.status >= 500 {
                    tracing::error!(error = %e, %channel, "a subscription failed");
                }
                vec![wire::error(Some(name), problem.status, &problem.detail)]
            }
        },
        wire::ClientMessage::Unsubscribe { .. } => {
            session.unsubscribe(channel);
            Vec::new()
        }
        wire::ClientMessage::Typing { .. } => {
            let (Channel::Conversation(_), Some(user_id)) = (channel, session.user_id()) else {
                return vec![wire::error(Some(name), 400, "typing is for conversations you are in")];
            };
            if !session.is_subscribed(channel) {
                return vec![wire::error(Some(name), 400, "subscribe to the conversation first")];
            }
            typed.retain(|(_, at)| at.elapsed() < TYPING_EVERY);
            if typed.iter().any(|(c, _)| *c == channel) {
                return Vec::new();
            }
            typed.push((channel, Instant::now()));
            if let Err(e) = session.hub().typing(channel, user_id).await {
                tracing::warn!(error = %e, "sending a typing indicator failed");
            }
            Vec::new()
        }
    }
}

/// A channel name as echoed in an error: never more than a valid one.
pub(super) fn short(name: &str) -> &str {
    let end = name.char_indices().nth(60).map_or(name.len(), |(i, _)| i);
    &name[..end]
}
