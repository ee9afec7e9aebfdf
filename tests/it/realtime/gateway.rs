//! The live protocol where API Gateway's WebSocket API holds the connections:
//! the socket function's answers to `$connect`, messages and `$disconnect`,
//! and the delivery job that posts what requests publish, against a stand-in
//! of the management API (tests/it/support/socket_gateway.rs). The same
//! rules as the local server's WebSocket: replay from an offset or reload,
//! only the people a channel is for, each event in order and, after the
//! client's deduplication, once.

use atelier::{
    platform::queue::Job,
    realtime::{self, Channel, HISTORY, push},
};
use aws_lambda_events::event::apigw::ApiGatewayProxyResponse;
use serde_json::{Value, json};
use uuid::Uuid;

use super::live::{inquire, ticket, write};
use crate::support::{
    TestApp,
    socket_gateway::{SocketGateway, connection_id, socket_event},
    spawn_app_with,
};

async fn setup() -> (TestApp, SocketGateway) {
    let gateway = SocketGateway::start().await;
    let app = spawn_app_with(&[("SOCKET_GATEWAY_URL", &gateway.url)]).await;
    (app, gateway)
}

async fn event(app: &TestApp, event: Value) -> ApiGatewayProxyResponse {
    let sockets = app.ctx.sockets.as_deref().expect("SOCKET_GATEWAY_URL is set");
    realtime::gateway::handle(&app.ctx, sockets, serde_json::from_value(event).unwrap()).await
}

/// Opens a connection as the gateway does on `$connect`.
async fn connect(app: &TestApp, token: Option<&str>) -> String {
    let id = connection_id();
    let ticket = match token {
        Some(token) => Some(ticket(app, token).await),
        None => None,
    };
    let answer = event(app, socket_event("$connect", &id, ticket.as_deref(), None)).await;
    assert_eq!(answer.status_code, 200, "{answer:?}");
    id
}

async fn send(app: &TestApp, id: &str, message: Value) {
    let answer = event(app, socket_event("$default", id, None, Some(&message.to_string()))).await;
    assert_eq!(answer.status_code, 200, "{answer:?}");
}

fn offsets(messages: &[Value]) -> Vec<i64> {
    messages.iter().filter(|m| m["type"] == "event").map(|m| m["offset"].as_i64().unwrap()).collect()
}

/// Runs the queued jobs, as the real-time worker would; answers the channels
/// delivered, once per job that named them.
async fn deliver(app: &TestApp) -> Vec<String> {
    app.run_jobs()
        .await
        .into_iter()
        .filter(|(kind, _)| kind == push::DELIVER)
        .flat_map(|(_, payload)| serde_json::from_value::<push::Deliver>(payload).unwrap().channels)
        .collect()
}

/// The delivery job for `channel`, run once more, as a redelivered message.
async fn deliver_again(app: &TestApp, channel: &str) -> anyhow::Result<()> {
    let job = Job {
        id: Uuid::now_v7().to_string(),
        kind: push::DELIVER.to_owned(),
        payload: json!({"channels": [channel]}),
        receive_count: 2,
        receipt: String::new(),
    };
    atelier::jobs::Jobs::new(app.ctx.clone()).run(&job).await
}

#[tokio::test]
async fn a_connection_opens_with_a_ticket_once_and_closes() {
    let (app, _gateway) = setup().await;
    let collector = app.collector("socket-ticket@example.com").await;
    let registry = &app.ctx.sockets.as_deref().unwrap().registry;

    let ticket = ticket(&app, collector.access_token()).await;
    let id = connection_id();
    let answer = event(&app, socket_event("$connect", &id, Some(&ticket), None)).await;
    assert_eq!(answer.status_code, 200);
    let connection = registry.connection(&id).await.unwrap().expect("recorded");
    assert_eq!(connection.user_id, Some(collector.id));

    let again = event(&app, socket_event("$connect", &connection_id(), Some(&ticket), None)).await;
    assert_eq!(again.status_code, 401, "a ticket works once");
    let forged = event(&app, socket_event("$connect", &connection_id(), Some("not-a-ticket"), None)).await;
    assert_eq!(forged.status_code, 401);

    let anonymous = connect(&app, None).await;
    assert_eq!(registry.connection(&anonymous).await.unwrap().unwrap().user_id, None);

    assert_eq!(event(&app, socket_event("$disconnect", &id, None, None)).await.status_code, 200);
    assert_eq!(registry.connection(&id).await.unwrap(), None);
}

