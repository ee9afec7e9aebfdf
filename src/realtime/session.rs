//! One live connection's subscriptions, whatever carries them: who may listen
//! to what, the replay of what a client missed, and the order and
//! deduplication of what it is sent.

use std::{collections::HashMap, sync::Arc};

use axum::extract::ws::Utf8Bytes;
use futures::StreamExt;
use tokio_stream::{StreamMap, wrappers::BroadcastStream, wrappers::errors::BroadcastStreamRecvError};
use uuid::Uuid;

use super::{
    Channel, Event, HISTORY, access,
    hub::{Frame, FrameKind},
    store, unbroken, wire,
};
use crate::{app::AppContext, auth::Principal, platform::http::error::ApiError};

/// At most this many channels per connection.
pub const MAX_CHANNELS: usize = 50;

pub struct Session {
    ctx: AppContext,
    who: Option<Principal>,
    streams: StreamMap<Channel, BroadcastStream<Arc<Frame>>>,
    /// The last offset sent on each subscribed channel.
    last: HashMap<Channel, i64>,
}

/// One message to send, and where the client stands once it has it.
pub struct Out {
    pub text: Utf8Bytes,
    /// The channel and offset this message brings the client to (events,
    /// `subscribed`, `reload`); none for typing indicators.
    pub position: Option<(Channel, i64)>,
}

impl Out {
    fn at(channel: Channel, offset: i64, text: Utf8Bytes) -> Self {
        Self { text, position: Some((channel, offset)) }
    }
}

/// What waiting on the subscriptions gave.
pub enum Next {
    /// Messages to send, in order.
    Send(Vec<Out>),
    /// The connection fell further behind than its channel buffers: it must
    /// be closed, and the client resumes from its last offsets.
    TooSlow,
}

impl Session {
    pub fn new(ctx: AppContext, who: Option<Principal>) -> Self {
        Self { ctx, who, streams: StreamMap::new(), last: HashMap::new() }
    }

    pub fn hub(&self) -> &Arc<super::hub::Hub> {
        &self.ctx.realtime
    }

    pub fn user_id(&self) -> Option<Uuid> {
        self.who.as_ref().map(|p| p.user_id)
    }

    pub fn is_subscribed(&self, channel: Channel) -> bool {
        self.last.contains_key(&channel)
    }

    /// Subscribes, then answers what the client missed since `since` (or a
    /// `reload`), ending with `subscribed`. Refused when the caller may not
    /// listen, with the same answer whether or not the channel exists.
    pub async fn subscribe(&mut self, channel: Channel, since: Option<i64>) -> Result<Vec<Out>, ApiError> {
        if let Some(&last) = self.last.get(&channel) {
            return Ok(vec![Out::at(channel, last, wire::subscribed(channel, last))]);
        }
        if self.last.len() >= MAX_CHANNELS {
            return Err(ApiError::BadRequest(format!("at most {MAX_CHANNELS} channels per connection")));
        }
        if since.is_some_and(|s| s < 0) {
            return Err(ApiError::field("since", "an offset is 0 or more"));
        }
        access::authorise(&self.ctx, self.who.as_ref(), channel).await?;
        // Subscribed before reading the table, so an event committed in
        // between is in the table, the stream, or both (and deduplicated).
        let receiver = self.ctx.realtime.subscribe(channel).await;
        self.streams.insert(channel, BroadcastStream::new(receiver));
        let mut conn = self.ctx.db.acquire().await?;
        let name = channel.to_string();
        let current = store::last_offset(&mut conn, &name).await?;
        let mut out = Vec::new();
        let start = match access::start(since, current) {
            access::Start::Live => current,
            access::Start::Reload => {
                out.push(Out::at(channel, current, wire::reload(channel, current)));
                current
            }
            access::Start::After(since) => {
                let rows = store::events_after(&mut conn, &name, since, HISTORY).await?;
                // Trimmed between the two reads: what the client missed is gone.
                if !unbroken(since, &rows) || since + (rows.len() as i64) < current {
                    out.push(Out::at(channel, current, wire::reload(channel, current)));
                    current
                } else {
                    let mut last = since;
                    for row in rows {
                        last = row.seq;
                        out.push(Out::at(channel, last, wire::event(&Event::from(row))));
                    }
                    last
                }
            }
        };
        self.last.insert(channel, start);
        out.push(Out::at(channel, start, wire::subscribed(channel, start)));
        Ok(out)
    }

