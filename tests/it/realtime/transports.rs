//! The live protocol on both transports: what a client missed is replayed
//! once it says where it stood, a gap beyond the history is answered with
//! "reload", only the people a channel is for may listen, a reader that
//! falls behind is let go without holding up the rest, and tickets work once.

use std::{collections::BTreeMap, time::Duration};

use atelier::realtime::{self, Channel, HISTORY};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use uuid::Uuid;

use super::live::{Ended, Live, inquire, offsets, serve, ticket, write};
use crate::support::{spawn_app, spawn_app_with};

/// Deduplicates by (channel, offset), as the protocol asks clients to.
fn dedupe(messages: &[Value]) -> BTreeMap<(String, i64), Value> {
    messages
        .iter()
        .filter(|m| m["type"] == "event")
        .map(|m| ((m["channel"].as_str().unwrap().to_owned(), m["offset"].as_i64().unwrap()), m.clone()))
        .collect()
}

#[tokio::test]
async fn a_client_that_reconnects_gets_what_it_missed_exactly_once() {
    let app = spawn_app().await;
    let base = serve(&app).await;
    let artist = app.artist("tide-painter").await;
    let work = artist.artwork(json!({})).await;
    let collector = app.collector("asker@example.com").await;
    let conversation = inquire(&collector, &work.id, "Is the frame included?").await;
    let channel = format!("conversation:{conversation}");
    let mut received = Vec::new();

    let mut live = Live::connect(&base, Some(&ticket(&app, collector.access_token()).await)).await.unwrap();
    let replay = live.subscribe(&channel, Some(0)).await;
    assert_eq!(offsets(&replay, &channel), [1], "the first message is replayed from offset 0");
    assert_eq!(replay.last().unwrap()["type"], "subscribed");
    received.extend(replay);
    write(&artist, &conversation, "Yes, a simple oak frame.").await;
    let live_event = live.recv().await;
    assert_eq!((live_event["kind"].as_str(), live_event["offset"].as_i64()), (Some("message"), Some(2)));
    assert_eq!(live_event["data"]["body"], "Yes, a simple oak frame.");
    received.push(live_event);
    drop(live);

    // While the collector is away.
    write(&artist, &conversation, "It ships in a crate.").await;
    write(&artist, &conversation, "Shall I reserve it?").await;

    // Back, saying it saw offset 1 only (its last ack was lost): 2 comes
    // again, 3 and 4 for the first time, then live events.
    let mut live = Live::connect(&base, Some(&ticket(&app, collector.access_token()).await)).await.unwrap();
    let replay = live.subscribe(&channel, Some(1)).await;
    assert_eq!(offsets(&replay, &channel), [2, 3, 4]);
    assert_eq!(replay.last().unwrap()["offset"], 4);
    received.extend(replay);
    write(&collector, &conversation, "Please do.").await;
    let live_event = live.recv().await;
    assert_eq!(live_event["offset"], 5);
    received.push(live_event);

    let once = dedupe(&received);
    let bodies: Vec<&str> = once.values().map(|m| m["data"]["body"].as_str().unwrap()).collect();
    assert_eq!(
        bodies,
        [
            "Is the frame included?",
            "Yes, a simple oak frame.",
            "It ships in a crate.",
            "Shall I reserve it?",
            "Please do."
        ]
    );
    assert_eq!(once.keys().map(|(_, o)| *o).collect::<Vec<_>>(), [1, 2, 3, 4, 5], "offsets are gap-free");
}

