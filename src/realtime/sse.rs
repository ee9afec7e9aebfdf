//! Server-Sent Events: the transport every host can serve, Vercel's included
//! (its Rust runtime streams `text/event-stream` answers but upgrades no
//! WebSocket). Each event's id is the stream's cursor over all its channels,
//! so a reconnecting client's `Last-Event-ID` resumes every channel. A stream
//! ends cleanly before the host's time limit; the client reconnects.

use std::{collections::BTreeMap, convert::Infallible, time::Duration};

use axum::{
    extract::State,
    http::HeaderMap,
    response::sse::{Event as SseEvent, KeepAlive, Sse},
};
use futures::Stream;
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use utoipa::IntoParams;

use super::{
    Channel,
    session::{self, Next, Session},
    ticket,
};
use crate::{
    app::AppContext,
    auth::MaybePrincipal,
    platform::http::{
        ApiQuery,
        error::{ApiError, ApiResult},
    },
};

/// Messages waiting for a slow reader; past this the stream ends and the
/// client resumes from its cursor.
const QUEUE: usize = 32;
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// `channel` or `channel=offset` (the last offset seen), joined by commas;
    /// at most 50 channels.
    #[param(
        max_length = 4000,
        example = "artwork:0193a1f2-7c4e-7d2a-9f10-3b5c6d7e8f90=12",
        pattern = r"^(user|conversation|artwork):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(=[0-9]{1,18})?(,(user|conversation|artwork):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(=[0-9]{1,18})?){0,49}$"
    )]
    pub channels: String,
    /// From `POST /api/realtime/ticket`, for clients that cannot send an
    /// Authorization header (`EventSource`).
    #[param(max_length = 64)]
    pub ticket: Option<String>,
}

/// Live events as Server-Sent Events. `Last-Event-ID` (a previous event's
/// id) resumes every channel where it stood.
#[utoipa::path(get, path = "/api/realtime/events", tag = "realtime", params(StreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "The id of the last event received; one this server cannot read is ignored")),
    responses(
        (status = 200, description = "An event stream: each `data` is one message of the live protocol", content_type = "text/event-stream"),
        (status = 400), (status = 401), (status = 403, description = "A channel you may not listen to"),
    ))]
pub async fn stream_events(
    State(ctx): State<AppContext>,
    MaybePrincipal(bearer): MaybePrincipal,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<StreamQuery>,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    let mut wanted = session::parse_channels(&query.channels)?;
    if wanted.is_empty() {
        return Err(ApiError::field("channels", "name at least one channel"));
    }
    // An id this server did not write (or cannot read any more) is ignored:
    // the channels' own offsets, or none, say where to start.
    let resumed = headers
        .get("last-event-id")
        .and_then(|id| id.to_str().ok())
        .and_then(|id| session::parse_channels(id).ok())
        .unwrap_or_default();
    for (channel, offset) in resumed {
        if let Some(entry) = wanted.iter_mut().find(|(c, _)| *c == channel) {
            entry.1 = offset;
        }
    }
    let who = ticket::caller(&ctx, bearer, query.ticket.as_deref()).await?;
    let lifetime = ctx.config.realtime.stream_for;
    let mut session = Session::new(ctx, who);
    let mut first = Vec::new();
    for (channel, since) in wanted {
        first.extend(session.subscribe(channel, since).await?);
    }
    // Where the client stands after each message: its id.
    let mut cursor: BTreeMap<Channel, i64> = BTreeMap::new();
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(async move {
        let deadline = tokio::time::sleep(lifetime);
        tokio::pin!(deadline);
        let mut pending = first;
        loop {
            for out in pending.drain(..) {
                let mut event = SseEvent::default().data(out.text.as_str());
                if let Some((channel, offset)) = out.position {
                    cursor.insert(channel, offset);
                    let id: Vec<String> = cursor.iter().map(|(c, o)| format!("{c}={o}")).collect();
                    event = event.id(id.join(","));
                }
                match tokio::time::timeout(SEND_TIMEOUT, tx.send(Ok(event))).await {
                    Ok(Ok(())) => {}
                    _ => return,
                }
            }
            tokio::select! {
                next = session.next() => match next {
                    Next::Send(messages) => pending = messages,
                    Next::TooSlow => return,
                },
                () = &mut deadline => return,
                () = tx.closed() => return,
            }
        }
    });
    let stream = ReceiverStream::new(rx);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
