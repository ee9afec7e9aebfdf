//! `Idempotency-Key` on the POSTs that create things: replays, refusals of a
//! reused key, concurrent duplicates, and scoping per user.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{Caller, TestApp, TestResponse, assert_problem, spawn_app};

fn artwork(title: &str) -> Value {
    json!({
        "title": title,
        "description": "Oil study of fishing boats returning at dusk, painted from the harbour wall.",
        "medium": "Oil on linen",
        "category": "painting",
        "year": 2024,
        "dimensions": {"height_mm": 400, "width_mm": 500},
        "edition": {"kind": "unique"},
        "price": {"amount_minor": 120000, "currency": "GBP"},
        "status": "published"
    })
}

/// Lists an artwork as `artist`, under `Idempotency-Key: key`.
async fn create(artist: &Caller<'_>, key: &str, body: Value) -> TestResponse {
    artist.with_header("idempotency-key", key).post("/api/artworks", body).await
}

async fn artworks(app: &TestApp) -> i64 {
    let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM artworks").fetch_one(&app.ctx.db).await.unwrap();
    count
}

#[tokio::test]
async fn a_retry_with_the_same_key_replays_the_first_answer() {
    let app = spawn_app().await;
    let artist = app.artist("harbour").await;
    let first = create(&artist, "order-7f3a", artwork("Harbour at Dusk")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert!(first.header("idempotent-replayed").is_none());
    let again = create(&artist, "order-7f3a", artwork("Harbour at Dusk")).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body);
    assert_eq!(again.body["id"], first.body["id"]);
    for name in ["location", "etag", "content-type"] {
        assert_eq!(again.header(name), first.header(name), "{name}");
    }
    assert_eq!(artworks(&app).await, 1);
    // Without a key, or with another one, the same body creates again.
    assert_eq!(artist.post("/api/artworks", artwork("Harbour at Dusk")).await.status, StatusCode::CREATED);
    let other = create(&artist, "order-7f3b", artwork("Harbour at Dusk")).await;
    assert_ne!(other.body["id"], first.body["id"]);
    assert_eq!(artworks(&app).await, 3);
}

#[tokio::test]
async fn the_same_key_with_a_different_body_is_refused() {
    let app = spawn_app().await;
    let artist = app.artist("harbour").await;
    assert_eq!(create(&artist, "k-1", artwork("Harbour at Dusk")).await.status, StatusCode::CREATED);
    let reused = create(&artist, "k-1", artwork("Harbour at Dawn")).await;
    let problem = assert_problem(&reused, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem.kind, "/problems/idempotency-key-reused");
    // The same key on another operation is another request too.
    let elsewhere = artist.with_header("idempotency-key", "k-1").post("/api/artists", json!({"slug": "x"})).await;
    assert_problem(&elsewhere, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(artworks(&app).await, 1);
}

#[tokio::test]
async fn a_failed_request_does_not_spend_its_key() {
    let app = spawn_app().await;
    let artist = app.artist("harbour").await;
    let mut invalid = artwork("Harbour at Dusk");
    invalid["category"] = json!("no-such-category");
    let failed = create(&artist, "k-2", invalid).await;
    let problem = assert_problem(&failed, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem.kind, "/problems/validation");
    // The corrected request may reuse the key: nothing was created or kept.
    let fixed = create(&artist, "k-2", artwork("Harbour at Dusk")).await;
    assert_eq!(fixed.status, StatusCode::CREATED, "{}", fixed.body);
    assert!(fixed.header("idempotent-replayed").is_none());
    assert_eq!(artworks(&app).await, 1);
}

#[tokio::test]
async fn concurrent_duplicates_create_one_artwork() {
    let app = Arc::new(spawn_app().await);
    let artist = app.artist("harbour").await;
    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let (app, token) = (app.clone(), artist.access_token().to_owned());
            tokio::spawn(async move { create(&app.bearer(&token), "burst", artwork("Harbour at Dusk")).await })
        })
        .collect();
    let mut ids = Vec::new();
    for attempt in attempts {
        let response = attempt.await.unwrap();
        match response.status {
            StatusCode::CREATED => ids.push(response.body["id"].clone()),
            StatusCode::CONFLICT => {
                assert_problem(&response, StatusCode::CONFLICT);
            }
            other => panic!("unexpected {other}: {}", response.body),
        }
    }
    assert!(!ids.is_empty());
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(artworks(&app).await, 1);
    // Once the first has finished, a retry replays it.
    let later = create(&artist, "burst", artwork("Harbour at Dusk")).await;
    assert_eq!((later.status, later.header("idempotent-replayed")), (StatusCode::CREATED, Some("true")));
    assert_eq!(later.body["id"], ids[0]);
}

#[tokio::test]
async fn keys_belong_to_their_user() {
    let app = spawn_app().await;
    let ada = app.artist("ada").await;
    let bo = app.artist("bob").await;
    let first = create(&ada, "shared-key", artwork("Harbour at Dusk")).await;
    let second = create(&bo, "shared-key", artwork("Harbour at Dusk")).await;
    assert_eq!((first.status, second.status), (StatusCode::CREATED, StatusCode::CREATED));
    assert!(second.header("idempotent-replayed").is_none());
    assert_ne!(first.body["id"], second.body["id"]);
    assert_ne!(first.body["artist"], second.body["artist"]);
    assert_eq!(artworks(&app).await, 2);
}

#[tokio::test]
async fn malformed_keys_are_refused() {
    let app = spawn_app().await;
    let artist = app.artist("harbour").await;
    for key in ["", &"k".repeat(256), "tab\there"] {
        let response = create(&artist, key, artwork("Harbour at Dusk")).await;
        assert_problem(&response, StatusCode::BAD_REQUEST);
    }
    assert_eq!(create(&artist, &"k".repeat(255), artwork("Harbour at Dusk")).await.status, StatusCode::CREATED);
    assert_eq!(artworks(&app).await, 1);
}

#[tokio::test]
async fn upload_creation_replays_the_same_upload() {
    let app = spawn_app().await;
    let artist = app.artist("harbour").await;
    let artwork = artist.artwork(json!({"status": "draft"})).await;
    let upload =
        json!({"artwork_id": artwork.id, "filename": "a.jpg", "content_type": "image/jpeg", "size_bytes": 1000});
    let keyed = artist.with_header("idempotency-key", "u-1");
    let call = || keyed.post("/api/uploads", upload.clone());
    let first = call().await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = call().await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["upload"]["id"], first.body["upload"]["id"]);
    assert_eq!(again.header("location"), first.header("location"));
    let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM uploads").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(count, 1);
}

/// A kept answer belongs to a live session: once its holder signs out, their
/// still-unexpired access token gets a 401 for the same key, not the answer.
#[tokio::test]
async fn a_kept_answer_is_not_replayed_after_sign_out() {
    let app = spawn_app().await;
    let artist = app.artist("signed-out").await;
    let first = create(&artist, "after-logout", artwork("Harbour at Dusk")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let logout = artist.send(axum::http::Method::POST, "/api/auth/logout", None).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT, "{}", logout.body);
    let replay = create(&artist, "after-logout", artwork("Harbour at Dusk")).await;
    assert_problem(&replay, StatusCode::UNAUTHORIZED);
    assert!(replay.header("idempotent-replayed").is_none());
    assert_eq!(artworks(&app).await, 1);
}