#[tokio::test]
async fn a_gap_beyond_the_history_is_answered_with_reload() {
    let app = spawn_app().await;
    let base = serve(&app).await;
    let artist = app.artist("busy-painter").await;
    let work = artist.artwork(json!({})).await;
    let channel = Channel::Artwork(work.id.parse().unwrap());
    let written = HISTORY + 5;
    let mut tx = app.ctx.db.begin().await.unwrap();
    for n in 0..written {
        realtime::publish(&mut tx, channel, "availability", &json!({"n": n})).await.unwrap();
    }
    tx.commit().await.unwrap();

    let mut live = Live::connect(&base, None).await.unwrap();
    let answer = live.subscribe(&channel.to_string(), Some(1)).await;
    assert_eq!(answer[0]["type"], "reload", "{answer:?}");
    assert_eq!(answer[0]["offset"], written);
    assert_eq!(answer.len(), 2, "nothing is replayed: {answer:?}");
    assert_eq!(answer[1], json!({"type": "subscribed", "channel": channel.to_string(), "offset": written}));

    // Within the history: replayed, oldest first.
    let mut live = Live::connect(&base, None).await.unwrap();
    let answer = live.subscribe(&channel.to_string(), Some(written - 3)).await;
    assert_eq!(offsets(&answer, &channel.to_string()), [written - 2, written - 1, written]);

    // An offset from the future (a client of a database since restored) reloads too.
    let mut live = Live::connect(&base, None).await.unwrap();
    assert_eq!(live.subscribe(&channel.to_string(), Some(written + 10)).await[0]["type"], "reload");
}

#[tokio::test]
async fn only_the_people_a_channel_is_for_may_listen() {
    let app = spawn_app().await;
    let base = serve(&app).await;
    let artist = app.artist("private-painter").await;
    let work = artist.artwork(json!({})).await;
    let draft = artist.artwork(json!({"title": "Unfinished", "status": "draft"})).await;
    let collector = app.collector("owner@example.com").await;
    let stranger = app.collector("stranger@example.com").await;
    let conversation = inquire(&collector, &work.id, "Hello").await;

    let mut live = Live::connect(&base, Some(&ticket(&app, stranger.access_token()).await)).await.unwrap();
    for channel in [format!("user:{}", collector.id), format!("conversation:{conversation}")] {
        let answer = live.subscribe(&channel, None).await;
        assert_eq!((answer[0]["type"].as_str(), answer[0]["status"].as_i64()), (Some("error"), Some(403)), "{channel}");
    }
    // A draft answers as a work that does not exist would.
    let hidden = live.subscribe(&format!("artwork:{}", draft.id), None).await;
    let missing = live.subscribe(&format!("artwork:{}", Uuid::now_v7()), None).await;
    assert_eq!((hidden[0]["status"].as_i64(), missing[0]["status"].as_i64()), (Some(403), Some(403)));
    assert_eq!(live.subscribe(&format!("user:{}", stranger.id), None).await[0]["type"], "subscribed");
    assert_eq!(live.subscribe("user:not-a-uuid", None).await[0]["status"], 400);

    let mut anonymous = Live::connect(&base, None).await.unwrap();
    assert_eq!(anonymous.subscribe(&format!("user:{}", collector.id), None).await[0]["status"], 401);
    assert_eq!(anonymous.subscribe(&format!("artwork:{}", work.id), None).await[0]["type"], "subscribed");

    // The same over Server-Sent Events, answered before any stream starts.
    let refused = stranger.get(&format!("/api/realtime/events?channels=conversation:{conversation}")).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let unauthenticated = app.anonymous().get(&format!("/api/realtime/events?channels=user:{}", collector.id)).await;
    assert_eq!(unauthenticated.status, 401);
}

