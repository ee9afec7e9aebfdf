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

    for (artwork, kind) in [(&first, "view"), (&first, "save"), (&second, "save"), (&second, "save"), (&first, "like")]
    {
        let response =
            app.post("/api/interactions", Some(&collector), json!({"artwork_id": artwork["id"], "kind": kind})).await;
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
    let titles: Vec<&str> =
        saves.body["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Second", "First"]);

    let unsave = app
        .call(Method::DELETE, &format!("/api/me/saves/{}", second["id"].as_str().unwrap()), Some(&collector), None)
        .await;
    assert_eq!(unsave.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/me/saves", Some(&collector)).await.body["items"].as_array().unwrap().len(), 1);

    let hidden =
        app.post("/api/interactions", Some(&collector), json!({"artwork_id": draft["id"], "kind": "like"})).await;
    assert_problem(&hidden, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = app
        .post("/api/interactions", Some(&collector), json!({"artwork_id": uuid::Uuid::now_v7(), "kind": "like"}))
        .await;
    assert_problem(&unknown, StatusCode::UNPROCESSABLE_ENTITY);
    let purchase =
        app.post("/api/interactions", Some(&collector), json!({"artwork_id": first["id"], "kind": "purchase"})).await;
    assert_problem(&purchase, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&app.get("/api/me/saves", None).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_like_can_be_looked_up_and_taken_back() {
    let app = spawn_app().await;
    let artist = app.artist("liked-artist").await;
    let liked = app.artwork(&artist, json!({"title": "Liked"})).await;
    let other = app.artwork(&artist, json!({"title": "Other"})).await;
    let (collector, _, user_id) = app.register("liker@example.com", "collector").await;
    let (someone_else, _, _) = app.register("bystander@example.com", "collector").await;
    let id = liked["id"].as_str().unwrap();
    for (token, artwork, kind) in [
        (&collector, &liked, "view"),
        (&collector, &liked, "like"),
        (&collector, &other, "like"),
        (&someone_else, &liked, "like"),
    ] {
        let response =
            app.post("/api/interactions", Some(token), json!({"artwork_id": artwork["id"], "kind": kind})).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    }
    let kinds_with = |token: String| {
        let app = &app;
        async move {
            let response = app.get(&format!("/api/me/interactions?artwork_id={id}"), Some(&token)).await;
            assert_eq!(response.status, StatusCode::OK, "{}", response.body);
            let entries = response.body.as_array().unwrap().clone();
            assert!(entries.iter().all(|e| e["artwork_id"] == id), "{entries:?}");
            entries.iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
        }
    };
    assert_eq!(kinds_with(collector.clone()).await, ["like", "view"]);

    // The taste is learnt again without the like.
    sqlx::query("UPDATE user_taste SET stale = false WHERE user_id = $1")
        .bind(user_id)
        .execute(&app.ctx.db)
        .await
        .unwrap();
    let unlike = app.call(Method::DELETE, &format!("/api/me/likes/{id}"), Some(&collector), None).await;
    assert_eq!(unlike.status, StatusCode::NO_CONTENT);
    let stale: bool = sqlx::query_scalar("SELECT stale FROM user_taste WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
    assert!(stale);
    assert_eq!(kinds_with(collector.clone()).await, ["view"]);
    let again = app.call(Method::DELETE, &format!("/api/me/likes/{id}"), Some(&collector), None).await;
    assert_eq!(again.status, StatusCode::NO_CONTENT, "taking back a like twice is the same as once");

    // Only that like of that collector went.
    let other_kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind::text FROM interactions WHERE user_id = $1 AND artwork_id = $2")
            .bind(user_id)
            .bind(other["id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap())
            .fetch_all(&app.ctx.db)
            .await
            .unwrap();
    assert_eq!(other_kinds, ["like"]);
    assert_eq!(kinds_with(someone_else.clone()).await, ["like"]);
    assert_problem(
        &app.call(Method::DELETE, &format!("/api/me/likes/{id}"), None, None).await,
        StatusCode::UNAUTHORIZED,
    );
    assert_problem(
        &app.get("/api/me/interactions?artwork_id=not-an-id", Some(&collector)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
}
