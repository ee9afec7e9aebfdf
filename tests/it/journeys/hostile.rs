//! Whatever a client sends, the answer is a clean 4xx problem document.

use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use serde_json::json;

use crate::support::{assert_problem, field_errors, spawn_app};

fn raw(method: Method, path: &str, content_type: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(content_type) = content_type {
        builder = builder.header("content-type", content_type);
    }
    builder.body(body.into()).unwrap()
}

#[tokio::test]
async fn malformed_requests_get_clean_client_errors() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let register = "/api/auth/register";

    let syntax = app.send(raw(Method::POST, register, Some("application/json"), "{\"email\": ")).await;
    assert_problem(&syntax, StatusCode::BAD_REQUEST);

    let wrong_type = app.send(raw(Method::POST, register, Some("text/plain"), "{}")).await;
    assert_problem(&wrong_type, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let no_type = app.send(raw(Method::POST, register, None, "{}")).await;
    assert_problem(&no_type, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let huge = format!("{{\"email\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let oversized = app.send(raw(Method::POST, register, Some("application/json"), huge)).await;
    assert_problem(&oversized, StatusCode::PAYLOAD_TOO_LARGE);

    let unknown_field = anon
        .post(
            register,
            json!({"email": "a@example.com", "password": "violet-harbour-mosaic-42", "display_name": "A", "role": "collector", "is_admin": true}),
        )
        .await;
    assert_problem(&unknown_field, StatusCode::UNPROCESSABLE_ENTITY);
    let wrong_shape = anon.post(register, json!({"email": 42})).await;
    assert_problem(&wrong_shape, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&wrong_shape), ["email"]);
    let not_an_object = anon.post(register, json!([1, 2, 3])).await;
    assert_problem(&not_an_object, StatusCode::UNPROCESSABLE_ENTITY);

    assert_problem(&anon.get("/api/artworks/not-a-uuid").await, StatusCode::BAD_REQUEST);
    assert_problem(&anon.get(&format!("/api/artworks/{}", uuid::Uuid::now_v7())).await, StatusCode::NOT_FOUND);
    assert_problem(&anon.get("/api/no/such/route").await, StatusCode::NOT_FOUND);
    assert_problem(&anon.put_empty("/api/artworks").await, StatusCode::METHOD_NOT_ALLOWED);
    assert_problem(&anon.get("/api/artworks?limit=0").await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&anon.get("/api/artworks?limit=101").await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&anon.get("/api/artworks?limit=abc").await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(
        &anon.get("/api/artworks?min_price=99999999999999999999999").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_problem(&anon.get("/api/artworks?surprise=1").await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&anon.get("/api/artworks?currency=XXXX").await, StatusCode::UNPROCESSABLE_ENTITY);

    let bad_header = app
        .send(
            Request::builder()
                .uri("/api/me")
                .header("authorization", "Basic Zm9vOmJhcg==")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_problem(&bad_header, StatusCode::UNAUTHORIZED);
    let bad_refresh = app.send(raw(Method::POST, "/api/auth/refresh", Some("application/json"), "not json")).await;
    assert_problem(&bad_refresh, StatusCode::BAD_REQUEST);
    let refresh_wrong_type = app.send(raw(Method::POST, "/api/auth/refresh", Some("text/plain"), "token")).await;
    assert_problem(&refresh_wrong_type, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Text that is valid JSON but hostile to the database: NUL bytes, huge numbers.
    let artist = app.artist("hostile-artist").await;
    let nul = artist
        .post(
            "/api/artworks",
            json!({
                "title": "Nul\u{0000}title", "category": "painting", "edition": {"kind": "unique"},
                "price": {"amount_minor": 1, "currency": "GBP"}
            }),
        )
        .await;
    assert_problem(&nul, StatusCode::UNPROCESSABLE_ENTITY);
    let overflow = artist
        .post(
            "/api/artworks",
            json!({
                "title": "Big", "category": "painting", "edition": {"kind": "limited", "size": 1e12, "available": 1},
                "price": {"amount_minor": 1, "currency": "GBP"}
            }),
        )
        .await;
    assert_problem(&overflow, StatusCode::UNPROCESSABLE_ENTITY);
    let big_price = artist
        .post(
            "/api/artworks",
            json!({
                "title": "Big", "category": "painting", "edition": {"kind": "unique"},
                "price": {"amount_minor": i64::MAX, "currency": "GBP"}
            }),
        )
        .await;
    assert_problem(&big_price, StatusCode::UNPROCESSABLE_ENTITY);

    let nul_login = anon.post("/api/auth/login", json!({"email": "a\u{0000}@example.com", "password": "x"})).await;
    assert!(nul_login.status.is_client_error(), "{}", nul_login.status);
    assert!(anon.get("/api/artists/%00").await.status.is_client_error());
    assert!(anon.get("/api/artworks?artist=%00").await.status.is_client_error());

    // The service is still healthy after all of that.
    assert_eq!(anon.get("/api/health").await.status, StatusCode::OK);
}

#[tokio::test]
async fn responses_carry_request_ids() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let generated = anon.get("/api/health").await;
    assert_eq!(generated.body["status"], "ok");
    assert!(uuid::Uuid::parse_str(generated.header("x-request-id").unwrap()).is_ok());
    let echoed = anon.with_header("x-request-id", "trace-me-123").get("/api/health").await;
    assert_eq!(echoed.header("x-request-id"), Some("trace-me-123"));
}

/// A constraint a client trips without a precise mapping is answered by what
/// it means (a duplicate, a dangling reference, a broken rule), never by the
/// schema's names for it.
#[tokio::test]
async fn constraint_violations_do_not_name_the_schema() {
    use atelier::platform::http::error::ApiError;
    use axum::response::IntoResponse;

    let app = spawn_app().await;
    let db = &app.ctx.db;
    let duplicate = sqlx::query("INSERT INTO categories (id, slug, name) VALUES ($1, 'painting', 'Again')")
        .bind(uuid::Uuid::now_v7())
        .execute(db)
        .await
        .unwrap_err();
    let dangling = sqlx::query("INSERT INTO saves (user_id, artwork_id) VALUES ($1, $2)")
        .bind(uuid::Uuid::now_v7())
        .bind(uuid::Uuid::now_v7())
        .execute(db)
        .await
        .unwrap_err();
    let broken = sqlx::query("INSERT INTO categories (id, slug, name) VALUES ($1, 'Not A Slug', 'X')")
        .bind(uuid::Uuid::now_v7())
        .execute(db)
        .await
        .unwrap_err();
    for (error, status) in [
        (duplicate, StatusCode::CONFLICT),
        (dangling, StatusCode::UNPROCESSABLE_ENTITY),
        (broken, StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let response = ApiError::from(error).into_response();
        assert_eq!(response.status(), status);
        let body = axum::body::to_bytes(response.into_body(), 64 * 1024).await.unwrap();
        let text = String::from_utf8_lossy(&body);
        for schema_word in ["categories", "saves", "_key", "_fkey", "_check", "slug", "user_id", "constraint"] {
            assert!(!text.contains(schema_word), "{schema_word:?} leaked: {text}");
        }
    }
}
