use axum::http::StatusCode;
use serde_json::json;

use crate::support::{ArtworkView, Page, assert_problem, spawn_app};

#[tokio::test]
async fn categories_form_a_tree_that_moderators_extend() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let tree = anon.get("/api/categories").await;
    assert_eq!(tree.status, StatusCode::OK);
    let paper = tree.body.as_array().unwrap().iter().find(|c| c["slug"] == "works-on-paper").unwrap();
    let children: Vec<&str> =
        paper["children"].as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap()).collect();
    assert_eq!(children, ["drawing", "print", "photography"]);

    let moderator = app.moderator("tax@example.com").await;
    let created =
        moderator.post("/api/categories", json!({"slug": "linocut", "name": "Linocut", "parent": "print"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_problem(
        &moderator.post("/api/categories", json!({"slug": "linocut", "name": "Again"})).await,
        StatusCode::CONFLICT,
    );
    assert_problem(
        &moderator.post("/api/categories", json!({"slug": "x", "name": "X", "parent": "nope"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    let renamed = moderator
        .patch(&format!("/api/categories/{}", created.body["id"].as_str().unwrap()), json!({"name": "Linocut prints"}))
        .await;
    assert_eq!(renamed.body["name"], "Linocut prints");

    // A work in the new leaf counts towards every ancestor.
    let artist = app.artist("lino-artist").await;
    artist.artwork(json!({"category": "linocut", "edition": {"kind": "open"}})).await;
    let tree = anon.get("/api/categories").await;
    let paper = tree.body.as_array().unwrap().iter().find(|c| c["slug"] == "works-on-paper").unwrap();
    assert_eq!(paper["artwork_count"], 1);
    assert_eq!(anon.get("/api/artworks?category=print").await.json::<Page<ArtworkView>>().items.len(), 1);
}

#[tokio::test]
async fn tags_autocomplete_by_prefix_most_used_first() {
    let app = spawn_app().await;
    let artist = app.artist("tag-artist").await;
    artist.artwork(json!({"tags": ["Seascape", "sea", "Boats"]})).await;
    artist.artwork(json!({"tags": ["sea"]})).await;
    let anon = app.anonymous();
    let tags = anon.get("/api/tags?prefix=SEA").await;
    assert_eq!(tags.status, StatusCode::OK);
    assert_eq!(
        tags.body,
        json!([
            {"slug": "sea", "name": "sea", "artwork_count": 2},
            {"slug": "seascape", "name": "Seascape", "artwork_count": 1}
        ])
    );
    assert_eq!(anon.get("/api/tags?prefix=%25").await.status, StatusCode::OK);
    assert_problem(&anon.get("/api/tags?limit=1000").await, StatusCode::UNPROCESSABLE_ENTITY);
}

/// A tag is as private as the works that carry it: one found only on drafts,
/// archived works or works held for review is not listed.
#[tokio::test]
async fn tags_of_works_nobody_may_see_are_not_listed() {
    let app = spawn_app().await;
    let artist = app.artist("private-tags").await;
    artist.artwork(json!({"tags": ["secret-draft"], "status": "draft"})).await;
    let held = artist.artwork(json!({"tags": ["secret-held"]})).await;
    sqlx::query("UPDATE artworks SET held_for_review = true WHERE id = $1::uuid")
        .bind(&held.id)
        .execute(&app.ctx.db)
        .await
        .unwrap();
    artist.artwork(json!({"tags": ["secret-public"]})).await;
    let tags = app.anonymous().get("/api/tags?prefix=secret").await;
    assert_eq!(tags.status, StatusCode::OK);
    assert_eq!(tags.body, json!([{"slug": "secret-public", "name": "secret-public", "artwork_count": 1}]));
}
