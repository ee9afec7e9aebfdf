//! The live protocol on API Gateway's WebSocket API. The gateway holds the
//! connections and invokes a function for each of them opening (`$connect`),
//! closing (`$disconnect`) and each message (`$default`); the function answers
//! through the gateway's management API. Same messages, same rules and same
//! replay as the WebSocket the local server upgrades ([`super::ws`]).
//!
//! `$connect` is authorised by a ticket (`?ticket=`, from
//! `POST /api/realtime/ticket`), as a browser cannot set headers on a
//! WebSocket handshake; without one only public channels can be subscribed.

use std::time::Duration;

use aws_lambda_events::{
    encodings::Body,
    event::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest},
};
use axum::extract::ws::Utf8Bytes;
use base64::Engine;
use futures::StreamExt;

use super::{
    Channel, Event, HISTORY,
    access::{self, Start},
    session::MAX_CHANNELS,
    store, ticket, unbroken, wire,
};
use crate::{
    app::AppContext,
    auth::{Principal, principal::session_principal},
    platform::{
        http::error::ApiError,
        kv::TokenBucket,
        sockets::{Posted, SocketConnection, Sockets},
    },
};

const MAX_CLIENT_MESSAGE: usize = 4096;
/// Client messages per connection: a burst of this many, one a second beyond.
const CLIENT_BURST: u32 = 60;
/// At most one typing indicator per connection and channel this often.
const TYPING_EVERY: Duration = Duration::from_secs(2);
/// Connections a typing indicator is posted to at once.
const CONCURRENCY: usize = 32;

fn answer(status: u16, body: Option<&str>) -> ApiGatewayProxyResponse {
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = i64::from(status);
    response.body = body.map(|b| Body::Text(b.to_owned()));
    response
}

/// Handles one event from the gateway and answers it. A `$connect` answered
/// with anything but 200 refuses the connection.
pub async fn handle(
    ctx: &AppContext,
    sockets: &Sockets,
    request: ApiGatewayWebsocketProxyRequest,
) -> ApiGatewayProxyResponse {
    let context = &request.request_context;
    let Some(id) = context.connection_id.as_deref().filter(|id| !id.is_empty() && id.len() <= 128) else {
        return answer(400, Some("no connection id"));
    };
    let outcome = match context.route_key.as_deref() {
        Some("$connect") => return connect(ctx, sockets, id, request.query_string_parameters.first("ticket")).await,
        Some("$disconnect") => sockets.registry.close(id).await,
        _ => message(ctx, sockets, id, &request).await,
    };
    match outcome {
        Ok(()) => answer(200, None),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), connection = id, "a live connection's event failed");
            answer(500, None)
        }
    }
}

async fn connect(ctx: &AppContext, sockets: &Sockets, id: &str, ticket: Option<&str>) -> ApiGatewayProxyResponse {
    let who = match ticket::caller(ctx, None, ticket).await {
        Ok(who) => who,
        Err(e) => {
            let problem = e.to_problem();
            if problem.status >= 500 {
                tracing::error!(error = %e, "authorising a live connection failed");
            }
            return answer(problem.status, Some(&problem.detail));
        }
    };
    match sockets.registry.open(id, who.as_ref().map(|w| w.user_id), who.as_ref().map(|w| w.session_id)).await {
        Ok(()) => answer(200, None),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "recording a live connection failed");
            answer(500, None)
        }
    }
}

/// Posts `text` to the connection; a closed one is forgotten.
async fn post(sockets: &Sockets, id: &str, text: &Utf8Bytes) -> anyhow::Result<Posted> {
    let posted = sockets.pusher.post(id, text.as_bytes()).await?;
    if posted == Posted::Gone {
        sockets.registry.close(id).await?;
    }
    Ok(posted)
}

