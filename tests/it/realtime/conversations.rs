//! A collector asks an artist about a work: the conversation, its read
//! receipts and unread counts, blocking, and reports that let moderators in.

use serde_json::json;
use uuid::Uuid;

use super::live::{inquire, write};
use crate::support::{assert_problem, spawn_app};

#[tokio::test]
async fn a_collector_asks_and_the_artist_answers() {
    let app = spawn_app().await;
    let artist = app.artist("answering-painter").await;
    let work = artist.artwork(json!({"title": "Cliffs in Rain"})).await;
    let collector = app.collector("asks@example.com").await;

    let first =
        collector.post("/api/conversations", json!({"artwork_id": work.id, "body": "  Is it varnished?\r\n"})).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let id = first.body["conversation"]["id"].as_str().unwrap().to_owned();
    assert_eq!(first.body["message"]["body"], "Is it varnished?", "normalised");
    assert_eq!(first.body["conversation"]["artwork_title"], "Cliffs in Rain");
    assert_eq!(first.body["conversation"]["artist"]["artist_slug"], "answering-painter");
    assert!(!first.body.to_string().contains("@example.com"), "no e-mail address is ever shown");
    // Asking again about the same work continues the conversation.
    let again = collector.post("/api/conversations", json!({"artwork_id": work.id, "body": "And signed?"})).await;
    assert_eq!((again.status.as_u16(), again.body["conversation"]["id"].as_str()), (200, Some(id.as_str())));

    let inbox = artist.get("/api/conversations").await;
    assert_eq!(inbox.body["items"][0]["id"], id.as_str());
    assert_eq!(inbox.body["items"][0]["unread"], 2);
    assert_eq!(inbox.body["items"][0]["last_message"]["excerpt"], "And signed?");
    let read = artist.post(&format!("/api/conversations/{id}/read"), json!({})).await;
    assert_eq!(read.status, 200);
    assert_eq!(artist.get("/api/conversations").await.body["items"][0]["unread"], 0);
    // The collector sees the receipt: their last message is read.
    let seen = collector.get(&format!("/api/conversations/{id}")).await;
    assert_eq!(seen.body["their_last_read_id"], read.body["last_read_id"]);

    let answer = write(&artist, &id, "Varnished and signed on the back.").await;
    let thread = collector.get(&format!("/api/conversations/{id}/messages")).await;
    let bodies: Vec<&str> =
        thread.body["items"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["Varnished and signed on the back.", "And signed?", "Is it varnished?"], "newest first");
    assert_eq!(thread.body["items"][0]["id"], answer["id"]);
    assert_eq!(collector.get("/api/conversations").await.body["items"][0]["unread"], 1);
}

#[tokio::test]
async fn only_participants_read_and_write() {
    let app = spawn_app().await;
    let artist = app.artist("guarded-painter").await;
    let work = artist.artwork(json!({})).await;
    let collector = app.collector("party@example.com").await;
    let stranger = app.collector("nosy@example.com").await;
    let id = inquire(&collector, &work.id, "Private question").await;

    for path in [format!("/api/conversations/{id}"), format!("/api/conversations/{id}/messages")] {
        assert_problem(&stranger.get(&path).await, axum::http::StatusCode::NOT_FOUND);
    }
    let intrusion = stranger.post(&format!("/api/conversations/{id}/messages"), json!({"body": "hi"})).await;
    assert_eq!(intrusion.status, 404);
    assert!(stranger.get("/api/conversations").await.body["items"].as_array().unwrap().is_empty());
    assert_eq!(app.anonymous().get("/api/conversations").await.status, 401);
}

