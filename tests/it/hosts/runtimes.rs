//! The same request through the three hosts — in-process router (the local
//! server's), the Vercel function binary under its runtime, and the Lambda function
//! binary under a Runtime API emulator — gives the same response.

use std::{
    collections::VecDeque,
    net::SocketAddr,
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    routing::{get, post},
};
use serde_json::{Value, json};
use tokio::sync::{Notify, oneshot};

use crate::support::{Killed, TestApp, free_port, spawn_app};

pub fn host_env(app: &TestApp) -> Vec<(&'static str, String)> {
    vec![
        ("DATABASE_URL", app.database_url.clone()),
        ("JWT_SIGNING_KEY", app.signing_key_pem.clone()),
        ("DATABASE_MAX_CONNECTIONS", "2".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
    ]
}

/// Callers waiting for the reply to the event with their request id.
type Waiting = Vec<(String, oneshot::Sender<Value>)>;

/// Just enough of the Lambda Runtime API to run one function: hand out queued
/// events on `next`, collect what the function posts back.
#[derive(Clone, Default)]
pub struct RuntimeApi {
    events: Arc<Mutex<VecDeque<(String, Value)>>>,
    arrived: Arc<Notify>,
    replies: Arc<Mutex<Waiting>>,
}

async fn next_event(State(api): State<RuntimeApi>) -> impl IntoResponse {
    loop {
        if let Some((id, event)) = api.events.lock().unwrap().pop_front() {
            let mut headers = HeaderMap::new();
            headers.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
            let deadline = chrono::Utc::now().timestamp_millis() + 30_000;
            headers.insert("lambda-runtime-deadline-ms", deadline.to_string().parse().unwrap());
            headers.insert(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:http-artworks".parse().unwrap(),
            );
            headers.insert("lambda-runtime-trace-id", "Root=1-5759e988-bd862e3fe1be46a994272793".parse().unwrap());
            return (headers, Json(event));
        }
        api.arrived.notified().await;
    }
}

async fn invocation_reply(
    State(api): State<RuntimeApi>,
    Path((id, _kind)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> StatusCode {
    let body: Value =
        serde_json::from_slice(&body).unwrap_or_else(|_| json!({"unparseable": String::from_utf8_lossy(&body)}));
    let mut replies = api.replies.lock().unwrap();
    if let Some(position) = replies.iter().position(|(waiting, _)| *waiting == id) {
        let (_, sender) = replies.remove(position);
        let _ = sender.send(body);
    }
    StatusCode::ACCEPTED
}

impl RuntimeApi {
    pub async fn invoke(&self, event: Value) -> Value {
        let id = uuid::Uuid::now_v7().to_string();
        let (sender, receiver) = oneshot::channel();
        self.replies.lock().unwrap().push((id.clone(), sender));
        self.events.lock().unwrap().push_back((id, event));
        self.arrived.notify_waiters();
        self.arrived.notify_one();
        tokio::time::timeout(Duration::from_secs(60), receiver).await.expect("the function answered").unwrap()
    }
}

/// An API Gateway HTTP API (payload v2) event, shaped like the samples AWS publishes.
pub fn http_api_event(path: &str, query: &str) -> Value {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"accept": "application/json", "host": "api.example.com", "user-agent": "host-parity-test", "x-forwarded-for": "203.0.113.9"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "api.example.com", "domainPrefix": "api",
            "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9", "userAgent": "host-parity-test"},
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "routeKey": "$default", "stage": "$default",
            "time": "24/Nov/2026:12:00:00 +0000", "timeEpoch": 1_795_000_000_000_i64
        },
        "isBase64Encoded": false
    })
}

/// Serves the Runtime API emulator on a free port.
pub async fn start_runtime_api() -> (RuntimeApi, SocketAddr) {
    let runtime = RuntimeApi::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next_event))
        .route("/2018-06-01/runtime/invocation/{id}/{kind}", post(invocation_reply))
        .with_state(runtime.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (runtime, addr)
}

/// A Lambda function binary with the variables the Lambda service sets.
pub fn lambda_command(binary: &str, function_name: &str, runtime_addr: SocketAddr) -> Command {
    let mut command = Command::new(binary);
    command
        .env("AWS_LAMBDA_RUNTIME_API", runtime_addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", function_name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "test")
        .env("AWS_REGION", "us-east-1");
    command
}

async fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nothing listened on {port}");
}

