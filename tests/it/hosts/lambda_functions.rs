//! The Lambda functions as Lambda runs them: the real function binaries polling
//! cargo-lambda's Runtime API emulator (`cargo lambda watch --only-lambda-apis`),
//! invoked with `cargo lambda invoke` and events that `sam local generate-event`
//! produces at test time, edited to carry real requests and real jobs (API
//! Gateway's WebSocket events, which SAM does not generate, are written as
//! AWS documents them). The cloud functions talk to S3, SQS and DynamoDB on
//! moto, as they would to AWS, and to a stand-in of API Gateway's
//! management API.

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

use atelier::search::indexing::load_document;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use base64::Engine;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    contracts::standins::{
        LOCALSTRIPE_SECRET_KEY, localstripe_url, moto_config, moto_queue, moto_socket_table, moto_url,
        production_settings, unique,
    },
    journeys::uploads::dataset,
    support::{
        Artist, Killed, TestApp, free_port,
        socket_gateway::{SocketGateway, connection_id, socket_event},
        spawn_app, spawn_app_with,
    },
};

fn tool(variable: &str) -> String {
    std::env::var(variable).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| {
        panic!("{variable} is not set: run the tests through scripts/test, which installs cargo-lambda and the SAM CLI")
    })
}

/// The last lines of a log file, for failure messages.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// One `cargo lambda watch --only-lambda-apis` and the functions polling it.
struct Emulator {
    port: u16,
    logs: tempfile::TempDir,
    // Declared before the emulator so the functions stop first.
    functions: Vec<(String, Killed)>,
    _watch: Killed,
}

impl Emulator {
    async fn start() -> Self {
        let port = free_port();
        let logs = tempfile::tempdir().unwrap();
        let log = File::create(logs.path().join("watch.log")).unwrap();
        let watch = Command::new(tool("ATELIER_TEST_CARGO_LAMBDA"))
            .args(["lambda", "watch", "--only-lambda-apis", "--invoke-address", "127.0.0.1"])
            .args(["--invoke-port", &port.to_string()])
            // It reads the package's metadata, not its sources: nothing is built.
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start cargo lambda watch");
        let mut watch = Killed(watch);
        for _ in 0..400 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Self { port, logs, functions: Vec::new(), _watch: watch };
            }
            if let Some(status) = watch.0.try_wait().unwrap() {
                panic!("cargo lambda watch exited ({status}):\n{}", tail(&logs.path().join("watch.log")));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("cargo lambda watch did not listen on {port}:\n{}", tail(&logs.path().join("watch.log")));
    }

    /// Starts a function binary the way Lambda starts `bootstrap`: only the
    /// function's configuration and the runtime's variables in its environment.
    fn run(&mut self, name: &str, binary: &str, config: &[(&str, String)]) {
        let log = File::create(self.log_path(name)).unwrap();
        let child = Command::new(binary)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", format!("http://127.0.0.1:{}/.rt/{name}", self.port))
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/24/[$LATEST]0123456789abcdef")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("APP_ENV", "production")
            .env("RUST_LOG", "warn")
            .envs(config.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {binary}: {e}"));
        self.functions.push((name.to_owned(), Killed(child)));
    }

    fn log_path(&self, name: &str) -> PathBuf {
        self.logs.path().join(format!("{name}.log"))
    }

    /// `cargo lambda invoke NAME --data-file EVENT`: the function's response.
    async fn invoke(&mut self, name: &str, event: &Value) -> Value {
        let file = self.logs.path().join(format!("event-{}.json", Uuid::now_v7().simple()));
        std::fs::write(&file, serde_json::to_vec_pretty(event).unwrap()).unwrap();
        let invoke = tokio::process::Command::new(tool("ATELIER_TEST_CARGO_LAMBDA"))
            .args(["lambda", "invoke", name, "--invoke-address", "127.0.0.1"])
            .args(["--invoke-port", &self.port.to_string(), "--output-format", "json", "--data-file"])
            .arg(&file)
            .kill_on_drop(true)
            .output();
        let output = match tokio::time::timeout(Duration::from_secs(180), invoke).await {
            Ok(output) => output.unwrap(),
            Err(_) => panic!("{name} did not answer within 180 s:\n{}", self.diagnostics(name)),
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "cargo lambda invoke {name} failed ({}): {stdout}{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr),
            self.diagnostics(name)
        );
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{name} answered with no JSON ({e}): {stdout}"))
    }

    fn diagnostics(&mut self, name: &str) -> String {
        let state = self.functions.iter_mut().find(|(n, _)| n == name).map_or("never started".to_owned(), |(_, f)| {
            match f.0.try_wait() {
                Ok(Some(status)) => format!("exited: {status}"),
                _ => "running".to_owned(),
            }
        });
        format!(
            "--- {name} ({state}) ---\n{}\n--- cargo lambda watch ---\n{}",
            tail(&self.log_path(name)),
            tail(&self.logs.path().join("watch.log"))
        )
    }
}

/// `sam local generate-event SERVICE EVENT ARGS...`, parsed.
fn sam_event(args: &[&str]) -> Value {
    let output = Command::new(tool("ATELIER_TEST_SAM"))
        .args(["local", "generate-event"])
        .args(args)
        .env("SAM_CLI_TELEMETRY", "0")
        .output()
        .expect("run sam local generate-event");
    assert!(output.status.success(), "sam local generate-event {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("sam printed no JSON for {args:?}: {e}"))
}

/// An API Gateway HTTP API (payload 2.0) event for one request, from SAM's
/// sample with its placeholder request replaced.
fn http_api_event(method: &str, path_and_query: &str, token: Option<&str>, body: Option<&Value>) -> Value {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let mut event =
        sam_event(&["apigateway", "http-api-proxy", "--method", method, "--path", path.trim_start_matches('/')]);
    assert_eq!(event["rawPath"], path, "SAM's event does not carry the path where it is expected: {event}");
    let mut headers = json!({"accept": "application/json", "host": event["requestContext"]["domainName"], "user-agent": "lambda-emulator-test"});
    if let Some(token) = token {
        headers["authorization"] = json!(format!("Bearer {token}"));
    }
    match body {
        Some(body) => {
            let bytes = serde_json::to_vec(body).unwrap();
            headers["content-type"] = json!("application/json");
            headers["content-length"] = json!(bytes.len().to_string());
            event["body"] = json!(base64::engine::general_purpose::STANDARD.encode(bytes));
            event["isBase64Encoded"] = json!(true);
        }
        None => {
            event.as_object_mut().unwrap().remove("body");
            event["isBase64Encoded"] = json!(false);
        }
    }
    event["headers"] = headers;
    event["rawQueryString"] = json!(query);
    let parameters: serde_json::Map<String, Value> =
        url::form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), json!(v))).collect();
    event["queryStringParameters"] = Value::Object(parameters);
    let object = event.as_object_mut().unwrap();
    for placeholder in ["cookies", "pathParameters", "stageVariables"] {
        object.remove(placeholder);
    }
    let context = &mut event["requestContext"];
    context["http"]["sourceIp"] = json!("203.0.113.24");
    context["requestId"] = json!(Uuid::now_v7().to_string());
    context["timeEpoch"] = json!(chrono::Utc::now().timestamp_millis());
    context.as_object_mut().unwrap().remove("authorizer");
    event
}

