use axum::http::StatusCode;
use serde_json::json;

use crate::support::{ArtistView, UserView, assert_problem, field_errors, spawn_app};

#[tokio::test]
async fn artist_profiles_are_created_once_edited_and_followed() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let lena = app.register("lena@example.com", "artist").await;
    let invalid = lena.post("/api/artists", json!({"slug": "Lena K", "links": ["javascript:alert(1)"]})).await;
    assert_problem(&invalid, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&invalid), ["slug", "links"]);

    let created = lena
        .post(
            "/api/artists",
            json!({
                "slug": "lena-k", "bio": "Woodcuts of northern coasts.", "location": "Bergen",
                "links": ["https://lena.example/portfolio"], "styles": ["Woodcut", "Minimalism"]
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.header("location"), Some("/api/artists/lena-k"));
    let profile: ArtistView = created.json();
    assert_eq!(profile.name, "Test Person");
    assert_eq!(profile.styles, ["woodcut", "minimalism"]);
    assert!(profile.claimed);
    let id = profile.id;
    assert_eq!(lena.get("/api/me").await.json::<UserView>().artist_id, Some(id.clone()));

    assert_problem(&lena.post("/api/artists", json!({"slug": "lena-two"})).await, StatusCode::CONFLICT);
    let other = app.register("other@example.com", "artist").await;
    assert_problem(&other.post("/api/artists", json!({"slug": "lena-k"})).await, StatusCode::CONFLICT);

    let by_id = anon.get(&format!("/api/artists/{id}")).await;
    let by_slug = anon.get("/api/artists/lena-k").await;
    assert_eq!(by_id.body, by_slug.body);
    assert_eq!(by_slug.body["following"], json!(null));

    let edited = lena.patch("/api/artists/lena-k", json!({"bio": "Woodcuts and etchings.", "location": ""})).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.json::<ArtistView>().bio, "Woodcuts and etchings.");
    assert_eq!(edited.body["location"], json!(null));

    let fan = app.collector("fan@example.com").await;
    for _ in 0..2 {
        assert_eq!(fan.put_empty("/api/artists/lena-k/follow").await.status, StatusCode::NO_CONTENT);
    }
    let followed = fan.get("/api/artists/lena-k").await;
    assert_eq!(followed.json::<ArtistView>().follower_count, 1);
    assert_eq!(followed.body["following"], true);
    assert_eq!(fan.delete("/api/artists/lena-k/follow").await.status, StatusCode::NO_CONTENT);
    assert_eq!(fan.get("/api/artists/lena-k").await.json::<ArtistView>().follower_count, 0);
    assert_problem(&anon.get("/api/artists/nobody-here").await, StatusCode::NOT_FOUND);
}