#[tokio::test]
async fn a_subscriber_is_replayed_what_it_missed_then_sent_each_new_event_once_in_order() {
    let (app, gateway) = setup().await;
    let artist = app.artist("socket-painter").await;
    let work = artist.artwork(json!({})).await;
    let collector = app.collector("socket-asker@example.com").await;
    let conversation = inquire(&collector, &work.id, "Is it varnished?").await;
    write(&artist, &conversation, "Yes, satin.").await;
    let channel = format!("conversation:{conversation}");
    // Requests that published queued a delivery, which finds nobody yet.
    assert!(deliver(&app).await.contains(&channel));

    let id = connect(&app, Some(collector.access_token())).await;
    send(&app, &id, json!({"type": "subscribe", "channel": channel, "since": 0})).await;
    let replay = gateway.take(&id);
    assert_eq!(offsets(&replay), [1, 2]);
    assert_eq!(replay.last().unwrap(), &json!({"type": "subscribed", "channel": channel, "offset": 2}));

    for body in ["It ships framed.", "Shall I hold it?", "Until Friday."] {
        write(&artist, &conversation, body).await;
    }
    let delivered = deliver(&app).await;
    assert_eq!(delivered.iter().filter(|c| **c == channel).count(), 3, "one delivery per request: {delivered:?}");
    let live = gateway.take(&id);
    assert_eq!(offsets(&live), [3, 4, 5], "each once, in order, though three jobs delivered: {live:?}");
    assert_eq!(live[2]["data"]["body"], "Until Friday.");

    deliver_again(&app, &channel).await.unwrap();
    assert_eq!(gateway.take(&id), Vec::<Value>::new(), "a redelivered job posts nothing new");

    // Back on a new connection, having seen 3: 4 and 5 again, nothing else.
    let back = connect(&app, Some(collector.access_token())).await;
    send(&app, &back, json!({"type": "subscribe", "channel": channel, "since": 3})).await;
    assert_eq!(offsets(&gateway.take(&back)), [4, 5]);
    gateway.assert_nothing_refused();
}

#[tokio::test]
async fn a_subscriber_further_behind_than_the_history_is_told_to_reload() {
    let (app, gateway) = setup().await;
    let artist = app.artist("socket-prolific").await;
    let work = artist.artwork(json!({})).await;
    let channel = Channel::Artwork(work.id.parse().unwrap());
    let publish = |count: i64| {
        let db = app.ctx.db.clone();
        async move {
            let mut tx = db.begin().await.unwrap();
            for n in 0..count {
                realtime::publish(&mut tx, channel, "availability", &json!({"n": n})).await.unwrap();
            }
            tx.commit().await.unwrap();
        }
    };
    publish(HISTORY + 2).await;

    let id = connect(&app, None).await;
    send(&app, &id, json!({"type": "subscribe", "channel": channel.to_string(), "since": 1})).await;
    let answer = gateway.take(&id);
    let current = HISTORY + 2;
    assert_eq!(answer[0], json!({"type": "reload", "channel": channel.to_string(), "offset": current}));
    assert_eq!(answer.last().unwrap()["type"], "subscribed");
    assert!(offsets(&answer).is_empty(), "nothing from before the reload point: {answer:?}");

    // Missing more than the history while subscribed (the delivery jobs were
    // lost, say): the next delivery says reload instead of leaving a gap.
    publish(HISTORY + 5).await;
    let sockets = app.ctx.sockets.as_deref().unwrap();
    let delivered = push::deliver(&app.ctx, sockets, channel).await.unwrap();
    assert_eq!(delivered.posted, 1);
    let answer = gateway.take(&id);
    assert_eq!(answer, [json!({"type": "reload", "channel": channel.to_string(), "offset": current + HISTORY + 5})]);
    publish(1).await;
    push::deliver(&app.ctx, sockets, channel).await.unwrap();
    assert_eq!(offsets(&gateway.take(&id)), [current + HISTORY + 6], "live again after the reload");
}