/// Status and parsed body of a function's HTTP answer.
fn http_answer(response: &Value) -> (u16, Value) {
    let status = response["statusCode"].as_u64().unwrap_or_else(|| panic!("no statusCode in {response}")) as u16;
    let text = match response["body"].as_str() {
        Some(body) if response["isBase64Encoded"] == true => {
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(body).unwrap()).unwrap()
        }
        Some(body) => body.to_owned(),
        None => String::new(),
    };
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    (status, body)
}

/// A PaymentIntent as localstripe holds it.
async fn localstripe_intent(id: &str) -> Value {
    let url = format!("{}/v1/payment_intents/{id}", localstripe_url());
    let response = reqwest::Client::new().get(url).bearer_auth(LOCALSTRIPE_SECRET_KEY).send().await.unwrap();
    assert!(response.status().is_success(), "{id}: {}", response.status());
    response.json().await.unwrap()
}

/// Production settings, as deployed: payments go to Stripe (here on
/// localstripe) and mail to SES (on moto), since production refuses the
/// sandbox and the local mailbox.
fn base_config(app: &TestApp) -> Vec<(&'static str, String)> {
    let mut config = vec![
        ("DATABASE_URL", app.database_url.clone()),
        ("JWT_SIGNING_KEY", app.signing_key_pem.clone()),
        ("DATABASE_MAX_CONNECTIONS", "2".to_owned()),
    ];
    config.extend(production_settings("whsec_lambda_functions"));
    config
}

