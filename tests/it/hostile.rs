//! Whatever a client sends, the answer is a clean 4xx problem document.

use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use serde_json::json;

use crate::helpers::{assert_problem, field_errors, spawn_app};

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

    let unknown_field = app
        .post(register, None, json!({"email": "a@example.com", "password": "violet-harbour-mosaic-42", "display_name": "A", "role": "collector", "is_admin": true}))
        .await;
    assert_problem(&unknown_field, StatusCode::UNPROCESSABLE_ENTITY);
    let wrong_shape = app.post(register, None, json!({"email": 42})).await;
    assert_problem(&wrong_shape, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&wrong_shape), ["email"]);
    let not_an_object = app.post(register, None, json!([1, 2, 3])).await;
    assert_problem(&not_an_object, StatusCode::UNPROCESSABLE_ENTITY);

    assert_problem(&app.get("/api/artworks/not-a-uuid", None).await, StatusCode::BAD_REQUEST);
    assert_problem(&app.get(&format!("/api/artworks/{}", uuid::Uuid::now_v7()), None).await, StatusCode::NOT_FOUND);
    assert_problem(&app.get("/api/no/such/route", None).await, StatusCode::NOT_FOUND);
    assert_problem(&app.call(Method::PUT, "/api/artworks", None, None).await, StatusCode::METHOD_NOT_ALLOWED);
    assert_problem(&app.get("/api/artworks?limit=0", None).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&app.get("/api/artworks?limit=101", None).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&app.get("/api/artworks?limit=abc", None).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(
        &app.get("/api/artworks?min_price=99999999999999999999999", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_problem(&app.get("/api/artworks?surprise=1", None).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&app.get("/api/artworks?currency=XXXX", None).await, StatusCode::UNPROCESSABLE_ENTITY);

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
    let artist = app.legacy_artist("hostile-artist").await;
    let nul = app
        .post(
            "/api/artworks",
            Some(&artist),
            json!({
                "title": "Nul\u{0000}title", "category": "painting", "edition": {"kind": "unique"},
                "price": {"amount_minor": 1, "currency": "GBP"}
            }),
        )
        .await;
    assert_problem(&nul, StatusCode::UNPROCESSABLE_ENTITY);
    let overflow = app
        .post(
            "/api/artworks",
            Some(&artist),
            json!({
                "title": "Big", "category": "painting", "edition": {"kind": "limited", "size": 1e12, "available": 1},
                "price": {"amount_minor": 1, "currency": "GBP"}
            }),
        )
        .await;
    assert_problem(&overflow, StatusCode::UNPROCESSABLE_ENTITY);
    let big_price = app
        .post(
            "/api/artworks",
            Some(&artist),
            json!({
                "title": "Big", "category": "painting", "edition": {"kind": "unique"},
                "price": {"amount_minor": i64::MAX, "currency": "GBP"}
            }),
        )
        .await;
    assert_problem(&big_price, StatusCode::UNPROCESSABLE_ENTITY);

    let nul_login = app.post("/api/auth/login", None, json!({"email": "a\u{0000}@example.com", "password": "x"})).await;
    assert!(nul_login.status.is_client_error(), "{}", nul_login.status);
    assert!(app.get("/api/artists/%00", None).await.status.is_client_error());
    assert!(app.get("/api/artworks?artist=%00", None).await.status.is_client_error());

    // The service is still healthy after all of that.
    assert_eq!(app.get("/api/health", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn responses_carry_request_ids() {
    let app = spawn_app().await;
    let generated = app.get("/api/health", None).await;
    assert_eq!(generated.body["status"], "ok");
    assert!(uuid::Uuid::parse_str(generated.header("x-request-id").unwrap()).is_ok());
    let echoed = app.call_with(Method::GET, "/api/health", None, None, &[("x-request-id", "trace-me-123")]).await;
    assert_eq!(echoed.header("x-request-id"), Some("trace-me-123"));
}
