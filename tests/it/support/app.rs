use std::{process::Child, sync::OnceLock};

use atelier::{
    app::{self, AppContext},
    platform::config::Config,
};
use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Method, Request, StatusCode, header},
};
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::{Connection, PgConnection};
use tokio::sync::OnceCell;
use tower::ServiceExt;
use uuid::Uuid;

use super::views::ProblemView;

pub struct TestApp {
    pub router: Router,
    pub ctx: AppContext,
    pub database_url: String,
    pub signing_key_pem: String,
    /// This test's object store directory, removed when the test ends.
    pub blob_dir: std::path::PathBuf,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.blob_dir);
    }
}

/// A child process (a host binary, an emulator) that is stopped when the test
/// ends, however it ends.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port the kernel reports free now; the server given it binds it a moment later.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

fn server_url() -> String {
    std::env::var("DATABASE_URL").expect("DATABASE_URL must point at a PostgreSQL server; run scripts/test")
}

fn with_database(url: &str, database: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("DATABASE_URL is a URL");
    parsed.set_path(&format!("/{database}"));
    parsed.to_string()
}

/// One signing key for the whole run: the in-process app and the host binaries
/// spawned by the host tests must agree on it.
pub fn signing_key_pem() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| atelier::auth::tokens::generate_signing_key_pem().unwrap())
}

/// Migrates a template database once per test run; each test clones it, which
/// is much faster than migrating every database.
async fn template() -> &'static str {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("atelier_tpl_{}", Uuid::now_v7().simple());
            let mut admin = PgConnection::connect(&server_url()).await.expect("connect to DATABASE_URL");
            drop_stale_databases(&mut admin).await;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.unwrap();
            let pool = sqlx::PgPool::connect(&with_database(&server_url(), &name)).await.unwrap();
            atelier::platform::db::migrate(&pool).await.unwrap();
            pool.close().await;
            name
        })
        .await
}

/// Test databases outlive their tests (a failing test's is worth a look), so
/// each run drops those of runs that ended long ago. Their names carry a
/// UUIDv7, whose timestamp says when they were made; a run still going on
/// the same server is never that old.
async fn drop_stale_databases(admin: &mut PgConnection) {
    const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(6 * 3600);
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'atelier\\_test\\_%' OR datname LIKE 'atelier\\_tpl\\_%'",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    let now = std::time::SystemTime::now();
    for name in names {
        let Some(made) =
            name.rsplit('_').next().and_then(|id| Uuid::parse_str(id).ok()).and_then(|id| id.get_timestamp())
        else {
            continue;
        };
        let (secs, nanos) = made.to_unix();
        let made = std::time::UNIX_EPOCH + std::time::Duration::new(secs, nanos);
        if now.duration_since(made).is_ok_and(|age| age > STALE_AFTER) {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")))
                .execute(&mut *admin)
                .await;
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Like [`spawn_app`], with extra configuration variables.
pub async fn spawn_app_with(settings: &[(&str, &str)]) -> TestApp {
    let template = template().await;
    let name = format!("atelier_test_{}", Uuid::now_v7().simple());
    let mut admin = PgConnection::connect(&server_url()).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name} TEMPLATE {template}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let database_url = with_database(&server_url(), &name);
    let blob_dir = std::env::temp_dir().join("atelier-it-blobs").join(&name);
    let config = Config::from_lookup(|key| {
        if let Some((_, value)) = settings.iter().find(|(k, _)| *k == key) {
            return Some((*value).to_owned());
        }
        match key {
            "DATABASE_URL" => Some(database_url.clone()),
            "JWT_SIGNING_KEY" => Some(signing_key_pem().to_owned()),
            "DATABASE_MAX_CONNECTIONS" => Some("5".to_owned()),
            "BLOB_DIR" => Some(blob_dir.to_string_lossy().into_owned()),
            // Where scripts/fetch-model put the text model.
            "HOME" | "ATELIER_MODEL_DIR" => std::env::var(key).ok(),
            // Out of the way of tests that make many requests; the rate-limit
            // tests set their own.
            "RATE_LIMIT_USERS_PER_ADDRESS" => None,
            key if key.starts_with("RATE_LIMIT_") => Some("1000000,1000000".to_owned()),
            _ => None,
        }
    })
    .unwrap();
    let ctx = AppContext::from_config(config).await.unwrap();
    TestApp {
        router: app::full_router(ctx.clone()),
        ctx,
        database_url,
        signing_key_pem: signing_key_pem().to_owned(),
        blob_dir,
    }
}

impl TestApp {
    /// Sends `request` through the router as it is: the escape hatch for
    /// requests no actor sends (raw bodies, odd headers, request extensions).
    /// Actors ([`TestApp::anonymous`], [`TestApp::register`], ...) send the rest.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        TestResponse { status, headers, body }
    }
}

/// A `multipart/form-data` body: the text fields in order, then the file.
pub fn multipart_form(fields: &[(String, String)], file_name: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = format!("atelier-{}", Uuid::new_v4().simple());
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .as_bytes(),
    );
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl TestApp {
    /// Posts `file` with the form a `POST /api/uploads` answer gave.
    pub async fn post_upload_form(&self, form: &Value, file: &[u8]) -> TestResponse {
        let fields: Vec<(String, String)> = form["fields"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        let (content_type, body) = multipart_form(&fields, "upload.bin", file);
        let request = Request::builder()
            .method(Method::POST)
            .uri(form["url"].as_str().unwrap())
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// Runs queued jobs the way the worker does until none is visible; returns
    /// the kinds and payloads it ran.
    pub async fn run_jobs(&self) -> Vec<(String, Value)> {
        let jobs = atelier::jobs::Jobs::new(self.ctx.clone());
        let mut ran = Vec::new();
        loop {
            let batch = self.ctx.queue.receive(10, std::time::Duration::from_secs(300)).await.unwrap();
            if batch.is_empty() {
                return ran;
            }
            for job in batch {
                jobs.run(&job).await.unwrap_or_else(|e| panic!("{} failed: {e:#}", job.kind));
                assert!(self.ctx.queue.delete(&job).await.unwrap());
                ran.push((job.kind.clone(), job.payload.clone()));
            }
        }
    }
}

/// Asserts `response` is a problem document with `status`, and returns it.
pub fn assert_problem(response: &TestResponse, status: StatusCode) -> ProblemView {
    assert_eq!(response.status, status, "{}", response.body);
    assert_eq!(response.header("content-type"), Some("application/problem+json"), "{:?}", response.headers);
    // Reading it as a problem checks that type, title, status and detail are there.
    let problem: ProblemView = response.json();
    assert_eq!(problem.status, status.as_u16(), "{}: {}", problem.title, problem.detail);
    assert!(problem.kind.starts_with("/problems/"), "{}", problem.kind);
    problem
}

pub fn field_errors(response: &TestResponse) -> Vec<String> {
    response.body["errors"]
        .as_array()
        .map(|errors| errors.iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}