#[tokio::test]
async fn a_reader_that_falls_behind_is_let_go_and_the_others_get_everything() {
    let app = spawn_app().await;
    let base = serve(&app).await;
    let artist = app.artist("prolific-painter").await;
    let work = artist.artwork(json!({})).await;
    let channel = Channel::Artwork(work.id.parse().unwrap());
    let name = channel.to_string();
    let mut slow = Live::connect(&base, None).await.unwrap();
    slow.subscribe(&name, None).await;
    let mut fast = Live::connect(&base, None).await.unwrap();
    fast.subscribe(&name, None).await;

    // Far more than the socket buffers hold, while `slow` reads nothing.
    const EVENTS: i64 = 1500;
    let padding = "x".repeat(16 * 1024);
    let reader = tokio::spawn(async move {
        let mut seen = Vec::new();
        while seen.len() < EVENTS as usize {
            let message = fast.recv().await;
            if message["type"] == "event" {
                seen.push(message["offset"].as_i64().unwrap());
            }
        }
        seen
    });
    for batch in 0..(EVENTS / 100) {
        let mut tx = app.ctx.db.begin().await.unwrap();
        for n in 0..100 {
            realtime::publish(&mut tx, channel, "availability", &json!({"n": batch * 100 + n, "padding": padding}))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let seen = tokio::time::timeout(Duration::from_secs(60), reader).await.expect("the fast reader kept up").unwrap();
    assert_eq!(seen, (1..=EVENTS).collect::<Vec<_>>(), "the fast reader got every event, in order");

    let (events, ended) = slow.drain(Duration::from_secs(60)).await;
    assert!(events.len() < EVENTS as usize, "the slow reader was not let go");
    assert!(
        matches!(ended, Ended::Closed(Some(CloseCode::Again)) | Ended::Dropped),
        "the slow reader ended with {ended:?}"
    );
}

#[tokio::test]
async fn a_ticket_works_once_and_expires() {
    let app = spawn_app_with(&[("REALTIME_TICKET_SECONDS", "1")]).await;
    let base = serve(&app).await;
    let collector = app.collector("ticket-holder@example.com").await;
    let once = ticket(&app, collector.access_token()).await;
    let mut live = Live::connect(&base, Some(&once)).await.unwrap();
    assert_eq!(live.subscribe(&format!("user:{}", collector.id), None).await[0]["type"], "subscribed");
    assert_eq!(Live::connect(&base, Some(&once)).await.err(), Some(401), "a ticket works once");

    let late = ticket(&app, collector.access_token()).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(Live::connect(&base, Some(&late)).await.err(), Some(401), "an expired ticket is refused");
    assert_eq!(Live::connect(&base, Some("never-issued")).await.err(), Some(401));

    // A ticket stands for its session: signing out ends what it could open.
    let orphan = ticket(&app, collector.access_token()).await;
    let response = collector.post("/api/auth/logout", json!({"refresh_token": collector.refresh_token})).await;
    assert!(response.status.is_success(), "{}", response.body);
    assert_eq!(Live::connect(&base, Some(&orphan)).await.err(), Some(401));
}

/// Reads Server-Sent Events until `until` says stop; answers (id, message) pairs.
async fn read_sse(response: reqwest::Response, mut until: impl FnMut(&Value) -> bool) -> Vec<(Option<String>, Value)> {
    let mut stream = response.bytes_stream();
    let (mut buffer, mut events) = (String::new(), Vec::new());
    loop {
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.next()).await.expect("an event came").unwrap();
        buffer.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let id = block.lines().find_map(|l| l.strip_prefix("id: ").or(l.strip_prefix("id:"))).map(str::to_owned);
            let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ").or(l.strip_prefix("data:"))) else {
                continue;
            };
            let message: Value = serde_json::from_str(data).unwrap();
            let stop = until(&message);
            events.push((id, message));
            if stop {
                return events;
            }
        }
    }
}

