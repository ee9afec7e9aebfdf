//! Notifications: kept until read, delivered live, once per subject, and
//! only the kinds a person wants.

use atelier::realtime::notifications::{Kind, notify};
use serde_json::json;

use super::live::{Live, inquire, serve, ticket, write};
use crate::support::spawn_app;

#[tokio::test]
async fn a_message_notifies_the_other_side_live_and_in_the_inbox() {
    let app = spawn_app().await;
    let base = serve(&app).await;
    let artist = app.artist("notified-painter").await;
    let work = artist.artwork(json!({})).await;
    let collector = app.collector("curious@example.com").await;

    let mut live = Live::connect(&base, Some(&ticket(&app, artist.access_token()).await)).await.unwrap();
    let user_channel = format!("user:{}", artist.id);
    live.subscribe(&user_channel, None).await;
    let conversation = inquire(&collector, &work.id, "Would you take commissions?").await;
    let event = live.recv().await;
    assert_eq!(
        (event["channel"].as_str(), event["kind"].as_str()),
        (Some(user_channel.as_str()), Some("notification"))
    );
    assert_eq!(event["data"]["kind"], "message");
    assert_eq!(event["data"]["data"]["conversation_id"], conversation.as_str());
    assert_eq!(event["data"]["data"]["excerpt"], "Would you take commissions?");
    assert_eq!(event["data"]["data"]["from"], "Test Person");
    assert!(event["data"]["data"].get("email").is_none());

    let page = artist.get("/api/me/notifications").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body["unread"], 1);
    let id = page.body["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(page.body["items"][0]["id"], event["data"]["id"], "the live event is the stored notification");
    assert_eq!(artist.get("/api/me/notifications/unread-count").await.body["unread"], 1);
    // The sender is not notified of their own message.
    assert_eq!(collector.get("/api/me/notifications").await.body["unread"], 0);

    let read = artist.post(&format!("/api/me/notifications/{id}/read"), json!({})).await;
    assert_eq!((read.status.as_u16(), read.body["unread"].as_i64()), (200, Some(0)));
    assert_eq!(
        artist.post(&format!("/api/me/notifications/{id}/read"), json!({})).await.status,
        200,
        "again: no change"
    );
    assert_eq!(collector.post(&format!("/api/me/notifications/{id}/read"), json!({})).await.status, 404, "not theirs");
    let unread_only = artist.get("/api/me/notifications?unread=true").await;
    assert_eq!(unread_only.body["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn kinds_turned_off_are_not_notified() {
    let app = spawn_app().await;
    let artist = app.artist("quiet-painter").await;
    let work = artist.artwork(json!({})).await;
    let collector = app.collector("chatty@example.com").await;

    let preferences = artist.get("/api/me/notification-preferences").await;
    assert_eq!(preferences.body.as_array().unwrap().len(), Kind::ALL.len());
    assert!(preferences.body.as_array().unwrap().iter().all(|p| p["in_app"] == true), "every kind starts on");
    let changed = artist.put("/api/me/notification-preferences", json!([{"kind": "message", "in_app": false}])).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let message = changed.body.as_array().unwrap().iter().find(|p| p["kind"] == "message").unwrap().clone();
    assert_eq!(message["in_app"], false);
    let bad = artist.put("/api/me/notification-preferences", json!([{"kind": "everything", "in_app": false}])).await;
    assert_eq!(bad.status, 422);

    let conversation = inquire(&collector, &work.id, "Hello?").await;
    assert_eq!(artist.get("/api/me/notifications").await.body["unread"], 0, "messages are off");
    artist.put("/api/me/notification-preferences", json!([{"kind": "message", "in_app": true}])).await;
    write(&collector, &conversation, "Hello again").await;
    assert_eq!(artist.get("/api/me/notifications").await.body["unread"], 1);
}

#[tokio::test]
async fn a_subject_is_notified_once_however_often_it_is_delivered() {
    let app = spawn_app().await;
    let collector = app.collector("once@example.com").await;
    for _ in 0..3 {
        // What a retried job or a webhook seen twice does.
        let mut tx = app.ctx.db.begin().await.unwrap();
        notify(&mut tx, collector.id, Kind::OrderUpdate, "order:1:shipped", json!({"order_id": "1"})).await.unwrap();
        tx.commit().await.unwrap();
    }
    let page = collector.get("/api/me/notifications").await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM realtime_events WHERE channel = $1")
        .bind(format!("user:{}", collector.id))
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(events, 1, "one live event too");
}

#[tokio::test]
async fn notifications_page_newest_first() {
    let app = spawn_app().await;
    let collector = app.collector("paged@example.com").await;
    let mut tx = app.ctx.db.begin().await.unwrap();
    for n in 0..25 {
        notify(&mut tx, collector.id, Kind::NewWork, &format!("work:{n}"), json!({"n": n})).await.unwrap();
    }
    tx.commit().await.unwrap();
    let first = collector.get("/api/me/notifications?limit=20").await;
    let items = first.body["items"].as_array().unwrap();
    assert_eq!((items.len(), items[0]["data"]["n"].as_i64()), (20, Some(24)));
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = collector.get(&format!("/api/me/notifications?limit=20&cursor={cursor}")).await;
    let rest: Vec<i64> =
        second.body["items"].as_array().unwrap().iter().map(|i| i["data"]["n"].as_i64().unwrap()).collect();
    assert_eq!(rest, [4, 3, 2, 1, 0]);
    assert!(second.body["next_cursor"].is_null());
    assert_eq!(collector.get("/api/me/notifications?limit=0").await.status, 422);
    let all_read = collector.post("/api/me/notifications/read", json!({})).await;
    assert_eq!(all_read.body["unread"], 0);
    assert_eq!(collector.get("/api/me/notifications/unread-count").await.body["unread"], 0);
}