    pub fn unsubscribe(&mut self, channel: Channel) {
        self.streams.remove(&channel);
        self.last.remove(&channel);
        self.ctx.realtime.release(channel);
    }

    /// Waits for the next frame on any channel. Pending forever while there
    /// are no subscriptions.
    pub async fn next(&mut self) -> Next {
        if self.streams.is_empty() {
            return std::future::pending().await;
        }
        let Some((channel, item)) = self.streams.next().await else { return std::future::pending().await };
        let frame = match item {
            Ok(frame) => frame,
            Err(BroadcastStreamRecvError::Lagged(_)) => return Next::TooSlow,
        };
        let Some(&last) = self.last.get(&channel) else { return Next::Send(Vec::new()) };
        let offset = match frame.kind {
            FrameKind::Typing(typist) => {
                let own = Some(typist) == self.user_id();
                return Next::Send(if own {
                    Vec::new()
                } else {
                    vec![Out { text: frame.text.clone(), position: None }]
                });
            }
            FrameKind::Event(offset) | FrameKind::Reload(offset) if offset <= last => return Next::Send(Vec::new()),
            FrameKind::Reload(offset) => {
                self.last.insert(channel, offset);
                return Next::Send(vec![Out::at(channel, offset, frame.text.clone())]);
            }
            FrameKind::Event(offset) => offset,
        };
        if offset == last + 1 {
            self.last.insert(channel, offset);
            return Next::Send(vec![Out::at(channel, offset, frame.text.clone())]);
        }
        // A gap (the publisher started on this channel after the client did,
        // and a notice between was lost): the table has what is missing, or
        // the client reloads.
        // Boxed, as rare: inline, the read would be carried by every idle
        // connection's task.
        match Box::pin(self.fill(channel, last, offset)).await {
            Ok(out) => Next::Send(out),
            Err(e) => {
                tracing::warn!(error = %e, %channel, "filling a real-time gap failed");
                Next::TooSlow
            }
        }
    }

    async fn fill(&mut self, channel: Channel, last: i64, upto: i64) -> sqlx::Result<Vec<Out>> {
        let mut conn = self.ctx.db.acquire().await?;
        let rows = store::events_after(&mut conn, &channel.to_string(), last, upto - last).await?;
        self.last.insert(channel, upto);
        if !unbroken(last, &rows) || last + (rows.len() as i64) < upto {
            return Ok(vec![Out::at(channel, upto, wire::reload(channel, upto))]);
        }
        Ok(rows.into_iter().map(|row| Out::at(channel, row.seq, wire::event(&Event::from(row)))).collect())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let channels: Vec<Channel> = self.last.keys().copied().collect();
        self.streams.clear();
        for channel in channels {
            self.ctx.realtime.release(channel);
        }
    }
}

/// The channels a stream asks for: `channel` or `channel=offset` (the last
/// offset seen) joined by commas; the shape of a Server-Sent Event's id.
pub fn parse_channels(list: &str) -> Result<Vec<(Channel, Option<i64>)>, ApiError> {
    let bad = || ApiError::BadRequest("channels are channel or channel=offset, joined by commas".to_owned());
    if list.len() > MAX_CHANNELS * 80 {
        return Err(bad());
    }
    let mut out: Vec<(Channel, Option<i64>)> = Vec::new();
    for item in list.split(',').filter(|p| !p.is_empty()) {
        let (channel, offset) = match item.split_once('=') {
            Some((channel, offset)) => (channel, Some(offset.parse::<i64>().ok().filter(|o| *o >= 0).ok_or_else(bad)?)),
            None => (item, None),
        };
        let channel: Channel = channel.parse().map_err(|_| bad())?;
        if out.len() >= MAX_CHANNELS || out.iter().any(|(c, _)| *c == channel) {
            return Err(bad());
        }
        out.push((channel, offset));
    }
    Ok(out)
}