#[tokio::test]
async fn server_sent_events_resume_from_last_event_id() {
    let app = spawn_app().await;
    let base = serve(&app).await;
    let artist = app.artist("streaming-painter").await;
    let work = artist.artwork(json!({})).await;
    let collector = app.collector("reader@example.com").await;
    let conversation = inquire(&collector, &work.id, "First question").await;
    let channel = format!("conversation:{conversation}");
    let client = reqwest::Client::new();
    let url = format!("{base}/api/realtime/events?channels={channel}=0");

    let response = client.get(&url).bearer_auth(collector.access_token()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let first = read_sse(response, |m| m["type"] == "subscribed").await;
    assert_eq!(first[0].1["offset"], 1);
    assert_eq!(first[0].0.as_deref(), Some(format!("{channel}=1").as_str()), "the id is the stream's position");
    let last_id = first.last().unwrap().0.clone().unwrap();

    write(&artist, &conversation, "An answer while you were away").await;
    // Reconnecting as a browser does: the same URL, with Last-Event-ID.
    let response =
        client.get(&url).bearer_auth(collector.access_token()).header("Last-Event-ID", &last_id).send().await.unwrap();
    let resumed = read_sse(response, |m| m["type"] == "subscribed").await;
    let messages: Vec<Value> = resumed.iter().map(|(_, m)| m.clone()).collect();
    assert_eq!(offsets(&messages, &channel), [2], "only what was missed");
    assert_eq!(messages[0]["data"]["body"], "An answer while you were away");

    // A ticket works for clients that cannot send headers (EventSource).
    let with_ticket = format!("{url}&ticket={}", ticket(&app, collector.access_token()).await);
    let response = client.get(&with_ticket).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let again = client.get(&with_ticket).send().await.unwrap();
    assert_eq!(again.status(), 401, "the ticket was spent");
}

/// A client as the protocol asks it to behave: an event already seen is
/// dropped, a `reload` moves it to the offset given, and anything further
/// ahead than the next offset is a loss nobody was told about.
#[derive(Default)]
struct Follower {
    at: i64,
    events: usize,
    reloads: Vec<i64>,
}

impl Follower {
    fn take(&mut self, message: &Value, via: &str) {
        let offset = message["offset"].as_i64();
        match (message["type"].as_str(), offset) {
            (Some("event"), Some(offset)) => {
                assert!(
                    offset <= self.at + 1,
                    "{via}: offset {offset} came after {}, and the {} between were lost without a reload",
                    self.at,
                    offset - self.at - 1
                );
                if offset == self.at + 1 {
                    self.at = offset;
                    self.events += 1;
                }
            }
            (Some("reload"), Some(offset)) => {
                assert!(offset >= self.at, "{via}: a reload back to {offset} from {}", self.at);
                self.at = offset;
                self.reloads.push(offset);
            }
            (Some("subscribed"), Some(offset)) => assert_eq!(offset, self.at, "{via}: subscribed where it stood"),
            _ => panic!("{via}: unexpected message {message}"),
        }
    }
}

/// Follows a channel over WebSocket up to `total`, resuming from where it
/// stood whenever it is let go for falling behind; says when it first
/// subscribed.
async fn follow_ws(base: String, channel: String, total: i64, ready: oneshot::Sender<()>) -> (Follower, usize) {
    let mut follower = Follower::default();
    let mut resumed = 0;
    let mut live = Live::connect(&base, None).await.unwrap();
    for message in live.subscribe(&channel, None).await {
        follower.take(&message, "websocket");
    }
    ready.send(()).unwrap();
    while follower.at < total {
        match live.next_message().await {
            Ok(message) => follower.take(&message, "websocket"),
            Err(ended) => {
                assert_eq!(ended, Ended::Closed(Some(CloseCode::Again)), "the connection ended otherwise");
                resumed += 1;
                live = Live::connect(&base, None).await.unwrap();
                for message in live.subscribe(&channel, Some(follower.at)).await {
                    follower.take(&message, "websocket");
                }
            }
        }
    }
    (follower, resumed)
}

/// The same over Server-Sent Events: a stream that ends is opened again from
/// the offset reached.
async fn follow_sse(base: String, channel: String, total: i64, ready: oneshot::Sender<()>) -> (Follower, usize) {
    let client = reqwest::Client::new();
    let mut follower = Follower::default();
    let mut ready = Some(ready);
    let mut opened = 0;
    while follower.at < total {
        let since = if opened == 0 { String::new() } else { format!("={}", follower.at) };
        let response =
            client.get(format!("{base}/api/realtime/events?channels={channel}{since}")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        opened += 1;
        let mut stream = response.bytes_stream();
        let mut buffer = String::new();
        while follower.at < total {
            let chunk = tokio::time::timeout(Duration::from_secs(10), stream.next()).await.expect("nothing arrived");
            let Some(Ok(chunk)) = chunk else { break };
            buffer.push_str(std::str::from_utf8(&chunk).unwrap());
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ").or(l.strip_prefix("data:"))) {
                    let message: Value = serde_json::from_str(data).unwrap();
                    follower.take(&message, "server-sent events");
                    if message["type"] == "subscribed" {
                        ready.take().map(|ready| ready.send(()));
                    }
                }
            }
        }
    }
    (follower, opened - 1)
}

