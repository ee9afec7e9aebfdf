//! The publisher in each process. It listens for the notices transactions
//! send as they commit (`channel offset`, nothing more), reads those events
//! once, and hands the same frame to every local connection subscribed to the
//! channel. Channels nobody here listens to cost nothing: their notices are
//! dropped unread.
//!
//! It keeps, per channel, the last offset it delivered. A notice further
//! ahead (one lost while the listening connection was re-established, say) is
//! filled from the table, so connections see each channel's events in order.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::extract::ws::Utf8Bytes;
use sqlx::{PgPool, postgres::PgListener};
use tokio::sync::{OnceCell, broadcast};
use uuid::Uuid;

use super::{Channel, Event, HISTORY, store, wire};

/// One message ready to send to every subscriber of its channel.
#[derive(Debug)]
pub struct Frame {
    /// The event's offset; 0 for a typing indicator, which has none.
    pub offset: i64,
    /// Who is typing, for a typing indicator: not echoed back to them.
    pub typist: Option<Uuid>,
    pub text: Utf8Bytes,
}

/// How many frames a channel buffers for its slowest subscriber. A
/// connection that falls further behind is closed (it reconnects and replays
/// from the table), so one slow reader never holds memory for the rest.
const BUFFER: usize = 64;

pub struct Hub {
    db: PgPool,
    channels: Mutex<HashMap<String, Slot>>,
    listening: OnceCell<()>,
}

struct Slot {
    sender: broadcast::Sender<Arc<Frame>>,
    /// The last offset broadcast here; None until the first.
    last: Option<i64>,
}

impl Hub {
    pub fn new(db: PgPool) -> Arc<Self> {
        Arc::new(Self { db, channels: Mutex::new(HashMap::new()), listening: OnceCell::new() })
    }

    /// Frames of one channel from now on. The first subscription in a process
    /// starts its listener.
    pub async fn subscribe(self: &Arc<Self>, channel: Channel) -> broadcast::Receiver<Arc<Frame>> {
        self.listening
            .get_or_init(|| async {
                tokio::spawn(self.clone().listen());
            })
            .await;
        let mut channels = self.channels.lock().expect("hub lock");
        channels
            .entry(channel.to_string())
            .or_insert_with(|| Slot { sender: broadcast::channel(BUFFER).0, last: None })
            .sender
            .subscribe()
    }

    /// Forgets a channel once its last subscriber has gone.
    pub fn release(&self, channel: Channel) {
        let mut channels = self.channels.lock().expect("hub lock");
        let name = channel.to_string();
        if channels.get(&name).is_some_and(|slot| slot.sender.receiver_count() == 0) {
            channels.remove(&name);
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
            let mut listener = match PgListener::connect_with(&self.db).await {
                Ok(listener) => listener,
                Err(e) => {
                    tracing::warn!(error = %e, "the real-time listener could not connect; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if let Err(e) = listener.listen(store::NOTIFY_CHANNEL).await {
                tracing::warn!(error = %e, "the real-time listener could not listen; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            loop {
                match listener.try_recv().await {
                    Ok(Some(notice)) => self.on_notice(notice.payload()).await,
                    // The connection dropped: notices sent meanwhile are lost,
                    // so every channel is caught up from the table.
                    Ok(None) => self.catch_up_all().await,
                    Err(e) => {
                        tracing::warn!(error = %e, "the real-time listener failed; reconnecting");
                        break;
                    }
                }
            }
            self.catch_up_all().await;
        }
    }

    async fn on_notice(&self, payload: &str) {
        let mut parts = payload.splitn(3, ' ');
        let (Some(name), Some(second)) = (parts.next(), parts.next()) else { return };
        let Ok(channel) = name.parse::<Channel>() else { return };
        if second == "typing" {
            let Some(Ok(user_id)) = parts.next().map(Uuid::parse_str) else { return };
            let frame = Frame { offset: 0, typist: Some(user_id), text: wire::typing(channel, user_id) };
            if let Some(slot) = self.channels.lock().expect("hub lock").get(name) {
                let _ = slot.sender.send(Arc::new(frame));
            }
            return;
        }
        let Ok(offset) = second.parse::<i64>() else { return };
        let last = match self.channels.lock().expect("hub lock").get(name) {
            Some(slot) if slot.sender.receiver_count() > 0 => slot.last,
            _ => return,
        };
        match last {
            Some(last) if offset <= last => {}
            Some(last) => self.deliver_after(name, last, offset - last).await,
            None => self.deliver_after(name, offset - 1, 1).await,
        }
    }

    /// Reads and broadcasts up to `count` events after `after`.
    async fn deliver_after(&self, name: &str, after: i64, count: i64) {
        let rows = match self.db.acquire().await {
            Ok(mut conn) => store::events_after(&mut conn, name, after, count.min(HISTORY)).await,
            Err(e) => Err(e),
        };
        let rows = match rows {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, channel = name, "reading real-time events failed");
                return;
            }
        };
        let mut channels = self.channels.lock().expect("hub lock");
        let Some(slot) = channels.get_mut(name) else { return };
        for row in rows {
            if slot.last.is_some_and(|last| row.seq <= last) {
                continue;
            }
            slot.last = Some(row.seq);
            let event = Event::from(row);
            let frame = Frame { offset: event.offset, typist: None, text: wire::event(&event) };
            let _ = slot.sender.send(Arc::new(frame));
        }
    }

    async fn catch_up_all(&self) {
        let behind: Vec<(String, i64)> = self
            .channels
            .lock()
            .expect("hub lock")
            .iter()
            .filter_map(|(name, slot)| slot.last.map(|last| (name.clone(), last)))
            .collect();
        for (name, last) in behind {
            self.deliver_after(&name, last, HISTORY).await;
        }
    }
}