#[tokio::test]
async fn local_vercel_and_lambda_hosts_answer_alike() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let artist = app.artist("three-hosts").await;
    let artwork = artist.artwork(json!({"title": "Seen from three hosts"})).await;
    let id = artwork.id.as_str();
    let requests = [
        (format!("/api/artworks/{id}"), String::new()),
        ("/api/artworks".to_owned(), "limit=5&category=painting".to_owned()),
        (format!("/api/artworks/{}", uuid::Uuid::now_v7()), String::new()),
        ("/api/artworks".to_owned(), "limit=1000".to_owned()),
    ];

    // Vercel: the real function binary under vercel_runtime, on its dev port.
    let vercel_port = free_port();
    let _vercel = Killed(
        Command::new(env!("CARGO_BIN_EXE_artworks"))
            .envs(host_env(&app))
            .env("VERCEL_DEV_PORT", vercel_port.to_string())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );

    // Lambda: the real function binary polling our Runtime API emulator.
    let (runtime, runtime_addr) = start_runtime_api().await;
    let _lambda = Killed(
        lambda_command(env!("CARGO_BIN_EXE_http-artworks"), "http-artworks", runtime_addr)
            .envs(host_env(&app))
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(vercel_port).await;
    let client = reqwest::Client::new();

    for (path, query) in &requests {
        let uri = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
        let local = anon.get(&uri).await;

        let vercel = client.get(format!("http://127.0.0.1:{vercel_port}{uri}")).send().await.unwrap();
        let vercel_status = vercel.status().as_u16();
        let vercel_type = vercel.headers()["content-type"].to_str().unwrap().to_owned();
        let vercel_etag = vercel.headers().get("etag").map(|v| v.to_str().unwrap().to_owned());
        let vercel_body: Value = vercel.json().await.unwrap();

        let lambda = runtime.invoke(http_api_event(path, query)).await;
        let lambda_body: Value = serde_json::from_str(lambda["body"].as_str().unwrap()).unwrap();

        assert_eq!(local.status.as_u16(), vercel_status, "{uri} status on Vercel");
        assert_eq!(local.status.as_u16(), lambda["statusCode"], "{uri} status on Lambda");
        assert_eq!(local.header("content-type").unwrap(), vercel_type, "{uri} content type on Vercel");
        assert_eq!(
            local.header("content-type").unwrap(),
            lambda["headers"]["content-type"],
            "{uri} content type on Lambda"
        );
        assert_eq!(local.header("etag").map(str::to_owned), vercel_etag, "{uri} etag on Vercel");
        assert_eq!(local.header("etag"), lambda["headers"]["etag"].as_str(), "{uri} etag on Lambda");
        assert_eq!(local.body, vercel_body, "{uri} body on Vercel");
        assert_eq!(local.body, lambda_body, "{uri} body on Lambda");
    }
}

/// The built web site as the local server serves it: files first, then the
/// dynamic pages by their placeholder export, then 404.html with a 404.
#[tokio::test]
async fn the_local_site_serves_dynamic_pages_from_their_placeholder_export() {
    use axum::{body::Body, http::Request};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let dir = tempfile::tempdir().unwrap();
    for (path, text) in [
        ("index.html", "home"),
        ("404.html", "no such page"),
        ("about/index.html", "about"),
        ("artworks/_/index.html", "an artwork"),
        ("artists/_/index.html", "an artist"),
    ] {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let site = atelier::hosts::static_site(dir.path(), &[], Default::default());
    let artwork = format!("/artworks/{}", uuid::Uuid::now_v7());
    let artwork_linked = format!("{artwork}/");
    for (path, status, body) in [
        (artwork.as_str(), StatusCode::OK, "an artwork"),
        (artwork_linked.as_str(), StatusCode::OK, "an artwork"),
        ("/artists/hokusai-studio", StatusCode::OK, "an artist"),
        ("/artists/01900000-0000-7000-8000-000000000001", StatusCode::OK, "an artist"),
        ("/", StatusCode::OK, "home"),
        ("/about/", StatusCode::OK, "about"),
        ("/nowhere", StatusCode::NOT_FOUND, "no such page"),
        ("/artworks/", StatusCode::NOT_FOUND, "no such page"),
        ("/artworks/one/two", StatusCode::NOT_FOUND, "no such page"),
        ("/artists/hokusai-studio/works", StatusCode::NOT_FOUND, "no such page"),
        ("/artworksx/1", StatusCode::NOT_FOUND, "no such page"),
    ] {
        let response = site.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(String::from_utf8_lossy(&bytes), body, "{path}");
    }
}

/// The local server compresses the site's scripts and pages, as Vercel's edge
/// does, and leaves images (already compressed) alone.
#[tokio::test]
async fn the_local_site_is_compressed_for_clients_that_accept_it() {
    use axum::{body::Body, http::Request};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let dir = tempfile::tempdir().unwrap();
    let script = "export function greet(name) { return `hello ${name}`; }\n".repeat(200);
    for (path, bytes) in [
        ("index.html", b"<!doctype html><title>home</title>".repeat(20)),
        ("_next/static/chunks/app.js", script.clone().into_bytes()),
        ("cover.jpg", vec![0xFF; 4096]),
    ] {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let site = atelier::hosts::static_site(dir.path(), &[], Default::default());
    let get = |path: &'static str, encoding: Option<&'static str>| {
        let site = site.clone();
        async move {
            let mut request = Request::get(path);
            if let Some(encoding) = encoding {
                request = request.header("accept-encoding", encoding);
            }
            site.oneshot(request.body(Body::empty()).unwrap()).await.unwrap()
        }
    };

    let response = get("/_next/static/chunks/app.js", Some("gzip")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let compressed = response.into_body().collect().await.unwrap().to_bytes();
    assert!(compressed.len() < script.len() / 4, "{} bytes for {}", compressed.len(), script.len());
    let mut unzipped = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&compressed[..]), &mut unzipped).unwrap();
    assert_eq!(unzipped, script);

    assert_eq!(get("/", Some("br")).await.headers()["content-encoding"], "br");
    assert!(get("/_next/static/chunks/app.js", None).await.headers().get("content-encoding").is_none());
    assert!(get("/cover.jpg", Some("gzip")).await.headers().get("content-encoding").is_none());
}
