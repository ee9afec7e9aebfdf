use axum::http::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_served_document_is_openapi_3_1_and_matches_the_snapshot() {
    let app = spawn_app().await;
    let response = app.get("/api/openapi.json", None).await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = response.body["paths"].as_object().unwrap();
    for path in ["/api/auth/register", "/api/artworks", "/api/artworks/{id}", "/api/artists/{id}/follow", "/api/me/saves", "/.well-known/jwks.json"] {
        assert!(paths.contains_key(path), "{path} missing from the document");
    }
    insta::assert_json_snapshot!("openapi", response.body);
}