#[tokio::test]
async fn channels_are_refused_to_people_they_are_not_for() {
    let (app, gateway) = setup().await;
    let artist = app.artist("socket-private").await;
    let work = artist.artwork(json!({})).await;
    let collector = app.collector("socket-party@example.com").await;
    let stranger = app.collector("socket-stranger@example.com").await;
    let conversation = inquire(&collector, &work.id, "Private question").await;

    let id = connect(&app, Some(stranger.access_token())).await;
    for (channel, status) in [
        (format!("conversation:{conversation}"), 403),
        (format!("user:{}", collector.id), 403),
        (format!("conversation:{}", Uuid::now_v7()), 403),
    ] {
        send(&app, &id, json!({"type": "subscribe", "channel": channel, "since": 0})).await;
        let answer = gateway.take(&id);
        assert_eq!(answer.len(), 1, "{answer:?}");
        assert_eq!((answer[0]["type"].as_str(), answer[0]["status"].as_i64()), (Some("error"), Some(status)));
        assert_eq!(answer[0]["channel"], channel);
    }
    let anonymous = connect(&app, None).await;
    send(&app, &anonymous, json!({"type": "subscribe", "channel": format!("conversation:{conversation}")})).await;
    assert_eq!(gateway.take(&anonymous)[0]["status"], 401);

    // Nothing the stranger could not read reaches them.
    write(&artist, &conversation, "Only for the asker").await;
    deliver(&app).await;
    assert_eq!(gateway.take(&id), Vec::<Value>::new());

    // Nonsense is answered, and loses nothing.
    for body in ["not json", r#"{"type":"subscribe","channel":"room:1"}"#, &"x".repeat(5000)] {
        let answer = event(&app, socket_event("$default", &id, None, Some(body))).await;
        assert_eq!(answer.status_code, 200);
        let reply = gateway.take(&id);
        assert_eq!(
            (reply.len(), reply[0]["type"].as_str(), reply[0]["status"].as_i64()),
            (1, Some("error"), Some(400))
        );
    }
}

#[tokio::test]
async fn a_closed_connection_is_forgotten_and_a_failing_one_retried_without_repeats() {
    let (app, gateway) = setup().await;
    let artist = app.artist("socket-busy").await;
    let work = artist.artwork(json!({})).await;
    let collector = app.collector("socket-many@example.com").await;
    let conversation = inquire(&collector, &work.id, "Hello").await;
    let channel = format!("conversation:{conversation}");
    let (gone, failing, fine) = (
        connect(&app, Some(collector.access_token())).await,
        connect(&app, Some(collector.access_token())).await,
        connect(&app, Some(artist.access_token())).await,
    );
    for id in [&gone, &failing, &fine] {
        send(&app, id, json!({"type": "subscribe", "channel": channel})).await;
        gateway.take(id);
    }
    gateway.close(&gone);
    // More failures than the SDK's own attempts (three), so the job fails.
    gateway.fail(&failing, 3);
    write(&artist, &conversation, "First").await;
    write(&artist, &conversation, "Second").await;

    let sockets = app.ctx.sockets.as_deref().unwrap();
    let channel_id: Channel = channel.parse().unwrap();
    let error = push::deliver(&app.ctx, sockets, channel_id).await.unwrap_err();
    assert!(error.to_string().contains("1 connections"), "{error:#}");
    assert_eq!(offsets(&gateway.take(&fine)), [2, 3], "one failing connection holds up no other");
    assert_eq!(sockets.registry.connection(&gone).await.unwrap(), None, "410 Gone forgets the connection");
    assert_eq!(offsets(&gateway.take(&failing)), Vec::<i64>::new());

    // The retry posts the failed connection what it missed, and nobody
    // anything twice.
    let retried = push::deliver(&app.ctx, sockets, channel_id).await.unwrap();
    assert_eq!((retried.posted, retried.gone), (2, 0));
    assert_eq!(offsets(&gateway.take(&failing)), [2, 3]);
    assert_eq!(gateway.take(&fine), Vec::<Value>::new());
    gateway.assert_nothing_refused();
}

