//! Delivery where a gateway holds the connections (API Gateway's WebSocket
//! API): functions cannot listen for notices between requests, so each
//! request or job that publishes queues one `realtime.deliver` job per
//! channel it wrote to, and the job posts to the channel's subscribers what
//! each has not been sent yet.
//!
//! The registry keeps, per subscription, the last offset posted. A job posts
//! the events after it in order and then moves it forward, so a job that runs
//! twice (a redelivered message, a retry after a partial failure, two jobs
//! for one channel at once) posts nothing twice that a client has not already
//! been sent and deduplicates by (channel, offset).

use std::{
    cell::RefCell,
    collections::{BTreeSet, HashMap},
    future::Future,
    time::Duration,
};

use futures::StreamExt;
use serde::{Deserialize, Serialize};

use super::{
    Channel, Event, HISTORY,
    access::{self, Start},
    store, wire,
};
use crate::{
    app::AppContext,
    platform::{
        queue::NewJob,
        sockets::{Posted, Sockets, Subscription},
    },
};

pub const DELIVER: &str = "realtime.deliver";

/// Subscribers read per page.
const PAGE: u32 = 500;
/// Connections posted to at once.
const CONCURRENCY: usize = 32;
/// Channels per delivery job. A fan-out to 50,000 followers publishes on
/// 50,000 user channels; one job each would be as many queue messages.
pub const CHANNELS_PER_JOB: usize = 100;
/// Channels of one job delivered at once.
const CHANNEL_CONCURRENCY: usize = 8;

#[derive(Debug, Serialize, Deserialize)]
pub struct Deliver {
    pub channels: Vec<String>,
}

tokio::task_local! {
    /// The channels published on by the running request or job.
    static PUBLISHED: RefCell<BTreeSet<Channel>>;
}

/// Notes a channel published on, for [`delivering`] to deliver.
pub(super) fn published(channel: Channel) {
    let _ = PUBLISHED.try_with(|channels| channels.borrow_mut().insert(channel));
}

/// Runs `work` (a request or a job) and then, where a gateway holds the
/// connections, queues delivery of every channel it published on. A channel
/// whose publishing transaction rolled back gets a job that finds nothing new.
pub async fn delivering<F: Future>(ctx: &AppContext, work: F) -> F::Output {
    if ctx.sockets.is_none() {
        return work.await;
    }
    let (output, channels) = PUBLISHED
        .scope(RefCell::new(BTreeSet::new()), async {
            let output = work.await;
            (output, PUBLISHED.with(|channels| channels.take()))
        })
        .await;
    let channels: Vec<String> = channels.iter().map(Channel::to_string).collect();
    for batch in channels.chunks(CHANNELS_PER_JOB) {
        let payload = serde_json::json!({ "channels": batch });
        let job = NewJob { kind: DELIVER, payload, dedup_key: None, delay: Duration::ZERO };
        if let Err(e) = ctx.queue.send(job).await {
            // The events are stored: subscribers get them with the channel's
            // next delivery, or when they resubscribe from their offsets.
            tracing::warn!(error = %format!("{e:#}"), channels = batch.len(), "queueing real-time delivery failed");
        }
    }
    output
}

/// The job: delivers each channel, several at once. Fails when any channel
/// failed; the retry finds the others up to date and posts them nothing.
pub async fn deliver_all(ctx: &AppContext, sockets: &Sockets, channels: &[String]) -> anyhow::Result<Delivered> {
    if channels.len() > CHANNELS_PER_JOB {
        anyhow::bail!("a delivery names at most {CHANNELS_PER_JOB} channels, not {}", channels.len());
    }
    let mut runs = Vec::new();
    for name in channels {
        let channel: Channel = name.parse()?;
        runs.push(deliver(ctx, sockets, channel));
    }
    let outcomes: Vec<anyhow::Result<Delivered>> =
        futures::stream::iter(runs).buffer_unordered(CHANNEL_CONCURRENCY).collect().await;
    let mut total = Delivered::default();
    let mut failed = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok(delivered) => {
                total.posted += delivered.posted;
                total.gone += delivered.gone;
            }
            Err(e) => failed.push(format!("{e:#}")),
        }
    }
    if !failed.is_empty() {
        anyhow::bail!("{} of {} channels failed: {}", failed.len(), channels.len(), failed.join("; "));
    }
    Ok(total)
}