#[tokio::test]
async fn under_many_writers_every_event_arrives_in_order_once_or_a_reload_says_so() {
    let app = spawn_app().await;
    let base = serve(&app).await;
    let artist = app.artist("crowded-painter").await;
    let work = artist.artwork(json!({})).await;
    let channel = Channel::Artwork(work.id.parse().unwrap());
    let name = channel.to_string();
    // More writers than the pool has connections, as when requests queue:
    // the publisher must keep up all the same. Four times the history, so a
    // publisher that falls behind sees events trimmed before it reads them.
    const WRITERS: i64 = 16;
    const EACH: i64 = HISTORY / 4;
    const TOTAL: i64 = WRITERS * EACH;

    let (ws_ready, ws_subscribed) = oneshot::channel();
    let (sse_ready, sse_subscribed) = oneshot::channel();
    let ws = tokio::spawn(follow_ws(base.clone(), name.clone(), TOTAL, ws_ready));
    let sse = tokio::spawn(follow_sse(base.clone(), name.clone(), TOTAL, sse_ready));
    ws_subscribed.await.unwrap();
    sse_subscribed.await.unwrap();

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let db = app.ctx.db.clone();
            tokio::spawn(async move {
                for n in 0..EACH {
                    let mut tx = db.begin().await.unwrap();
                    realtime::publish(&mut tx, channel, "availability", &json!({"writer": w, "n": n})).await.unwrap();
                    tx.commit().await.unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }

    for (via, follower) in [("websocket", ws), ("server-sent events", sse)] {
        let (follower, resumed) =
            tokio::time::timeout(Duration::from_secs(60), follower).await.expect("the client reached the end").unwrap();
        assert_eq!(follower.at, TOTAL, "{via}");
        // Within the history the publisher keeps up: nothing to reload.
        assert!(follower.reloads.is_empty(), "{via} was told to reload at {:?}", follower.reloads);
        assert_eq!(follower.events as i64, TOTAL, "{via}: every event once ({resumed} resumptions)");
    }
}

#[tokio::test]
async fn events_trimmed_before_they_reach_a_subscriber_are_answered_with_reload() {
    let app = spawn_app().await;
    let base = serve(&app).await;
    let artist = app.artist("hasty-painter").await;
    let work = artist.artwork(json!({})).await;
    let channel = Channel::Artwork(work.id.parse().unwrap());
    let name = channel.to_string();
    let mut live = Live::connect(&base, None).await.unwrap();
    assert_eq!(live.subscribe(&name, None).await, [json!({"type": "subscribed", "channel": name, "offset": 0})]);
    let (sse_ready, sse_subscribed) = oneshot::channel();
    let sse = tokio::spawn(follow_sse(base.clone(), name.clone(), HISTORY * 2 + 6, sse_ready));
    sse_subscribed.await.unwrap();

    // One commit writes more than the history keeps: by the time the notices
    // arrive, the first events are gone from the table.
    let written = HISTORY * 2 + 5;
    let mut tx = app.ctx.db.begin().await.unwrap();
    for n in 0..written {
        realtime::publish(&mut tx, channel, "availability", &json!({"n": n})).await.unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(live.recv().await, json!({"type": "reload", "channel": name, "offset": written}));

    // Then live again from there.
    let mut tx = app.ctx.db.begin().await.unwrap();
    realtime::publish(&mut tx, channel, "availability", &json!({"n": written})).await.unwrap();
    tx.commit().await.unwrap();
    let next = live.recv().await;
    assert_eq!((next["type"].as_str(), next["offset"].as_i64()), (Some("event"), Some(written + 1)));

    let (follower, resumed) =
        tokio::time::timeout(Duration::from_secs(30), sse).await.expect("the stream reached the end").unwrap();
    assert_eq!((follower.reloads, follower.events, resumed), (vec![written], 1, 0), "over server-sent events");
}
