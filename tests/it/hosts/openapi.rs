use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::Value;

use crate::support::spawn_app;

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
