use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{assert_problem, field_errors, spawn_app};

#[tokio::test]
async fn artist_profiles_are_created_once_edited_and_followed() {
    let app = spawn_app().await;
    let (token, _, _) = app.register("lena@example.com", "artist").await;
    let invalid =
        app.post("/api/artists", Some(&token), json!({"slug": "Lena K", "links": ["javascript:alert(1)"]})).await;
    assert_problem(&invalid, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&invalid), ["slug", "links"]);

    let created = app
        .post(
            "/api/artists",
            Some(&token),
            json!({
                "slug": "lena-k", "bio": "Woodcuts of northern coasts.", "location": "Bergen",
                "links": ["https://lena.example/portfolio"], "styles": ["Woodcut", "Minimalism"]
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.header("location"), Some("/api/artists/lena-k"));
    assert_eq!(created.body["name"], "Test Person");
    assert_eq!(created.body["styles"], json!(["woodcut", "minimalism"]));
    assert_eq!(created.body["claimed"], true);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/me", Some(&token)).await.body["artist_id"], id);

    assert_problem(&app.post("/api/artists", Some(&token), json!({"slug": "lena-two"})).await, StatusCode::CONFLICT);
    let other = app.register("other@example.com", "artist").await.0;
    assert_problem(&app.post("/api/artists", Some(&other), json!({"slug": "lena-k"})).await, StatusCode::CONFLICT);

    let by_id = app.get(&format!("/api/artists/{id}"), None).await;
    let by_slug = app.get("/api/artists/lena-k", None).await;
    assert_eq!(by_id.body, by_slug.body);
    assert_eq!(by_slug.body["following"], json!(null));

    let edited = app
        .call(
            Method::PATCH,
            "/api/artists/lena-k",
            Some(&token),
            Some(json!({"bio": "Woodcuts and etchings.", "location": ""})),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.body["bio"], "Woodcuts and etchings.");
    assert_eq!(edited.body["location"], json!(null));

    let (fan, _, _) = app.register("fan@example.com", "collector").await;
    for _ in 0..2 {
        assert_eq!(
            app.call(Method::PUT, "/api/artists/lena-k/follow", Some(&fan), None).await.status,
            StatusCode::NO_CONTENT
        );
    }
    let followed = app.get("/api/artists/lena-k", Some(&fan)).await;
    assert_eq!(followed.body["follower_count"], 1);
    assert_eq!(followed.body["following"], true);
    assert_eq!(
        app.call(Method::DELETE, "/api/artists/lena-k/follow", Some(&fan), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get("/api/artists/lena-k", Some(&fan)).await.body["follower_count"], 0);
    assert_problem(&app.get("/api/artists/nobody-here", None).await, StatusCode::NOT_FOUND);
}