#[tokio::test]
async fn messages_are_checked_before_anything_is_written() {
    let app = spawn_app().await;
    let artist = app.artist("strict-painter").await;
    let work = artist.artwork(json!({})).await;
    let draft = artist.artwork(json!({"status": "draft"})).await;
    let collector = app.collector("typist@example.com").await;
    for body in [json!(""), json!(" \n "), json!("a\u{7}b"), json!("é".repeat(4001))] {
        let response = collector.post("/api/conversations", json!({"artwork_id": work.id, "body": body})).await;
        assert_eq!(response.status, 422, "{body}: {}", response.body);
    }
    let long = collector.post("/api/conversations", json!({"artwork_id": work.id, "body": "é".repeat(4000)})).await;
    assert_eq!(long.status, 201, "4,000 characters fit");
    let missing = collector.post("/api/conversations", json!({"artwork_id": Uuid::now_v7(), "body": "hi"})).await;
    let hidden = collector.post("/api/conversations", json!({"artwork_id": draft.id, "body": "hi"})).await;
    assert_eq!((missing.status.as_u16(), hidden.status.as_u16()), (404, 404));
    let own = artist.post("/api/conversations", json!({"artwork_id": work.id, "body": "hi me"})).await;
    assert_eq!(own.status, 409);
}

#[tokio::test]
async fn a_block_stops_both_sides_until_lifted() {
    let app = spawn_app().await;
    let artist = app.artist("blocking-painter").await;
    let work = artist.artwork(json!({})).await;
    let other = artist.artwork(json!({"title": "Another"})).await;
    let collector = app.collector("pest@example.com").await;
    let id = inquire(&collector, &work.id, "Hello").await;

    assert_eq!(artist.put_empty(&format!("/api/conversations/{id}/block")).await.status, 204);
    assert!(artist.get(&format!("/api/conversations/{id}")).await.body["blocked"].as_bool().unwrap());
    let blocked = collector.post(&format!("/api/conversations/{id}/messages"), json!({"body": "Hello?"})).await;
    assert_eq!(blocked.status, 403);
    let elsewhere = collector.post("/api/conversations", json!({"artwork_id": other.id, "body": "Hi"})).await;
    assert_eq!(elsewhere.status, 403, "no new conversation with the artist either");
    assert_eq!(artist.post(&format!("/api/conversations/{id}/messages"), json!({"body": "x"})).await.status, 403);

    assert_eq!(artist.delete(&format!("/api/conversations/{id}/block")).await.status, 204);
    assert_eq!(
        collector.post(&format!("/api/conversations/{id}/messages"), json!({"body": "Sorry"})).await.status,
        201
    );
}

#[tokio::test]
async fn a_report_lets_moderators_read_until_resolved() {
    let app = spawn_app().await;
    let artist = app.artist("reported-painter").await;
    let work = artist.artwork(json!({})).await;
    let collector = app.collector("rude@example.com").await;
    let moderator = app.moderator("mod@example.com").await;
    let id = inquire(&collector, &work.id, "Something abusive").await;
    let thread = format!("/api/conversations/{id}/messages");

    assert_eq!(moderator.get(&thread).await.status, 404, "private until reported");
    assert_eq!(collector.get("/api/conversation-reports").await.status, 403);
    let report = artist.post(&format!("/api/conversations/{id}/reports"), json!({"reason": "Abusive language"})).await;
    assert_eq!(report.status, 201, "{}", report.body);
    let again = artist.post(&format!("/api/conversations/{id}/reports"), json!({"reason": "Still abusive"})).await;
    assert_eq!(again.body["id"], report.body["id"], "one open report per reporter");

    let queue = moderator.get("/api/conversation-reports").await;
    assert_eq!(queue.body[0]["conversation_id"], id.as_str());
    assert_eq!(queue.body[0]["reason"], "Abusive language");
    assert_eq!(moderator.get(&thread).await.body["items"][0]["body"], "Something abusive");
    let moderator_writes = moderator.post(&thread, json!({"body": "I am watching"})).await;
    assert_eq!(moderator_writes.status, 403, "moderators read, never write");

    let report_id = report.body["id"].as_str().unwrap();
    let resolved = moderator
        .post(&format!("/api/conversation-reports/{report_id}/resolve"), json!({"resolution": "Warned the collector"}))
        .await;
    assert_eq!(resolved.status, 200, "{}", resolved.body);
    assert!(resolved.body["resolved_at"].is_string());
    let twice =
        moderator.post(&format!("/api/conversation-reports/{report_id}/resolve"), json!({"resolution": "x"})).await;
    assert_eq!(twice.status, 404);
    assert_eq!(moderator.get(&thread).await.status, 404, "private again once resolved");
}
