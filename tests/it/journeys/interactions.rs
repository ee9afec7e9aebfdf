use axum::http::StatusCode;
use serde_json::json;

use crate::support::{ArtworkView, Caller, Page, assert_problem, spawn_app};

#[tokio::test]
async fn interactions_are_remembered_and_saves_listed() {
    let app = spawn_app().await;
    let artist = app.artist("saved-artist").await;
    let first = artist.artwork(json!({"title": "First"})).await;
    let second = artist.artwork(json!({"title": "Second"})).await;
    let draft = artist.artwork(json!({"title": "Draft", "status": "draft"})).await;
    let collector = app.collector("saver@example.com").await;

    for (artwork, kind) in [(&first, "view"), (&first, "save"), (&second, "save"), (&second, "save"), (&first, "like")]
    {
        let response = collector.post("/api/interactions", json!({"artwork_id": artwork.id, "kind": kind})).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
        assert_eq!(response.body["kind"], kind);
    }
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind::text FROM interactions WHERE user_id = $1 ORDER BY id")
        .bind(collector.id)
        .fetch_all(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(kinds, ["view", "save", "save", "save", "like"]);

    let saves: Page<ArtworkView> = collector.get("/api/me/saves").await.json();
    let titles: Vec<&str> = saves.items.iter().map(|work| work.title.as_str()).collect();
    assert_eq!(titles, ["Second", "First"]);

    let unsave = collector.delete(&format!("/api/me/saves/{}", second.id)).await;
    assert_eq!(unsave.status, StatusCode::NO_CONTENT);
    assert_eq!(collector.get("/api/me/saves").await.json::<Page<ArtworkView>>().items.len(), 1);

    let hidden = collector.post("/api/interactions", json!({"artwork_id": draft.id, "kind": "like"})).await;
    assert_problem(&hidden, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown =
        collector.post("/api/interactions", json!({"artwork_id": uuid::Uuid::now_v7(), "kind": "like"})).await;
    assert_problem(&unknown, StatusCode::UNPROCESSABLE_ENTITY);
    let purchase = collector.post("/api/interactions", json!({"artwork_id": first.id, "kind": "purchase"})).await;
    assert_problem(&purchase, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&app.anonymous().get("/api/me/saves").await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_like_can_be_looked_up_and_taken_back() {
    let app = spawn_app().await;
    let artist = app.artist("liked-artist").await;
    let liked = artist.artwork(json!({"title": "Liked"})).await;
    let other = artist.artwork(json!({"title": "Other"})).await;
    let collector = app.collector("liker@example.com").await;
    let someone_else = app.collector("bystander@example.com").await;
    let id = liked.id.as_str();
    for (who, artwork, kind) in [
        (&collector, &liked, "view"),
        (&collector, &liked, "like"),
        (&collector, &other, "like"),
        (&someone_else, &liked, "like"),
    ] {
        let response = who.post("/api/interactions", json!({"artwork_id": artwork.id, "kind": kind})).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    }
    async fn kinds_with(who: &Caller<'_>, id: &str) -> Vec<String> {
        let response = who.get(&format!("/api/me/interactions?artwork_id={id}")).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        let entries = response.body.as_array().unwrap().clone();
        assert!(entries.iter().all(|e| e["artwork_id"] == id), "{entries:?}");
        entries.iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    }
    assert_eq!(kinds_with(&collector, id).await, ["like", "view"]);

    // The taste is learnt again without the like.
    sqlx::query("UPDATE user_taste SET stale = false WHERE user_id = $1")
        .bind(collector.id)
        .execute(&app.ctx.db)
        .await
        .unwrap();
    let unlike = collector.delete(&format!("/api/me/likes/{id}")).await;
    assert_eq!(unlike.status, StatusCode::NO_CONTENT);
    let stale: bool = sqlx::query_scalar("SELECT stale FROM user_taste WHERE user_id = $1")
        .bind(collector.id)
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
    assert!(stale);
    assert_eq!(kinds_with(&collector, id).await, ["view"]);
    let again = collector.delete(&format!("/api/me/likes/{id}")).await;
    assert_eq!(again.status, StatusCode::NO_CONTENT, "taking back a like twice is the same as once");

    // Only that like of that collector went.
    let other_kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind::text FROM interactions WHERE user_id = $1 AND artwork_id = $2")
            .bind(collector.id)
            .bind(other.id.parse::<uuid::Uuid>().unwrap())
            .fetch_all(&app.ctx.db)
            .await
            .unwrap();
    assert_eq!(other_kinds, ["like"]);
    assert_eq!(kinds_with(&someone_else, id).await, ["like"]);
    assert_problem(&app.anonymous().delete(&format!("/api/me/likes/{id}")).await, StatusCode::UNAUTHORIZED);
    assert_problem(&collector.get("/api/me/interactions?artwork_id=not-an-id").await, StatusCode::UNPROCESSABLE_ENTITY);
}
