use std::collections::BTreeSet;

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use serde_json::Value;

use crate::support::{TestResponse, spawn_app};

/// `web/openapi.json` is what the web's typed client is generated from, so it
/// doubles as the snapshot of the document: any change to the API shows up in
/// review there, and the web's `npm run api:check` fails until its types follow.
#[tokio::test]
async fn the_served_document_is_openapi_3_1_and_matches_the_web_copy() {
    let app = spawn_app().await;
    let response = app.anonymous().get("/api/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = response.body["paths"].as_object().unwrap();
    for path in [
        "/api/auth/register",
        "/api/artworks",
        "/api/artworks/{id}",
        "/api/artists/{id}/follow",
        "/api/me/saves",
        "/.well-known/jwks.json",
    ] {
        assert!(paths.contains_key(path), "{path} missing from the document");
    }
    let web_copy: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/web/openapi.json")).expect("web/openapi.json"),
    )
    .expect("web/openapi.json is JSON");
    assert!(web_copy == response.body, "web/openapi.json is stale: run scripts/api-client and commit the result");
}

#[tokio::test]
async fn every_schema_reference_resolves() {
    let app = spawn_app().await;
    let document = app.anonymous().get("/api/openapi.json").await.body;
    let mut refs = BTreeSet::new();
    collect_refs(&document, &mut refs);
    assert!(!refs.is_empty());
    let missing: Vec<_> = refs
        .iter()
        .filter(|reference| {
            let pointer = reference.strip_prefix('#').expect("only local references");
            document.pointer(pointer).is_none()
        })
        .collect();
    assert!(missing.is_empty(), "dangling references: {missing:?}");
}

fn collect_refs(value: &Value, refs: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                refs.insert(reference.clone());
            }
            map.values().for_each(|v| collect_refs(v, refs));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}

/// The operations of the served document with their method, path and object.
fn operations(document: &Value) -> Vec<(Method, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if let Ok(method) = method.to_uppercase().parse::<Method>() {
                found.push((method, path.clone(), operation.clone()));
            }
        }
    }
    found
}

fn documented(operation: &Value, status: StatusCode) -> bool {
    let responses = &operation["responses"];
    responses.get(status.as_str()).is_some() || (status.is_server_error() && responses.get("5XX").is_some())
}

/// Every path parameter replaced by `value`.
fn with_parameters(path: &str, value: &str) -> String {
    let mut filled = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').unwrap() + start;
        filled.push_str(&rest[..start]);
        filled.push_str(value);
        rest = &rest[end + 1..];
    }
    filled.push_str(rest);
    filled
}

/// The error answers are generated from the operations' shape, so the
/// document is checked against what the server really answers: every
/// operation is sent a body of the wrong type, malformed JSON, an id that is
/// not one, no token and a token that is not one, and each answer must be one
/// the document lists for that operation, with a problem document as its body.
#[tokio::test]
async fn every_operation_documents_the_errors_it_answers_to_malformed_requests() {
    let app = spawn_app().await;
    let document = app.anonymous().get("/api/openapi.json").await.body;
    let collector = app.collector("contract@example.com").await;
    let mut checked = 0;
    for (method, path, operation) in operations(&document) {
        let has_body = operation.get("requestBody").is_some();
        let requirements = operation["security"].as_array().cloned().unwrap_or_default();
        let takes_token = requirements.iter().any(|r| r.get("bearer").is_some());
        // An empty requirement makes the token optional.
        let needs_token = takes_token && !requirements.iter().any(|r| r.as_object().is_some_and(|r| r.is_empty()));
        let id_path = with_parameters(&path, &uuid::Uuid::now_v7().to_string());
        let mut attempts: Vec<(&str, TestResponse)> = Vec::new();
        if has_body {
            let request = Request::builder()
                .method(method.clone())
                .uri(&id_path)
                .header(header::AUTHORIZATION, format!("Bearer {}", collector.access_token()))
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from("not json"))
                .unwrap();
            let response = app.send(request).await;
            assert_eq!(response.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{method} {path} with a text body");
            attempts.push(("a text body", response));
            let request = Request::builder()
                .method(method.clone())
                .uri(&id_path)
                .header(header::AUTHORIZATION, format!("Bearer {}", collector.access_token()))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{"))
                .unwrap();
            let response = app.send(request).await;
            assert_eq!(response.status, StatusCode::BAD_REQUEST, "{method} {path} with malformed JSON");
            attempts.push(("malformed JSON", response));
        }
        if path.contains('{') {
            let body = has_body.then(|| serde_json::json!({}));
            attempts.push((
                "a malformed id",
                collector.send(method.clone(), &with_parameters(&path, "not%20an%20id"), body).await,
            ));
        }
        if needs_token {
            let body = has_body.then(|| serde_json::json!({}));
            let response = app.anonymous().send(method.clone(), &id_path, body).await;
            assert!(
                documented(&operation, response.status),
                "{method} {path} without a token answered {}",
                response.status
            );
            attempts.push(("no token", response));
        }
        if takes_token {
            let body = has_body.then(|| serde_json::json!({}));
            attempts.push((
                "a token that is not one",
                app.bearer("not-a-token").send(method.clone(), &id_path, body).await,
            ));
        }
        for (what, response) in attempts {
            assert!(
                response.status.is_client_error() && documented(&operation, response.status),
                "{method} {path} with {what} answered {}, which its document does not list",
                response.status
            );
            assert_eq!(
                response.header("content-type"),
                Some("application/problem+json"),
                "{method} {path} with {what}"
            );
            checked += 1;
        }
    }
    assert!(checked > 60, "only {checked} answers were checked");
}

/// The idempotency and rate-limit wrappers document what they add: the header
/// once, and the answers they give.
#[tokio::test]
async fn wrapped_operations_document_their_header_and_refusals() {
    let app = spawn_app().await;
    let document = app.anonymous().get("/api/openapi.json").await.body;
    for (method, path) in [
        ("post", "/api/artworks"),
        ("post", "/api/artists"),
        ("post", "/api/categories"),
        ("post", "/api/uploads"),
        ("post", "/api/interactions"),
    ] {
        let operation = &document["paths"][path][method];
        let keys = operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")
            .count();
        assert_eq!(keys, 1, "{method} {path} documents Idempotency-Key {keys} times");
        for status in ["400", "409", "422"] {
            assert!(operation["responses"].get(status).is_some(), "{method} {path} lacks {status}");
        }
    }
    for (method, path) in [
        ("post", "/api/auth/register"),
        ("post", "/api/auth/login"),
        ("post", "/api/auth/refresh"),
        ("get", "/api/search"),
        ("post", "/api/uploads"),
    ] {
        let refusal = &document["paths"][path][method]["responses"]["429"];
        assert!(refusal["headers"].get("Retry-After").is_some(), "{method} {path} lacks 429 with Retry-After");
        assert!(refusal["content"].get("application/problem+json").is_some(), "{method} {path}");
    }
}
