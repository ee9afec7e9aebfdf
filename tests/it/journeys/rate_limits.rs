//! Token-bucket rate limits on search, the auth routes, interactions, the feed
//! and upload creation: 429 problem documents with Retry-After once a burst is
//! spent, per address for anonymous callers and on routes that never
//! authenticate, per user and per address for signed-in ones.

use atelier::platform::http::ClientIp;
use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use serde_json::{Value, json};

use crate::support::{Caller, TestResponse, assert_problem, spawn_app_with};

/// Refills so slowly that nothing comes back during a test.
const SLOW: &str = "0.01";

/// A request from `who` as if it came from the address `ip`.
async fn call_from(who: &Caller<'_>, ip: &str, method: Method, path: &str, body: Option<Value>) -> TestResponse {
    let mut request = Request::builder().method(method).uri(path).extension(ClientIp(ip.to_owned()));
    if let Some(token) = who.token() {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = match body {
        Some(body) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::to_vec(&body).unwrap()))
            .unwrap(),
        None => request.body(Body::empty()).unwrap(),
    };
    who.app.send(request).await
}

async fn search_from(who: &Caller<'_>, ip: &str) -> TestResponse {
    call_from(who, ip, Method::GET, "/api/search?q=harbour&mode=keyword", None).await
}

fn assert_rate_limited(response: &TestResponse, max_wait_secs: u64) {
    let problem = assert_problem(response, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(problem.kind, "/problems/rate-limited");
    let wait: u64 = response.header("retry-after").expect("a Retry-After header").parse().expect("whole seconds");
    assert!((1..=max_wait_secs).contains(&wait), "Retry-After: {wait}");
}

#[tokio::test]
async fn search_is_rate_limited_per_address_after_its_burst() {
    let ip_bucket = format!("3,{SLOW}");
    let app = spawn_app_with(&[("RATE_LIMIT_SEARCH_IP", &ip_bucket)]).await;
    let anon = app.anonymous();
    for n in 0..3 {
        let response = search_from(&anon, "203.0.113.7").await;
        assert_eq!(response.status, StatusCode::OK, "search {n}: {}", response.body);
    }
    let refused = search_from(&anon, "203.0.113.7").await;
    // One token per 100 seconds.
    assert_rate_limited(&refused, 100);
    // Another address has its own bucket.
    assert_eq!(search_from(&anon, "198.51.100.20").await.status, StatusCode::OK);
    assert_rate_limited(&search_from(&anon, "203.0.113.7").await, 100);
}

#[tokio::test]
async fn signed_in_callers_spend_their_own_bucket_and_their_address_a_shared_one() {
    // Each user may search twice; the address's signed-in people, twice two.
    let (ip_bucket, user_bucket) = (format!("3,{SLOW}"), format!("2,{SLOW}"));
    let app = spawn_app_with(&[
        ("RATE_LIMIT_SEARCH_IP", &ip_bucket),
        ("RATE_LIMIT_SEARCH_USER", &user_bucket),
        ("RATE_LIMIT_USERS_PER_ADDRESS", "2"),
    ])
    .await;
    let anon = app.anonymous();
    let ada = app.collector("ada@example.com").await;
    let bea = app.collector("bea@example.com").await;
    let cy = app.collector("cy@example.com").await;
    let office = "192.0.2.44";
    for _ in 0..2 {
        assert_eq!(search_from(&ada, office).await.status, StatusCode::OK);
    }
    assert_rate_limited(&search_from(&ada, office).await, 100);
    // A colleague behind the same address is not held back by Ada...
    assert_eq!(search_from(&bea, office).await.status, StatusCode::OK);
    // ...and anonymous callers there have their own budget, which spending
    // does not touch the signed-in people's.
    for _ in 0..3 {
        assert_eq!(search_from(&anon, office).await.status, StatusCode::OK);
    }
    assert_rate_limited(&search_from(&anon, office).await, 100);
    assert_eq!(search_from(&bea, office).await.status, StatusCode::OK);
    // The address's signed-in allowance is now spent: another account there,
    // however fresh, brings no new allowance, while it may search elsewhere.
    assert_rate_limited(&search_from(&cy, office).await, 100);
    assert_eq!(search_from(&cy, "198.51.100.21").await.status, StatusCode::OK);
}

/// Sign-up, sign-in and refresh never authenticate, so a valid token sent to
/// them changes nothing: they spend the address's budget, and one address
/// cannot register without limit by presenting each new account's token.
#[tokio::test]
async fn a_token_does_not_lift_the_sign_up_limit_of_an_address() {
    let auth_bucket = format!("3,{SLOW}");
    let app = spawn_app_with(&[("RATE_LIMIT_AUTH_IP", &auth_bucket)]).await;
    let ip = "203.0.113.61";
    let mut holder = app.anonymous();
    for n in 0..3 {
        let register = json!({"email": format!("m{n}@example.com"), "password": "violet-harbour-mosaic-42", "display_name": "M", "role": "collector"});
        let created = call_from(&holder, ip, Method::POST, "/api/auth/register", Some(register)).await;
        assert_eq!(created.status, StatusCode::CREATED, "sign-up {n}: {}", created.body);
        holder = app.bearer(created.body["access_token"].as_str().unwrap());
    }
    let register = json!({"email": "m9@example.com", "password": "violet-harbour-mosaic-42", "display_name": "M", "role": "collector"});
    assert_rate_limited(&call_from(&holder, ip, Method::POST, "/api/auth/register", Some(register)).await, 1000);
    let (accounts,): (i64,) = sqlx::query_as("SELECT count(*) FROM users").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(accounts, 3);
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_address_even_with_the_right_password() {
    let auth_bucket = format!("4,{SLOW}");
    let app = spawn_app_with(&[("RATE_LIMIT_AUTH_IP", &auth_bucket)]).await;
    let anon = app.anonymous();
    // Registration spends from the same budget as sign-in.
    let register = json!({"email": "cy@example.com", "password": "violet-harbour-mosaic-42", "display_name": "Cy", "role": "collector"});
    let login = json!({"email": "cy@example.com", "password": "violet-harbour-mosaic-42"});
    let ip = "203.0.113.90";
    assert_eq!(
        call_from(&anon, ip, Method::POST, "/api/auth/register", Some(register)).await.status,
        StatusCode::CREATED
    );
    for n in 0..3 {
        let response = call_from(&anon, ip, Method::POST, "/api/auth/login", Some(login.clone())).await;
        assert_eq!(response.status, StatusCode::OK, "sign-in {n}: {}", response.body);
    }
    let refused = call_from(&anon, ip, Method::POST, "/api/auth/login", Some(login.clone())).await;
    assert_rate_limited(&refused, 100);
    assert!(refused.header("set-cookie").is_none(), "a refused sign-in started a session");
    let refresh = call_from(&anon, ip, Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": "x"}))).await;
    assert_rate_limited(&refresh, 100);
    let elsewhere = call_from(&anon, "198.51.100.3", Method::POST, "/api/auth/login", Some(login)).await;
    assert_eq!(elsewhere.status, StatusCode::OK);
    // Routes outside the budget are unaffected.
    assert_eq!(call_from(&anon, ip, Method::GET, "/.well-known/jwks.json", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn upload_creation_is_rate_limited_per_user() {
    let user_bucket = format!("2,{SLOW}");
    let app = spawn_app_with(&[("RATE_LIMIT_UPLOADS_USER", &user_bucket)]).await;
    let artist = app.artist("marlow").await;
    let artwork = artist.artwork(json!({"status": "draft"})).await;
    let upload =
        json!({"artwork_id": artwork.id, "filename": "a.jpg", "content_type": "image/jpeg", "size_bytes": 1000});
    for _ in 0..2 {
        let response = artist.post("/api/uploads", upload.clone()).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    }
    assert_rate_limited(&artist.post("/api/uploads", upload.clone()).await, 100);
    // Reading uploads is not limited.
    let listed = artist.get(&format!("/api/uploads?artwork_id={}", artwork.id.as_str())).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM uploads").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(count, 2);
}

/// With the key-value store unreachable (here: a DynamoDB table that does not
/// exist), limits let requests through rather than take the routes down, while
/// a request that asked for idempotency is refused with a retryable 503 rather
/// than risk running twice.
#[tokio::test]
async fn a_failing_store_lets_limited_requests_through_but_not_keyed_ones() {
    let moto = crate::contracts::standins::moto_url();
    let table = crate::contracts::standins::unique("missing");
    let app = spawn_app_with(&[
        ("KV_BACKEND", "dynamodb"),
        ("DYNAMODB_TABLE", &table),
        ("DYNAMODB_ENDPOINT_URL", &moto),
        ("RATE_LIMIT_SEARCH_IP", "1,0.01"),
    ])
    .await;
    let anon = app.anonymous();
    for _ in 0..3 {
        assert_eq!(search_from(&anon, "203.0.113.7").await.status, StatusCode::OK);
    }
    let artist = app.artist("harbour").await;
    let body = json!({
        "title": "Harbour at Dusk", "description": "Oil study of fishing boats returning at dusk.", "medium": "Oil on linen",
        "category": "painting", "edition": {"kind": "unique"}, "price": {"amount_minor": 1000, "currency": "GBP"}
    });
    let keyed = artist.with_header("idempotency-key", "k").post("/api/artworks", body).await;
    assert_problem(&keyed, StatusCode::SERVICE_UNAVAILABLE);
    let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM artworks").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(count, 0);
}