/// What one delivery did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Messages posted (events and reloads).
    pub posted: usize,
    /// Connections found closed and forgotten.
    pub gone: usize,
}

/// Brings every subscriber of `channel` up to date. Fails (to be
/// retried) when a post failed for a reason other than a closed connection;
/// what was posted before the failure is not posted again.
pub async fn deliver(ctx: &AppContext, sockets: &Sockets, channel: Channel) -> anyhow::Result<Delivered> {
    let name = channel.to_string();
    // Connections are taken per read and never held while posting: a
    // function has two, and the PostgreSQL registry needs one too.
    let current = store::last_offset(&mut *ctx.db.acquire().await?, &name).await?;
    let (mut delivered, mut failed, mut after) = (Delivered::default(), 0usize, None::<String>);
    // The events after each offset some subscriber stands at, read once.
    let mut backlog: HashMap<i64, Vec<Event>> = HashMap::new();
    loop {
        let page = sockets.registry.subscribers(&name, after.as_deref(), PAGE).await?;
        for subscription in &page.subscriptions {
            if subscription.offset >= current || backlog.contains_key(&subscription.offset) {
                continue;
            }
            if let Start::After(offset) = access::start(Some(subscription.offset), current) {
                let rows = store::events_after(&mut *ctx.db.acquire().await?, &name, offset, HISTORY).await?;
                backlog.insert(offset, rows.into_iter().map(Event::from).collect());
            }
        }
        // Built in a loop rather than by a closure over the page: a closure
        // borrowing it keeps the job's future from being provably Send.
        let mut posts = Vec::new();
        for subscription in &page.subscriptions {
            if subscription.offset < current {
                posts.push(catch_up(sockets, channel, subscription, current, &backlog));
            }
        }
        let outcomes: Vec<Outcome> = futures::stream::iter(posts).buffer_unordered(CONCURRENCY).collect().await;
        for outcome in outcomes {
            delivered.posted += outcome.posted;
            match outcome.end {
                End::UpToDate => {}
                End::Gone => delivered.gone += 1,
                End::Failed => failed += 1,
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    if failed > 0 {
        anyhow::bail!("posting to {failed} connections on {channel} failed; the rest are up to date");
    }
    Ok(delivered)
}

enum End {
    UpToDate,
    Gone,
    Failed,
}

struct Outcome {
    posted: usize,
    end: End,
}

/// Posts one subscriber what it has not been sent, in order, and records how
/// far it got. A subscriber further behind than the history is told to
/// reload, and continues from the channel's latest offset.
async fn catch_up(
    sockets: &Sockets,
    channel: Channel,
    subscription: &Subscription,
    current: i64,
    backlog: &HashMap<i64, Vec<Event>>,
) -> Outcome {
    let id = subscription.connection_id.as_str();
    let messages: Vec<(i64, axum::extract::ws::Utf8Bytes)> = match access::start(Some(subscription.offset), current) {
        Start::After(offset) => match backlog.get(&offset) {
            // Trimmed since the subscriber's offset: what it missed is gone.
            Some(events) if events.first().is_some_and(|e| e.offset == offset + 1) => {
                events.iter().map(|e| (e.offset, wire::event(e))).collect()
            }
            _ => vec![(current, wire::reload(channel, current))],
        },
        Start::Live | Start::Reload => vec![(current, wire::reload(channel, current))],
    };
    let (mut posted, mut reached) = (0, None);
    let mut end = End::UpToDate;
    for (offset, text) in messages {
        match sockets.pusher.post(id, text.as_bytes()).await {
            Ok(Posted::Delivered) => {
                posted += 1;
                reached = Some(offset);
            }
            Ok(Posted::Gone) => {
                end = End::Gone;
                break;
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), connection = id, %channel, "posting a real-time event failed");
                end = End::Failed;
                break;
            }
        }
    }
    let recorded = match (&end, reached) {
        (End::Gone, _) => sockets.registry.close(id).await,
        (_, Some(offset)) => sockets.registry.advance(id, &channel.to_string(), offset).await,
        (_, None) => Ok(()),
    };
    if let Err(e) = recorded {
        tracing::warn!(error = %format!("{e:#}"), connection = id, %channel, "recording a delivery failed");
        end = End::Failed;
    }
    Outcome { posted, end }
}
