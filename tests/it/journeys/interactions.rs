use axum::http::StatusCode;
use serde_json::json;

use atelier::feed::curation;

use crate::support::{ArtworkView, Caller, Page, assert_problem, spawn_app};

#[tokio::test]
async fn interactions_are_remembered_and_saves_listed() {
    let app = spawn_app().await;
    let artist = app.artist("saved-artist").await;
    let first = artist.artwork(json!({"title": "First"})).await;
    let second = artist.artwork(json!({"title": "Second"})).await;
    let draft = artist.artwork(json!({"title": "Draft", "status": "draft"})).await;
    let collector = app.collector("saver@example.com").await;

    for (artwork, kind) in [(&first, "view"), (&first, "save"), (&second, "save"), (&first, "like")] {
        let response = collector.post("/api/interactions", json!({"artwork_id": artwork.id, "kind": kind})).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
        assert_eq!(response.body["kind"], kind);
    }
    // Saving the same work again the same day is the earlier save, not a new one.
    let again = collector.post("/api/interactions", json!({"artwork_id": second.id, "kind": "save"})).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind::text FROM interactions WHERE user_id = $1 ORDER BY id")
        .bind(collector.id)
        .fetch_all(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(kinds, ["view", "save", "save", "like"]);

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

/// A work held for duplicate review is as invisible to interactions as a
/// draft or a work that does not exist: the same 422, word for word.
#[tokio::test]
async fn held_works_take_no_interactions_and_do_not_reveal_themselves() {
    let app = spawn_app().await;
    let artist = app.artist("held-artist").await;
    let held = artist.artwork(json!({"title": "Held"})).await;
    sqlx::query("UPDATE artworks SET held_for_review = true WHERE id = $1::uuid")
        .bind(&held.id)
        .execute(&app.ctx.db)
        .await
        .unwrap();
    let collector = app.collector("curious@example.com").await;
    let on_held = collector.post("/api/interactions", json!({"artwork_id": held.id, "kind": "like"})).await;
    let on_missing =
        collector.post("/api/interactions", json!({"artwork_id": uuid::Uuid::now_v7(), "kind": "like"})).await;
    assert_problem(&on_held, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(on_held.body["errors"], on_missing.body["errors"]);
    let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM interactions").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(count, 0);
}

/// One account cannot manufacture "Trending": repeating an interaction
/// records it once, and however many different things one person does with a
/// work, they count as one person. Two people's likes outweigh one person's
/// view, like, save and share.
#[tokio::test]
async fn trending_counts_people_not_clicks() {
    let app = spawn_app().await;
    let pushed = app.artist("pushed-artist").await.artwork(json!({"title": "Pushed"})).await;
    let loved = app.artist("loved-artist").await.artwork(json!({"title": "Loved"})).await;
    let booster = app.collector("booster@example.com").await;
    for kind in ["view", "like", "save", "share"] {
        let response = booster.post("/api/interactions", json!({"artwork_id": pushed.id, "kind": kind})).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    }
    for _ in 0..40 {
        let response = booster.post("/api/interactions", json!({"artwork_id": pushed.id, "kind": "share"})).await;
        assert!(
            response.status == StatusCode::OK || response.status == StatusCode::TOO_MANY_REQUESTS,
            "{}",
            response.body
        );
    }
    let (shares,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM interactions WHERE kind = 'share'").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(shares, 1);
    for email in ["ivy@example.com", "jo@example.com"] {
        let fan = app.collector(email).await;
        let response = fan.post("/api/interactions", json!({"artwork_id": loved.id, "kind": "like"})).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    }
    curation::curate(&app.ctx).await.unwrap();
    let feed = app.anonymous().get("/api/feed").await;
    assert_eq!(feed.status, StatusCode::OK, "{}", feed.body);
    let items = feed.body["items"].as_array().unwrap();
    let order: Vec<&str> = items.iter().map(|item| item["title"].as_str().unwrap()).collect();
    assert_eq!(order, ["Loved", "Pushed"]);
    assert_eq!(items[0]["reason"], "Trending now");
}

/// Interactions are rate limited per person, so a script cannot flood the
/// memory recommendations learn from.
#[tokio::test]
async fn interactions_are_rate_limited() {
    let app = crate::support::spawn_app_with(&[("RATE_LIMIT_INTERACTIONS_USER", "3,0.01")]).await;
    let artist = app.artist("busy-artist").await;
    let works = [
        artist.artwork(json!({"title": "One"})).await,
        artist.artwork(json!({"title": "Two"})).await,
        artist.artwork(json!({"title": "Three"})).await,
        artist.artwork(json!({"title": "Four"})).await,
    ];
    let collector = app.collector("clicker@example.com").await;
    for work in &works[..3] {
        let response = collector.post("/api/interactions", json!({"artwork_id": work.id, "kind": "view"})).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    }
    let refused = collector.post("/api/interactions", json!({"artwork_id": works[3].id, "kind": "view"})).await;
    assert_problem(&refused, StatusCode::TOO_MANY_REQUESTS);
}

/// What people searched for is kept for the retention period and no longer,
/// and "forget my history" forgets it at once.
#[tokio::test]
async fn search_history_is_kept_for_its_retention_and_forgotten_on_request() {
    let app = spawn_app().await;
    let collector = app.collector("seeker@example.com").await;
    let other = app.collector("other-seeker@example.com").await;
    for who in [&collector, &other] {
        let response = who.get("/api/search?q=harbour&mode=keyword").await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    }
    let count = |user: uuid::Uuid| {
        let db = app.ctx.db.clone();
        async move {
            let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM search_queries WHERE user_id = $1")
                .bind(user)
                .fetch_one(&db)
                .await
                .unwrap();
            count
        }
    };
    assert_eq!((count(collector.id).await, count(other.id).await), (1, 1));

    // The other person's query ages past the default 90 days.
    sqlx::query("UPDATE search_queries SET created_at = now() - interval '91 days' WHERE user_id = $1")
        .bind(other.id)
        .execute(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(atelier::search::purge_old_queries(&app.ctx).await.unwrap(), 1);
    assert_eq!((count(collector.id).await, count(other.id).await), (1, 0));

    assert_eq!(collector.delete("/api/me/interactions").await.status, StatusCode::NO_CONTENT);
    assert_eq!(count(collector.id).await, 0);
}

/// Reloading the home feed replaces the collector's one stored feed instead
/// of piling up entries, and the feed is rate limited per person.
#[tokio::test]
async fn a_collector_has_one_stored_feed_and_a_limit_on_reloads() {
    let app = crate::support::spawn_app_with(&[("RATE_LIMIT_FEED_USER", "4,0.01")]).await;
    let artist = app.artist("feed-artist").await;
    for title in ["One", "Two"] {
        artist.artwork(json!({"title": title})).await;
    }
    curation::curate(&app.ctx).await.unwrap();
    let collector = app.collector("reloader@example.com").await;
    for n in 0..4 {
        let feed = collector.get("/api/feed").await;
        assert_eq!(feed.status, StatusCode::OK, "reload {n}: {}", feed.body);
    }
    let (stored,): (i64,) = sqlx::query_as("SELECT count(*) FROM kv_entries WHERE key LIKE 'feed:session:%'")
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(stored, 1);
    assert_problem(&collector.get("/api/feed").await, StatusCode::TOO_MANY_REQUESTS);
}
