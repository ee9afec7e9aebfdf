use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn interactions_are_remembered_and_saves_listed() {
    let app = spawn_app().await;
    let artist = app.artist("saved-artist").await;
    let first = app.artwork(&artist, json!({"title": "First"})).await;
    let second = app.artwork(&artist, json!({"title": "Second"})).await;
    let draft = app.artwork(&artist, json!({"title": "Draft", "status": "draft"})).await;
    let (collector, _, user_id) = app.register("saver@example.com", "collector").await;

    for (artwork, kind) in [(&first, "view"), (&first, "save"), (&second, "save"), (&second, "save"), (&first, "like")] {
        let response = app.post("/api/interactions", Some(&collector), json!({"artwork_id": artwork["id"], "kind": kind})).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
        assert_eq!(response.body["kind"], kind);
    }
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind::text FROM interactions WHERE user_id = $1 ORDER BY id")
        .bind(user_id)
        .fetch_all(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(kinds, ["view", "save", "save", "save", "like"]);

    let saves = app.get("/api/me/saves", Some(&collector)).await;
    let titles: Vec<&str> = saves.body["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Second", "First"]);

    let unsave = app.call(Method::DELETE, &format!("/api/me/saves/{}", second["id"].as_str().unwrap()), Some(&collector), None).await;
    assert_eq!(unsave.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/me/saves", Some(&collector)).await.body["items"].as_array().unwrap().len(), 1);

    let hidden = app.post("/api/interactions", Some(&collector), json!({"artwork_id": draft["id"], "kind": "like"})).await;
    assert_problem(&hidden, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = app.post("/api/interactions", Some(&collector), json!({"artwork_id": uuid::Uuid::now_v7(), "kind": "like"})).await;
    assert_problem(&unknown, StatusCode::UNPROCESSABLE_ENTITY);
    let purchase = app.post("/api/interactions", Some(&collector), json!({"artwork_id": first["id"], "kind": "purchase"})).await;
    assert_problem(&purchase, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&app.get("/api/me/saves", None).await, StatusCode::UNAUTHORIZED);
}
