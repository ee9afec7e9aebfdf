//! The publisher in each process. It listens for the notices transactions
//! send as they commit (`channel offset`, nothing more), reads those events
//! once, and hands the same frame to every local connection subscribed to the
//! channel. Channels nobody here listens to cost nothing: their notices are
//! dropped unread.
//!
//! Notices are gathered while the events of earlier ones are being read, and
//! each read takes everything gathered, every channel at once. The hub reads
//! on a connection of its own: through the shared pool it would queue behind
//! the very writers it has to keep up with, and a busy channel would run
//! further ahead than its history reaches.
//!
//! It keeps, per channel, the last offset it delivered, and reads from there:
//! a notice further ahead (one lost while the listening connection was
//! re-established, say) is filled from the table, so connections see each
//! channel's events in order. Where the table no longer has what is missing,
//! the channel's subscribers are told to reload instead.

use std::{
    collections::{HashMap, hash_map::Entry},
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::extract::ws::Utf8Bytes;
use sqlx::{
    PgPool, Postgres,
    pool::PoolConnection,
    postgres::{PgListener, PgPoolOptions},
};
use tokio::sync::{Notify, OnceCell, broadcast};
use uuid::Uuid;

use super::{Channel, Event, store, unbroken, wire};

/// One message ready to send to every subscriber of its channel.
#[derive(Debug)]
pub struct Frame {
    pub kind: FrameKind,
    pub text: Utf8Bytes,
}

#[derive(Clone, Copy, Debug)]
pub enum FrameKind {
    /// The event at this offset.
    Event(i64),
    /// The events up to this offset are gone from the table: reload over REST
    /// and continue from here.
    Reload(i64),
    /// Someone is typing: not echoed back to them.
    Typing(Uuid),
}

/// How many frames a channel buffers for its slowest subscriber. A
/// connection that falls further behind is closed (it reconnects and replays
/// from the table), so one slow reader never holds memory for the rest.
const BUFFER: usize = 64;

/// How long the hub waits before trying its connections again.
const RETRY: Duration = Duration::from_secs(1);

pub struct Hub {
    /// The shared pool, for what sessions write (typing indicators).
    db: PgPool,
    /// The hub's own connections: one listens, one reads events.
    own: PgPool,
    channels: Mutex<HashMap<Channel, Slot>>,
    pending: Mutex<Pending>,
    /// Rung when notices are pending.
    wake: Notify,
    listening: OnceCell<()>,
}

struct Slot {
    sender: broadcast::Sender<Arc<Frame>>,
    /// The last offset broadcast here; None until the first.
    last: Option<i64>,
}

/// What the notices since the last read asked for.
#[derive(Default)]
struct Pending {
    /// Per channel, the first and the last offset noticed.
    noticed: HashMap<Channel, (i64, i64)>,
    /// Notices may have been lost (the listening connection was replaced, or
    /// a read failed): every channel is read from where it stands.
    everything: bool,
}

impl Pending {
    fn add(&mut self, channel: Channel, first: i64, last: i64) {
        match self.noticed.entry(channel) {
            Entry::Occupied(mut entry) => {
                let (a, b) = *entry.get();
                entry.insert((a.min(first), b.max(last)));
            }
            Entry::Vacant(entry) => {
                entry.insert((first, last));
            }
        }
    }
}

/// One channel's read: the events after `after`, up to `upto` (to the end
/// of the table if none).
struct Range {
    channel: Channel,
    after: i64,
    upto: Option<i64>,
}

impl Hub {
    pub fn new(db: PgPool) -> Arc<Self> {
        let own = PgPoolOptions::new()
            .max_connections(2)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy_with((*db.connect_options()).clone());
        Arc::new(Self {
            db,
            own,
            channels: Mutex::new(HashMap::new()),
            pending: Mutex::new(Pending::default()),
            wake: Notify::new(),
            listening: OnceCell::new(),
        })
    }

    /// Frames of one channel from now on. The first subscription in a process
    /// starts its listener and reader.
    pub async fn subscribe(self: &Arc<Self>, channel: Channel) -> broadcast::Receiver<Arc<Frame>> {
        self.listening
            .get_or_init(|| async {
                tokio::spawn(self.clone().listen());
                tokio::spawn(self.clone().read());
            })
            .await;
        let mut channels = self.channels.lock().expect("hub lock");
        channels
            .entry(channel)
            .or_insert_with(|| Slot { sender: broadcast::channel(BUFFER).0, last: None })
            .sender
            .subscribe()
    }

    /// Forgets a channel once its last subscriber has gone.
    pub fn release(&self, channel: Channel) {
        let mut channels = self.channels.lock().expect("hub lock");
        if channels.get(&channel).is_some_and(|slot| slot.sender.receiver_count() == 0) {
            channels.remove(&channel);
        }
    }

    /// Tells the other participants, wherever they are connected, that
    /// someone is typing. Nothing is stored.
    pub async fn typing(&self, channel: Channel, user_id: Uuid) -> sqlx::Result<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(store::NOTIFY_CHANNEL)
            .bind(format!("{channel} typing {user_id}"))
            .execute(&self.db)
            .await?;
        Ok(())
    }

    async fn listen(self: Arc<Self>) {
        loop {
            let mut listener = match PgListener::connect_with(&self.own).await {
                Ok(listener) => listener,
                Err(e) => {
                    tracing::warn!(error = %e, "the real-time listener could not connect; retrying");
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
            };
            if let Err(e) = listener.listen(store::NOTIFY_CHANNEL).await {
                tracing::warn!(error = %e, "the real-time listener could not listen; retrying");
                tokio::time::sleep(RETRY).await;
                continue;
            }
            loop {
                match listener.try_recv().await {
                    Ok(Some(notice)) => self.on_notice(notice.payload()),
                    // The connection dropped: notices sent meanwhile are lost,
                    // so every channel is caught up from the table.
                    Ok(None) => self.catch_up_all(),
                    Err(e) => {
                        tracing::warn!(error = %e, "the real-time listener failed; reconnecting");
                        break;
                    }
                }
            }
            self.catch_up_all();
        }
    }

    fn on_notice(&self, payload: &str) {
        let mut parts = payload.splitn(3, ' ');
        let (Some(name), Some(second)) = (parts.next(), parts.next()) else { return };
        let Ok(channel) = name.parse::<Channel>() else { return };
        if second == "typing" {
            let Some(Ok(user_id)) = parts.next().map(Uuid::parse_str) else { return };
            let frame = Frame { kind: FrameKind::Typing(user_id), text: wire::typing(channel, user_id) };
            if let Some(slot) = self.channels.lock().expect("hub lock").get(&channel) {
                let _ = slot.sender.send(Arc::new(frame));
            }
            return;
        }
        let Ok(offset) = second.parse::<i64>() else { return };
        let listened =
            self.channels.lock().expect("hub lock").get(&channel).is_some_and(|slot| slot.sender.receiver_count() > 0);
        if !listened {
            return;
        }
        self.pending.lock().expect("hub lock").add(channel, offset, offset);
        self.wake.notify_one();
    }

    fn catch_up_all(&self) {
        self.pending.lock().expect("hub lock").everything = true;
        self.wake.notify_one();
    }

    /// Reads what the pending notices name, one read per wake, for as long as
    /// the process runs.
    async fn read(self: Arc<Self>) {
        // Kept between reads: taken from the pool each time, it would be
        // pinged before every read.
        let mut conn: Option<PoolConnection<Postgres>> = None;
        loop {
            self.wake.notified().await;
            let pending = std::mem::take(&mut *self.pending.lock().expect("hub lock"));
            let ranges = self.ranges(&pending);
            if ranges.is_empty() {
                continue;
            }
            match self.fetch(&mut conn, &ranges).await {
                Ok(rows) => self.deliver(&ranges, rows).await,
                Err(e) => {
                    tracing::warn!(error = %e, "reading real-time events failed; retrying");
                    if let Some(mut broken) = conn.take() {
                        broken.close_on_drop();
                    }
                    {
                        let mut again = self.pending.lock().expect("hub lock");
                        for (channel, (first, last)) in pending.noticed {
                            again.add(channel, first, last);
                        }
                        again.everything |= pending.everything;
                    }
                    tokio::time::sleep(RETRY).await;
                    self.wake.notify_one();
                }
            }
        }
    }

    /// What to read for each channel someone here listens to: from the last
    /// offset delivered (or just before the first one noticed) to the last
    /// noticed, or to the end of the table when notices may have been lost.
    fn ranges(&self, pending: &Pending) -> Vec<Range> {
        let channels = self.channels.lock().expect("hub lock");
        // Only the channels noticed, unless notices may have been lost: a
        // process can hold many quiet channels.
        let wanted: Vec<Channel> = if pending.everything {
            channels.keys().copied().collect()
        } else {
            pending.noticed.keys().copied().collect()
        };
        let mut ranges = Vec::new();
        for channel in wanted {
            let Some(slot) = channels.get(&channel).filter(|slot| slot.sender.receiver_count() > 0) else { continue };
            let noticed = pending.noticed.get(&channel).copied();
            let range = match (slot.last, noticed) {
                (Some(last), _) if pending.everything => Range { channel, after: last, upto: None },
                (Some(last), Some((_, upto))) => Range { channel, after: last, upto: Some(upto) },
                (None, Some((first, upto))) => Range { channel, after: first - 1, upto: Some(upto) },
                _ => continue,
            };
            if range.upto.is_none_or(|upto| upto > range.after) {
                ranges.push(range);
            }
        }
        ranges
    }

    async fn fetch(
        &self,
        conn: &mut Option<PoolConnection<Postgres>>,
        ranges: &[Range],
    ) -> sqlx::Result<Vec<store::EventRow>> {
        let keys: Vec<(String, i64, i64)> =
            ranges.iter().map(|r| (r.channel.to_string(), r.after, r.upto.unwrap_or(i64::MAX))).collect();
        let conn = match conn {
            Some(conn) => conn,
            None => conn.insert(self.own.acquire().await?),
        };
        store::events_in(conn, &keys).await
    }

    /// Broadcasts each channel's events, or a reload where the table no
    /// longer has them all.
    async fn deliver(&self, ranges: &[Range], rows: Vec<store::EventRow>) {
        let mut by_channel: HashMap<String, Vec<store::EventRow>> = HashMap::new();
        for row in rows {
            by_channel.entry(row.channel.clone()).or_default().push(row);
        }
        let mut batches = Vec::with_capacity(ranges.len());
        for range in ranges {
            let rows = by_channel.remove(&range.channel.to_string()).unwrap_or_default();
            let reached = rows.last().map_or(range.after, |row| row.seq);
            let complete = unbroken(range.after, &rows) && range.upto.is_none_or(|upto| reached == upto);
            let frames: Vec<Frame> = if complete {
                rows.into_iter()
                    .map(|row| {
                        let event = Event::from(row);
                        Frame { kind: FrameKind::Event(event.offset), text: wire::event(&event) }
                    })
                    .collect()
            } else {
                let offset = range.upto.map_or(reached, |upto| upto.max(reached));
                tracing::warn!(channel = %range.channel, after = range.after, offset, "real-time events were trimmed before delivery; subscribers reload");
                vec![Frame { kind: FrameKind::Reload(offset), text: wire::reload(range.channel, offset) }]
            };
            batches.push((range.channel, frames));
        }
        let mut turn = 0;
        for (channel, frames) in batches {
            for frame in frames {
                // One read can bring more frames than a channel buffers: the
                // subscribers are given a turn every half buffer, so only
                // those that cannot keep up are let go.
                if turn == BUFFER / 2 {
                    turn = 0;
                    tokio::task::yield_now().await;
                }
                let mut channels = self.channels.lock().expect("hub lock");
                let Some(slot) = channels.get_mut(&channel) else { break };
                let (FrameKind::Event(offset) | FrameKind::Reload(offset)) = frame.kind else { continue };
                if slot.last.is_some_and(|last| offset <= last) {
                    continue;
                }
                slot.last = Some(offset);
                let _ = slot.sender.send(Arc::new(frame));
                turn += 1;
            }
        }
    }
}