#[tokio::test]
async fn typing_reaches_the_other_participant_only() {
    let (app, gateway) = setup().await;
    let artist = app.artist("socket-typist").await;
    let work = artist.artwork(json!({})).await;
    let collector = app.collector("socket-reader@example.com").await;
    let conversation = inquire(&collector, &work.id, "Any news?").await;
    let channel = format!("conversation:{conversation}");
    let (theirs, mine) =
        (connect(&app, Some(collector.access_token())).await, connect(&app, Some(artist.access_token())).await);
    send(&app, &mine, json!({"type": "typing", "channel": channel})).await;
    assert_eq!(gateway.take(&mine)[0]["detail"], "subscribe to the conversation first");
    for id in [&theirs, &mine] {
        send(&app, id, json!({"type": "subscribe", "channel": channel})).await;
        gateway.take(id);
    }
    send(&app, &mine, json!({"type": "typing", "channel": channel})).await;
    send(&app, &mine, json!({"type": "typing", "channel": channel})).await;
    assert_eq!(
        gateway.take(&theirs),
        [json!({"type": "typing", "channel": channel, "user_id": artist.id})],
        "once, however often the typist's keys go within two seconds"
    );
    assert_eq!(gateway.take(&mine), Vec::<Value>::new(), "never echoed to the typist");
}

/// The stand-in holds the pusher to the contract: a request signed with the
/// wrong secret is refused, and the pusher reports it rather than a delivery.
#[tokio::test]
async fn the_management_api_refuses_a_post_signed_with_the_wrong_secret() {
    let gateway = SocketGateway::start().await;
    let access_key = std::env::var("AWS_ACCESS_KEY_ID").unwrap();
    let forged = crate::contracts::standins::sdk_config(&access_key, "not-the-secret", None).await;
    let pusher = atelier::platform::sockets::ApiGatewayPusher::new(&forged, &gateway.url);
    let id = connection_id();
    assert!(atelier::platform::sockets::SocketPusher::post(&pusher, &id, b"{}").await.is_err());
    assert_eq!(gateway.take(&id), Vec::<Value>::new());
    let honest = crate::contracts::standins::moto_config().await;
    let pusher = atelier::platform::sockets::ApiGatewayPusher::new(&honest, &gateway.url);
    let posted = atelier::platform::sockets::SocketPusher::post(&pusher, &id, br#"{"type":"ping"}"#).await.unwrap();
    assert_eq!(posted, atelier::platform::sockets::Posted::Delivered);
    assert_eq!(gateway.take(&id), [json!({"type": "ping"})]);
}

/// A job that publishes on many channels (a fan-out to every follower) queues
/// one delivery per hundred channels, not one per channel, and each delivers
/// them all.
#[tokio::test]
async fn deliveries_are_queued_a_hundred_channels_a_job() {
    let (app, gateway) = setup().await;
    let channels: Vec<Channel> = (0..250).map(|_| Channel::User(Uuid::now_v7())).collect();
    let listener = channels[180];
    let id = connection_id();
    let sockets = app.ctx.sockets.as_deref().unwrap();
    sockets.registry.open(&id, Some(listener.id()), None).await.unwrap();
    assert!(sockets.registry.subscribe(&id, &listener.to_string(), 0).await.unwrap());

    push::delivering(&app.ctx, async {
        let mut tx = app.ctx.db.begin().await.unwrap();
        for channel in &channels {
            realtime::publish(&mut tx, *channel, "notification", &json!({"kind": "new_work"})).await.unwrap();
        }
        tx.commit().await.unwrap();
    })
    .await;
    let jobs: Vec<(String, Value)> = app.run_jobs().await;
    let sizes: Vec<usize> = jobs
        .iter()
        .filter(|(kind, _)| kind == push::DELIVER)
        .map(|(_, payload)| payload["channels"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes.iter().sum::<usize>(), 250);
    assert_eq!(sizes.len(), 3, "{sizes:?}");
    assert_eq!(offsets(&gateway.take(&id)), [1], "the one listener among them got its event");
}