#[tokio::test]
async fn http_functions_answer_api_gateway_events_end_to_end() {
    let app = spawn_app().await;
    let mut lambda = Emulator::start().await;
    let config = base_config(&app);
    lambda.run("http-system", env!("CARGO_BIN_EXE_http-system"), &config);
    lambda.run("http-auth", env!("CARGO_BIN_EXE_http-auth"), &config);
    lambda.run("http-artists", env!("CARGO_BIN_EXE_http-artists"), &config);
    lambda.run("http-artworks", env!("CARGO_BIN_EXE_http-artworks"), &config);

    let (status, health) =
        http_answer(&lambda.invoke("http-system", &http_api_event("GET", "/api/health", None, None)).await);
    assert_eq!((status, &health["status"], &health["database"]), (200, &json!("ok"), &json!("ok")), "{health}");

    let registration = json!({"email": "lambda-painter@example.com", "password": "violet-harbour-mosaic-42",
                              "display_name": "Lambda Painter", "role": "artist"});
    let registered =
        lambda.invoke("http-auth", &http_api_event("POST", "/api/auth/register", None, Some(&registration))).await;
    let (status, account) = http_answer(&registered);
    assert_eq!(status, 201, "{account}");
    // HTTP APIs carry Set-Cookie in their own field of the response.
    let cookies = registered["cookies"].as_array().cloned().unwrap_or_default();
    assert!(cookies.iter().any(|c| c.as_str().is_some_and(|c| c.contains("HttpOnly"))), "{registered}");
    let token = account["access_token"].as_str().unwrap();

    // Selling needs a confirmed address: the link in the queued mail (SES
    // would deliver it) is opened through the auth function.
    let mail: String =
        sqlx::query_scalar("SELECT text_body FROM mail_messages WHERE to_address = 'lambda-painter@example.com'")
            .fetch_one(&app.ctx.db)
            .await
            .unwrap();
    let link =
        mail.split_whitespace().find(|word| word.contains("/verify-email/?token=")).expect("a verification link");
    let confirmation = json!({"token": link.split("token=").nth(1).unwrap()});
    let (status, _) = http_answer(
        &lambda
            .invoke("http-auth", &http_api_event("POST", "/api/auth/email-verification", None, Some(&confirmation)))
            .await,
    );
    assert_eq!(status, 204);

    let profile = json!({"slug": "lambda-painter", "bio": "Paints in the cloud."});
    let (status, artist) = http_answer(
        &lambda.invoke("http-artists", &http_api_event("POST", "/api/artists", Some(token), Some(&profile))).await,
    );
    assert_eq!(status, 201, "{artist}");

    let listing = json!({"title": "Nocturne Invoked", "description": "Night harbour lights in oil.", "medium": "Oil on panel",
                         "category": "painting", "styles": ["Impressionism"], "tags": ["night", "harbour"], "year": 2025,
                         "dimensions": {"height_mm": 300, "width_mm": 400}, "edition": {"kind": "unique"},
                         "price": {"amount_minor": 95000, "currency": "GBP"}, "status": "published"});
    let anonymous =
        lambda.invoke("http-artworks", &http_api_event("POST", "/api/artworks", None, Some(&listing))).await;
    assert_eq!(http_answer(&anonymous).0, 401, "{anonymous}");
    assert_eq!(anonymous["headers"]["content-type"], "application/problem+json", "{anonymous}");

    let (status, created) = http_answer(
        &lambda.invoke("http-artworks", &http_api_event("POST", "/api/artworks", Some(token), Some(&listing))).await,
    );
    assert_eq!(status, 201, "{created}");
    let id: Uuid = created["id"].as_str().unwrap().parse().unwrap();
    let (title, artist_slug): (String, String) = sqlx::query_as(
        "SELECT a.title, ar.slug FROM artworks a JOIN artists ar ON ar.id = a.artist_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_one(&app.ctx.db)
    .await
    .unwrap();
    assert_eq!((title.as_str(), artist_slug.as_str()), ("Nocturne Invoked", "lambda-painter"));

    let fetched =
        lambda.invoke("http-artworks", &http_api_event("GET", &format!("/api/artworks/{id}"), None, None)).await;
    let (status, artwork) = http_answer(&fetched);
    let local = app.anonymous().get(&format!("/api/artworks/{id}")).await;
    assert_eq!(status, 200, "{artwork}");
    assert_eq!(artwork, local.body);
    assert_eq!(fetched["headers"]["etag"].as_str(), local.header("etag"));

    let (status, page) = http_answer(
        &lambda
            .invoke("http-artworks", &http_api_event("GET", "/api/artworks?limit=5&category=painting", None, None))
            .await,
    );
    assert_eq!(status, 200, "{page}");
    let ids: Vec<&str> = page["items"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [id.to_string()]);
}

/// A bucket and the media and embedding queues on moto, and the configuration
/// that points the app and the functions at them.
struct Cloud {
    bucket: String,
    media_queue: String,
    embed_queue: String,
    realtime_queue: String,
    s3: aws_sdk_s3::Client,
    sqs: aws_sdk_sqs::Client,
}

impl Cloud {
    async fn new() -> Self {
        let moto = moto_url();
        let config = moto_config().await;
        let sqs = atelier::platform::queue::sqs::sqs_client(&config, Some(&moto));
        let (media_queue, embed_queue, realtime_queue) =
            (moto_queue(&sqs, 3, false).await, moto_queue(&sqs, 3, false).await, moto_queue(&sqs, 3, false).await);
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config).endpoint_url(&moto).force_path_style(true).build(),
        );
        let bucket = unique("media");
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        Self { bucket, media_queue, embed_queue, realtime_queue, s3, sqs }
    }

    fn settings(&self) -> Vec<(&'static str, String)> {
        let moto = moto_url();
        vec![
            ("OBJECT_STORE", "s3".to_owned()),
            ("S3_BUCKET", self.bucket.clone()),
            ("S3_ENDPOINT_URL", moto.clone()),
            ("S3_FORCE_PATH_STYLE", "true".to_owned()),
            ("QUEUE_BACKEND", "sqs".to_owned()),
            ("SQS_MEDIA_QUEUE_URL", self.media_queue.clone()),
            ("SQS_EMBED_QUEUE_URL", self.embed_queue.clone()),
            ("SQS_REALTIME_QUEUE_URL", self.realtime_queue.clone()),
            ("SQS_ENDPOINT_URL", moto),
        ]
    }

    async fn app(&self) -> TestApp {
        self.app_with(&[]).await
    }

    async fn app_with(&self, extra: &[(&'static str, String)]) -> TestApp {
        let mut settings = self.settings();
        settings.extend_from_slice(extra);
        let borrowed: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
        spawn_app_with(&borrowed).await
    }

    fn function_config(&self, app: &TestApp) -> Vec<(&'static str, String)> {
        let mut config = base_config(app);
        config.extend(self.settings());
        // Where scripts/fetch-model put the text model.
        for name in ["HOME", "ATELIER_MODEL_DIR"] {
            if let Ok(value) = std::env::var(name) {
                config.push((name, value));
            }
        }
        config
    }

    /// Receives every visible message of a queue (at most ten) as the SQS
    /// event Lambda's event source mapping would deliver, built on SAM's
    /// sample record. Returns the event and the message ids in order.
    async fn receive_event(&self, queue_url: &str, expected: usize) -> (Value, Vec<String>) {
        let mut messages = Vec::new();
        for _ in 0..20 {
            let received = self
                .sqs
                .receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(10)
                .message_system_attribute_names(MessageSystemAttributeName::All)
                // Hidden for the rest of the test, as the event source mapping
                // keeps a batch hidden while the function works on it.
                .visibility_timeout(600)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap();
            messages.extend(received.messages.unwrap_or_default());
            if messages.len() >= expected {
                break;
            }
        }
        assert_eq!(messages.len(), expected, "messages on {queue_url}: {messages:?}");
        self.sqs_event(queue_url, &messages)
    }

    /// Every message the queue has now, as one SQS event.
    async fn receive_all(&self, queue_url: &str) -> (Value, Vec<String>) {
        let mut messages = Vec::new();
        loop {
            let received = self
                .sqs
                .receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(10)
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .visibility_timeout(600)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap();
            match received.messages {
                Some(batch) if !batch.is_empty() => messages.extend(batch),
                _ => break,
            }
        }
        assert!(!messages.is_empty() && messages.len() <= 10, "messages on {queue_url}: {messages:?}");
        self.sqs_event(queue_url, &messages)
    }

    fn sqs_event(&self, queue_url: &str, messages: &[aws_sdk_sqs::types::Message]) -> (Value, Vec<String>) {
        let queue_name = queue_url.rsplit('/').next().unwrap();
        let mut event = sam_event(&["sqs", "receive-message", "--queue-name", queue_name, "--region", "us-east-1"]);
        let template = event["Records"][0].clone();
        assert_eq!(template["eventSource"], "aws:sqs", "{event}");
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                let mut record = template.clone();
                record["messageId"] = json!(m.message_id());
                record["receiptHandle"] = json!(m.receipt_handle());
                record["body"] = json!(m.body());
                record["md5OfBody"] = json!(m.md5_of_body());
                let attributes: serde_json::Map<String, Value> =
                    m.attributes().unwrap().iter().map(|(k, v)| (k.as_str().to_owned(), json!(v))).collect();
                record["attributes"] = Value::Object(attributes);
                record
            })
            .collect();
        event["Records"] = json!(records);
        let ids = messages.iter().map(|m| m.message_id().unwrap().to_owned()).collect();
        (event, ids)
    }

    /// An upload through the app's own endpoints: the presigned form posted
    /// to S3 as a browser would, then, with `complete`, completed by the
    /// client, which queues `media.process`.
    async fn upload(&self, artist: &Artist<'_>, artwork_id: &str, image: &str, complete: bool) -> Uuid {
        let bytes = dataset(&format!("images/{image}"));
        let created = artist
            .post(
                "/api/uploads",
                json!({"artwork_id": artwork_id, "filename": image, "content_type": "image/jpeg", "size_bytes": bytes.len()}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let form_spec = &created.body["form"];
        let mut form = Form::new();
        for (name, value) in form_spec["fields"].as_object().unwrap() {
            form = form.text(name.clone(), value.as_str().unwrap().to_owned());
        }
        form = form.part("file", Part::bytes(bytes).file_name(image.to_owned()).mime_str("image/jpeg").unwrap());
        let sent =
            reqwest::Client::new().post(form_spec["url"].as_str().unwrap()).multipart(form).send().await.unwrap();
        assert!(sent.status().is_success(), "S3 refused the form: {}", sent.text().await.unwrap());
        let id = created.body["id"].as_str().unwrap();
        if complete {
            let completed = artist.post(&format!("/api/uploads/{id}/complete"), json!({})).await;
            assert_eq!(completed.status, 202, "{}", completed.body);
        }
        id.parse().unwrap()
    }

    /// Checks that every variant row of the image names an object in the
    /// bucket with the recorded size and the content type of its format.
    async fn assert_variants_stored(&self, app: &TestApp, upload_id: Uuid) {
        let variants: Vec<(String, String, i32)> = sqlx::query_as(
            "SELECT storage_key, format, byte_size FROM image_variants WHERE image_id = $1 ORDER BY storage_key",
        )
        .bind(upload_id)
        .fetch_all(&app.ctx.db)
        .await
        .unwrap();
        assert!(variants.len() >= 2, "no variants recorded for {upload_id}: {variants:?}");
        for (key, format, size) in variants {
            let object = self
                .s3
                .get_object()
                .bucket(&self.bucket)
                .key(&key)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{key}: {e:?}"));
            assert_eq!(object.content_type(), Some(format!("image/{format}").as_str()), "{key}");
            let bytes = object.body.collect().await.unwrap().into_bytes();
            assert_eq!(bytes.len(), size as usize, "{key}");
            let decoded = image::load_from_memory(&bytes).unwrap_or_else(|e| panic!("{key} does not decode: {e}"));
            assert!(decoded.width().max(decoded.height()) <= 1600, "{key}");
        }
    }
}

async fn upload_status(app: &TestApp, id: Uuid) -> String {
    sqlx::query_scalar("SELECT status::text FROM uploads WHERE id = $1").bind(id).fetch_one(&app.ctx.db).await.unwrap()
}

fn batch_failures(response: &Value) -> Vec<String> {
    response["batchItemFailures"]
        .as_array()
        .unwrap_or_else(|| panic!("no batchItemFailures in {response}"))
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn media_and_embed_workers_process_an_upload_from_sqs_events() {
    let cloud = Cloud::new().await;
    let app = cloud.app().await;
    let artist = app.artist("sqs-painter").await;
    let artwork = artist.artwork(json!({"title": "The Great Wave, Invoked", "tags": ["wave", "sea"]})).await;
    let artwork_id: Uuid = artwork.id.parse().unwrap();
    let upload_id = cloud.upload(&artist, &artwork_id.to_string(), "hokusai_great_wave_crop.jpg", true).await;
    assert_eq!(upload_status(&app, upload_id).await, "processing");

    let mut lambda = Emulator::start().await;
    let config = cloud.function_config(&app);
    lambda.run("media-worker", env!("CARGO_BIN_EXE_media-worker"), &config);
    lambda.run("embed-worker", env!("CARGO_BIN_EXE_embed-worker"), &config);

    let (event, _) = cloud.receive_event(&cloud.media_queue, 1).await;
    let job: Value = serde_json::from_str(event["Records"][0]["body"].as_str().unwrap()).unwrap();
    assert_eq!((&job["kind"], &job["payload"]["upload_id"]), (&json!("media.process"), &json!(upload_id)), "{job}");
    let response = lambda.invoke("media-worker", &event).await;
    assert_eq!(batch_failures(&response), Vec::<String>::new(), "{}", lambda.diagnostics("media-worker"));
    assert_eq!(upload_status(&app, upload_id).await, "ready");
    cloud.assert_variants_stored(&app, upload_id).await;

    // Listing the artwork and storing its picture each asked for its embedding.
    let (event, _) = cloud.receive_event(&cloud.embed_queue, 2).await;
    for record in event["Records"].as_array().unwrap() {
        let job: Value = serde_json::from_str(record["body"].as_str().unwrap()).unwrap();
        assert_eq!(
            (&job["kind"], &job["payload"]["artwork_id"]),
            (&json!("embed.artwork"), &json!(artwork_id)),
            "{job}"
        );
    }
    let response = lambda.invoke("embed-worker", &event).await;
    assert_eq!(batch_failures(&response), Vec::<String>::new(), "{}", lambda.diagnostics("embed-worker"));

    let (model, content_hash): (String, String) =
        sqlx::query_as("SELECT model, content_hash FROM artwork_embeddings WHERE artwork_id = $1")
            .bind(artwork_id)
            .fetch_one(&app.ctx.db)
            .await
            .expect("the embed worker recorded the artwork's embedding");
    let document = load_document(&mut app.ctx.db.acquire().await.unwrap(), artwork_id).await.unwrap().unwrap();
    assert_eq!(content_hash, document.content_hash);
    let stored: Vec<f32> = sqlx::query_scalar("SELECT vector FROM vector_points WHERE id = $1")
        .bind(artwork_id)
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
    let embedder = app.ctx.discovery.embedder().await.unwrap();
    assert_eq!(model, embedder.model());
    let expected = embedder.embed(std::slice::from_ref(&document.text)).await.unwrap().pop().unwrap();
    assert_eq!(stored.len(), expected.len());
    let cosine: f32 = stored.iter().zip(&expected).map(|(a, b)| a * b).sum();
    assert!(cosine > 0.9999, "the stored vector is not the embedding of the artwork's text (cosine {cosine})");
}

/// What S3 puts on the queue when a browser form stores an upload: SAM's
/// sample `s3 put` notification for the real bucket, key and size.
async fn object_created_notification(cloud: &Cloud, app: &TestApp, upload_id: Uuid) -> String {
    let (key, size): (String, i64) = sqlx::query_as("SELECT storage_key, size_bytes FROM uploads WHERE id = $1")
        .bind(upload_id)
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
    let mut notification = sam_event(&["s3", "put", "--bucket", &cloud.bucket, "--key", &key, "--region", "us-east-1"]);
    assert_eq!(notification["Records"][0]["s3"]["object"]["key"], key.as_str(), "{notification}");
    let record = &mut notification["Records"][0];
    record["eventName"] = json!("ObjectCreated:Post");
    record["eventTime"] = json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    record["s3"]["object"]["size"] = json!(size);
    notification.to_string()
}

#[tokio::test]
async fn a_poisoned_message_is_the_only_batch_item_failure() {
    let cloud = Cloud::new().await;
    let app = cloud.app().await;
    let artist = app.artist("batch-painter").await;
    let artwork = artist.artwork(json!({"title": "Udnie, Batched"})).await;
    let artwork_id = artwork.id.as_str();
    let completed = cloud.upload(&artist, artwork_id, "picabia_udnie.jpg", true).await;
    // Stored but never completed by the client: S3's notification completes it.
    let notified = cloud.upload(&artist, artwork_id, "sakai_hoitsu_flowering_cherry.jpg", false).await;
    assert_eq!(upload_status(&app, notified).await, "pending");
    let send = |body: String| cloud.sqs.send_message().queue_url(&cloud.media_queue).message_body(body).send();
    send(object_created_notification(&cloud, &app, notified).await).await.unwrap();
    let poisoned =
        send(r#"{"kind": "media.process", "payload": {"upload_id": "#.to_owned()).await.unwrap().message_id.unwrap();

    let mut lambda = Emulator::start().await;
    lambda.run("media-worker", env!("CARGO_BIN_EXE_media-worker"), &cloud.function_config(&app));
    let (event, ids) = cloud.receive_event(&cloud.media_queue, 3).await;
    assert!(ids.contains(&poisoned), "{ids:?}");
    let response = lambda.invoke("media-worker", &event).await;
    assert_eq!(batch_failures(&response), [poisoned], "{}", lambda.diagnostics("media-worker"));
    assert_eq!(upload_status(&app, completed).await, "ready");
    cloud.assert_variants_stored(&app, completed).await;

    // The notification completed the other upload, which queued its job.
    assert_eq!(upload_status(&app, notified).await, "processing");
    let (event, _) = cloud.receive_event(&cloud.media_queue, 1).await;
    let job: Value = serde_json::from_str(event["Records"][0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(job["payload"]["upload_id"], json!(notified), "{job}");
    let response = lambda.invoke("media-worker", &event).await;
    assert_eq!(batch_failures(&response), Vec::<String>::new(), "{}", lambda.diagnostics("media-worker"));
    assert_eq!(upload_status(&app, notified).await, "ready");
    cloud.assert_variants_stored(&app, notified).await;
}

#[tokio::test]
async fn curate_feed_stores_the_curated_pages_on_a_scheduled_event() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let first = app.artist("curated-one").await;
    let second = app.artist("curated-two").await;
    let mut published = vec![
        first.artwork(json!({"title": "Morning Tide"})).await.id,
        first.artwork(json!({"title": "Evening Tide", "category": "print"})).await.id,
        second.artwork(json!({"title": "Quarry in Rain"})).await.id,
    ];
    second.artwork(json!({"title": "Unfinished", "status": "draft"})).await;
    assert!(app.ctx.kv.get("feed:curated").await.unwrap().is_none());

    let mut lambda = Emulator::start().await;
    lambda.run("curate-feed", env!("CARGO_BIN_EXE_curate-feed"), &base_config(&app));
    let mut event =
        sam_event(&["cloudwatch", "scheduled-event", "--rule", "atelier-curate-feed", "--region", "us-east-1"]);
    assert_eq!(event["detail-type"], "Scheduled Event", "{event}");
    event["id"] = json!(Uuid::new_v4().to_string());
    event["time"] = json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let response = lambda.invoke("curate-feed", &event).await;
    assert_eq!(response, json!({"works": 3, "pages": 1}), "{}", lambda.diagnostics("curate-feed"));

    let stored = app.ctx.kv.get("feed:curated").await.unwrap().expect("the curated feed was stored");
    let stored: Value = serde_json::from_slice(&stored).unwrap();
    let mut curated: Vec<String> =
        stored["entries"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
    curated.sort();
    published.sort();
    assert_eq!(curated, published);
    let feed = anon.get("/api/feed").await;
    assert_eq!(feed.status, 200, "{}", feed.body);
    assert_eq!(feed.body["items"].as_array().unwrap().len(), 3, "{}", feed.body);
}

#[tokio::test]
async fn insights_rollup_rolls_up_on_a_scheduled_event_and_the_days_an_operator_names() {
    let app = spawn_app().await;
    let artist = app.artist("rolled-up").await;
    let work = artist.artwork(json!({"title": "Counted Tide"})).await;
    let collector = app.collector("rollup-viewer@example.com").await;
    let viewed = collector.post("/api/interactions", json!({"artwork_id": work.id, "kind": "view"})).await;
    assert_eq!(viewed.status, 201, "{}", viewed.body);

    let mut lambda = Emulator::start().await;
    lambda.run("insights-rollup", env!("CARGO_BIN_EXE_insights-rollup"), &base_config(&app));
    let mut event =
        sam_event(&["cloudwatch", "scheduled-event", "--rule", "atelier-insights-rollup", "--region", "us-east-1"]);
    event["id"] = json!(Uuid::new_v4().to_string());
    let today = chrono::Utc::now().date_naive();
    let yesterday = today - chrono::Days::new(1);
    let report = lambda.invoke("insights-rollup", &event).await;
    assert_eq!(report["days"], json!([yesterday, today]), "{report} {}", lambda.diagnostics("insights-rollup"));
    assert_eq!((report["work_days"].as_i64(), report["changed_works"].as_i64()), (Some(1), Some(1)), "{report}");
    let insights = artist.get("/api/me/insights").await;
    assert_eq!(insights.body["totals"]["views"], 1, "{}", insights.body);

    let long_ago = today - chrono::Days::new(40);
    let backfill = lambda.invoke("insights-rollup", &json!({"days": [long_ago]})).await;
    assert_eq!(
        backfill["days"],
        json!([long_ago, yesterday, today]),
        "{backfill} {}",
        lambda.diagnostics("insights-rollup")
    );
    assert_eq!(backfill["changed_works"], 0, "nothing happened since: {backfill}");
}

#[tokio::test]
async fn the_commerce_function_takes_a_checkout_and_the_timers_function_expires_its_hold() {
    // Holds that expire at once, so the scheduled run finds one due.
    let app = spawn_app_with(&[("CHECKOUT_HOLD_MINUTES", "0")]).await;
    let artist = app.artist("lambda-seller").await;
    let terms = json!({"origin_country": "GB", "currency": "GBP", "domestic_minor": 0, "collection": false});
    assert_eq!(artist.put("/api/me/shipping", terms).await.status, 200);
    let work = artist.artwork(json!({"title": "Held in the Cloud"})).await;
    let buyer = app.collector("lambda-buyer@example.com").await;

    let mut lambda = Emulator::start().await;
    let mut config = base_config(&app);
    config.push(("CHECKOUT_HOLD_MINUTES", "0".to_owned()));
    lambda.run("http-commerce", env!("CARGO_BIN_EXE_http-commerce"), &config);
    lambda.run("commerce-timers", env!("CARGO_BIN_EXE_commerce-timers"), &config);

    let token = Some(buyer.access_token());
    let item = format!("/api/cart/items/{}", work.id);
    let (status, cart) = http_answer(
        &lambda.invoke("http-commerce", &http_api_event("PUT", &item, token, Some(&json!({"quantity": 1})))).await,
    );
    assert_eq!(status, 200, "{cart}");
    let order = json!({"shipping_address": {"name": "Lambda Buyer", "line1": "1 Cloud Lane", "city": "Leeds",
                                            "postal_code": "LS1 1AA", "country": "GB"}});
    let mut event = http_api_event("POST", "/api/checkout", token, Some(&order));
    event["headers"]["idempotency-key"] = json!(Uuid::new_v4().to_string());
    let (status, checkout) = http_answer(&lambda.invoke("http-commerce", &event).await);
    assert_eq!(status, 201, "{checkout} {}", lambda.diagnostics("http-commerce"));
    // As deployed, the payment is Stripe's: here a PaymentIntent on localstripe.
    let payment = &checkout["payment"];
    assert_eq!((&payment["provider"], &payment["publishable_key"]), (&json!("stripe"), &json!("pk_test_atelier")));
    let payment_id = payment["payment_id"].as_str().unwrap().to_owned();
    let intent = localstripe_intent(&payment_id).await;
    assert_eq!(intent["client_secret"], payment["client_secret"], "the buyer's browser confirms this payment");
    assert_eq!((&intent["status"], &intent["capture_method"]), (&json!("requires_payment_method"), &json!("manual")));
    assert_eq!(app.anonymous().get(&format!("/api/artworks/{}", work.id)).await.body["status"], "reserved");

    let mut tick =
        sam_event(&["cloudwatch", "scheduled-event", "--rule", "atelier-commerce-timers", "--region", "us-east-1"]);
    tick["id"] = json!(Uuid::new_v4().to_string());
    let report = lambda.invoke("commerce-timers", &tick).await;
    assert_eq!(report["holds_expired"], 1, "{report} {}", lambda.diagnostics("commerce-timers"));
    assert_eq!(app.anonymous().get(&format!("/api/artworks/{}", work.id)).await.body["status"], "published");
    assert_eq!(localstripe_intent(&payment_id).await["status"], "canceled", "the expired hold's payment is voided");
    let again = lambda.invoke("commerce-timers", &tick).await;
    assert_eq!(again["holds_expired"], 0, "a second run finds nothing due: {again}");
}

/// API Gateway's WebSocket API as deployed: realtime-socket takes the
/// connection events (the ticket on `$connect`, a subscription, `$disconnect`)
/// and records connections in DynamoDB on moto; the requests that publish
/// queue deliveries on SQS, which realtime-worker posts through the
/// management API (a stand-in checking its wire contract), in order, nothing
/// twice when a message comes again, and forgetting a connection that
/// answers 410.
#[tokio::test]
async fn the_socket_and_realtime_functions_hold_live_connections_through_api_gateway() {
    let cloud = Cloud::new().await;
    let gateway = SocketGateway::start().await;
    let dynamodb = atelier::platform::kv::dynamodb::dynamodb_client(&moto_config().await, Some(&moto_url()));
    let sockets = vec![
        ("SOCKET_GATEWAY_URL", gateway.url.clone()),
        ("SOCKET_REGISTRY", "dynamodb".to_owned()),
        ("SOCKET_TABLE", moto_socket_table(&dynamodb).await),
        ("DYNAMODB_ENDPOINT_URL", moto_url()),
    ];
    let app = cloud.app_with(&sockets).await;
    let artist = app.artist("socket-lambda").await;
    let work = artist.artwork(json!({})).await;
    let collector = app.collector("socket-asker@lambda.example").await;
    let conversation = crate::realtime::live::inquire(&collector, &work.id, "Is it signed?").await;
    let channel = format!("conversation:{conversation}");
    cloud.sqs.purge_queue().queue_url(&cloud.realtime_queue).send().await.unwrap();

    let mut lambda = Emulator::start().await;
    let mut config = cloud.function_config(&app);
    config.extend(sockets);
    lambda.run("realtime-socket", env!("CARGO_BIN_EXE_realtime-socket"), &config);
    lambda.run("realtime-worker", env!("CARGO_BIN_EXE_realtime-worker"), &config);

    let id = connection_id();
    let ticket = crate::realtime::live::ticket(&app, collector.access_token()).await;
    let opened = lambda.invoke("realtime-socket", &socket_event("$connect", &id, Some(&ticket), None)).await;
    assert_eq!(opened["statusCode"], 200, "{opened} {}", lambda.diagnostics("realtime-socket"));
    let reused =
        lambda.invoke("realtime-socket", &socket_event("$connect", &connection_id(), Some(&ticket), None)).await;
    assert_eq!(reused["statusCode"], 401, "a ticket works once: {reused}");
    let subscribe = json!({"type": "subscribe", "channel": channel, "since": 0}).to_string();
    let answer = lambda.invoke("realtime-socket", &socket_event("$default", &id, None, Some(&subscribe))).await;
    assert_eq!(answer["statusCode"], 200, "{answer}");
    let replay = gateway.take(&id);
    assert_eq!(replay.len(), 2, "{replay:?} {}", lambda.diagnostics("realtime-socket"));
    assert_eq!((&replay[0]["offset"], &replay[0]["data"]["body"]), (&json!(1), &json!("Is it signed?")));
    assert_eq!(replay[1], json!({"type": "subscribed", "channel": channel, "offset": 1}));

    crate::realtime::live::write(&artist, &conversation, "Yes, on the back.").await;
    crate::realtime::live::write(&artist, &conversation, "And dated.").await;
    let (event, _) = cloud.receive_all(&cloud.realtime_queue).await;
    let response = lambda.invoke("realtime-worker", &event).await;
    assert_eq!(batch_failures(&response), Vec::<String>::new(), "{}", lambda.diagnostics("realtime-worker"));
    let live = gateway.take(&id);
    let offsets: Vec<&Value> = live.iter().map(|m| &m["offset"]).collect();
    assert_eq!(offsets, [&json!(2), &json!(3)], "{live:?}");
    assert_eq!(live[1]["data"]["body"], "And dated.");

    let again = lambda.invoke("realtime-worker", &event).await;
    assert_eq!(batch_failures(&again), Vec::<String>::new());
    assert_eq!(gateway.take(&id), Vec::<Value>::new(), "a redelivered batch posts nothing twice");

    gateway.close(&id);
    crate::realtime::live::write(&artist, &conversation, "Still there?").await;
    let (event, _) = cloud.receive_all(&cloud.realtime_queue).await;
    let response = lambda.invoke("realtime-worker", &event).await;
    assert_eq!(batch_failures(&response), Vec::<String>::new(), "{}", lambda.diagnostics("realtime-worker"));
    let registry = &app.ctx.sockets.as_deref().unwrap().registry;
    assert_eq!(registry.connection(&id).await.unwrap(), None, "410 Gone forgets the connection");

    let other = connection_id();
    let opened = lambda.invoke("realtime-socket", &socket_event("$connect", &other, None, None)).await;
    assert_eq!(opened["statusCode"], 200, "an anonymous connection may listen to works");
    assert!(registry.connection(&other).await.unwrap().is_some());
    let closed = lambda.invoke("realtime-socket", &socket_event("$disconnect", &other, None, None)).await;
    assert_eq!(closed["statusCode"], 200);
    assert_eq!(registry.connection(&other).await.unwrap(), None);
    gateway.assert_nothing_refused();
}