async fn message(
    ctx: &AppContext,
    sockets: &Sockets,
    id: &str,
    request: &ApiGatewayWebsocketProxyRequest,
) -> anyhow::Result<()> {
    let reply = |text: Utf8Bytes| async move { post(sockets, id, &text).await.map(|_| ()) };
    let body = request.body.as_deref().unwrap_or_default();
    let text = if request.is_base64_encoded {
        base64::engine::general_purpose::STANDARD.decode(body).ok().and_then(|bytes| String::from_utf8(bytes).ok())
    } else {
        Some(body.to_owned())
    };
    let Some(text) = text.filter(|t| t.len() <= MAX_CLIENT_MESSAGE) else {
        return reply(wire::error(None, 400, "messages are JSON text of at most 4 KiB")).await;
    };
    let bucket = TokenBucket::new(CLIENT_BURST, 1.0)?;
    if !ctx.kv.take_token(&format!("rt-socket:{id}"), bucket).await?.allowed {
        return reply(wire::error(None, 429, "too many messages; slow down")).await;
    }
    let Some(connection) = sockets.registry.connection(id).await? else {
        return reply(wire::error(None, 410, "this connection has expired; reconnect and resume")).await;
    };
    let who = match (connection.user_id, connection.session_id) {
        (Some(user_id), Some(session_id)) => match session_principal(ctx, user_id, session_id).await {
            Ok(who) => Some(who),
            Err(e) => return reply(error(None, &e)).await,
        },
        _ => None,
    };
    let Ok(message) = serde_json::from_str::<wire::ClientMessage>(&text) else {
        return reply(wire::error(
            None,
            400,
            "expected {\"type\": \"subscribe\" | \"unsubscribe\" | \"typing\", \"channel\": …}",
        ))
        .await;
    };
    let (wire::ClientMessage::Subscribe { channel: name, .. }
    | wire::ClientMessage::Unsubscribe { channel: name }
    | wire::ClientMessage::Typing { channel: name }) = &message;
    let Ok(channel) = name.parse::<Channel>() else {
        return reply(wire::error(Some(super::ws::short(name)), 400, &super::BadChannel.to_string())).await;
    };
    match message {
        wire::ClientMessage::Subscribe { since, .. } => {
            match subscribe(ctx, sockets, &connection, who.as_ref(), channel, since).await {
                Ok(()) => Ok(()),
                Err(e) => reply(error(Some(channel), &e)).await,
            }
        }
        wire::ClientMessage::Unsubscribe { .. } => sockets.registry.unsubscribe(id, &channel.to_string()).await,
        wire::ClientMessage::Typing { .. } => {
            let (Channel::Conversation(_), Some(who)) = (channel, who) else {
                return reply(wire::error(Some(name), 400, "typing is for conversations you are in")).await;
            };
            if !connection.channels.contains(&channel.to_string()) {
                return reply(wire::error(Some(name), 400, "subscribe to the conversation first")).await;
            }
            if ctx.kv.put_if_absent(&format!("rt-typing:{id}:{channel}"), b"", TYPING_EVERY).await? {
                typing(sockets, channel, &who).await?;
            }
            Ok(())
        }
    }
}

fn error(channel: Option<Channel>, e: &ApiError) -> Utf8Bytes {
    let problem = e.to_problem();
    if problem.status >= 500 {
        tracing::error!(error = %e, "a live connection's message failed");
    }
    wire::error(channel.map(|c| c.to_string()).as_deref(), problem.status, &problem.detail)
}

/// Subscribes the connection from where the client stands, posts what it
/// missed (or `reload`), then `subscribed`. The subscription is recorded
/// before the history is read, so an event committed meanwhile is posted by
/// this replay, by its delivery job, or by both (and deduplicated).
async fn subscribe(
    ctx: &AppContext,
    sockets: &Sockets,
    connection: &SocketConnection,
    who: Option<&Principal>,
    channel: Channel,
    since: Option<i64>,
) -> Result<(), ApiError> {
    let name = channel.to_string();
    if !connection.channels.contains(&name) && connection.channels.len() >= MAX_CHANNELS {
        return Err(ApiError::BadRequest(format!("at most {MAX_CHANNELS} channels per connection")));
    }
    if since.is_some_and(|s| s < 0) {
        return Err(ApiError::field("since", "an offset is 0 or more"));
    }
    access::authorise(ctx, who, channel).await?;
    let id = connection.id.as_str();
    let mut conn = ctx.db.acquire().await?;
    let current = store::last_offset(&mut conn, &name).await?;
    let (from, reload) = match access::start(since, current) {
        Start::Live => (current, false),
        Start::After(since) => (since, false),
        Start::Reload => (current, true),
    };
    if !sockets.registry.subscribe(id, &name, from).await.map_err(ApiError::Internal)? {
        return Err(ApiError::Unavailable("this connection has expired; reconnect and resume".to_owned()));
    }
    let rows = store::events_after(&mut conn, &name, from, HISTORY).await?;
    drop(conn);
    let mut messages = Vec::new();
    let mut last = from;
    // Trimmed between the two reads: what the client missed is gone.
    if reload || !unbroken(from, &rows) || from + (rows.len() as i64) < current {
        messages.push(wire::reload(channel, current));
        last = current;
    }
    let replayed_from = last;
    for row in rows.into_iter().filter(|row| row.seq > replayed_from) {
        last = row.seq;
        messages.push(wire::event(&Event::from(row)));
    }
    messages.push(wire::subscribed(channel, last));
    for text in &messages {
        if post(sockets, id, text).await.map_err(ApiError::Internal)? == Posted::Gone {
            return Ok(());
        }
    }
    sockets.registry.advance(id, &name, last).await.map_err(ApiError::Internal)
}

/// Tells the conversation's other connections that `who` is typing.
async fn typing(sockets: &Sockets, channel: Channel, who: &Principal) -> anyhow::Result<()> {
    let (name, text) = (channel.to_string(), wire::typing(channel, who.user_id));
    let mut after = None::<String>;
    loop {
        let page = sockets.registry.subscribers(&name, after.as_deref(), 500).await?;
        let posts = page
            .subscriptions
            .iter()
            .filter(|s| s.user_id != Some(who.user_id))
            .map(|s| post(sockets, &s.connection_id, &text));
        // An indicator that does not arrive is not worth a retry.
        for failed in futures::stream::iter(posts)
            .buffer_unordered(CONCURRENCY)
            .filter_map(|r| async { r.err() })
            .collect::<Vec<_>>()
            .await
        {
            tracing::debug!(error = %format!("{failed:#}"), "posting a typing indicator failed");
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(()),
        }
    }
}
