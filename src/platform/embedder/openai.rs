//! Cloud text embedder: any server that speaks OpenAI's
//! `POST /v1/embeddings` (OpenAI, Azure-style gateways, vLLM, Ollama, TEI...).
//!
//! Texts go out in batches; a throttled (429), failed (5xx) or unreachable
//! request is retried with exponential backoff and jitter, waiting at least as
//! long as a `Retry-After` header asks. Returned vectors are put back in input
//! order by their `index`, checked for length and L2-normalised, since not
//! every compatible server normalises.

use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use async_trait::async_trait;
use rand::Rng;
use reqwest::{StatusCode, header};
use serde::{Deserialize, Serialize};

use super::{Embedder, l2_normalise};
use crate::platform::config::{OpenAiEmbedderConfig, Secret};

/// Longest wait between attempts, whether from backoff or `Retry-After`: a
/// caller is waiting, and a server asking for minutes is better reported.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How much of an error response body goes into the error message.
const ERROR_BODY_CHARS: usize = 300;

#[derive(Debug)]
pub struct OpenAiEmbedder {
    client: reqwest::Client,
    endpoint: String,
    model: String,
    dimensions: usize,
    send_dimensions: bool,
    api_key: Option<Secret>,
    timeout: Duration,
    batch_size: usize,
    max_retries: u32,
    first_backoff: Duration,
}

#[derive(Serialize)]
struct EmbeddingRequest<'a> {
    model: &'a str,
    input: &'a [String],
    encoding_format: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dimensions: Option<usize>,
}

#[derive(Deserialize)]
struct EmbeddingResponse {
    data: Vec<EmbeddingItem>,
}

#[derive(Deserialize)]
struct EmbeddingItem {
    index: usize,
    embedding: Vec<f32>,
}

/// Why one attempt failed, and whether another may succeed.
enum AttemptError {
    Retryable { error: anyhow::Error, retry_after: Option<Duration> },
    Fatal(anyhow::Error),
}

impl OpenAiEmbedder {
    pub fn new(cfg: &OpenAiEmbedderConfig, batch_size: usize) -> anyhow::Result<Self> {
        let base = cfg.api_url.trim_end_matches('/');
        let endpoint = format!("{base}/v1/embeddings");
        url::Url::parse(&endpoint).with_context(|| format!("EMBEDDING_API_URL {base:?} is not a URL"))?;
        let client = reqwest::Client::builder()
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .build()
            .context("building the embedding HTTP client")?;
        Ok(Self {
            client,
            endpoint,
            model: cfg.model.clone(),
            dimensions: cfg.dimensions,
            send_dimensions: cfg.send_dimensions,
            api_key: cfg.api_key.clone(),
            timeout: cfg.timeout,
            batch_size: batch_size.max(1),
            max_retries: cfg.max_retries,
            first_backoff: Duration::from_millis(500),
        })
    }

    async fn embed_batch(&self, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>> {
        let mut attempt = 0;
        loop {
            match self.attempt(texts).await {
                Ok(vectors) => return Ok(vectors),
                Err(AttemptError::Fatal(error)) => return Err(error),
                Err(AttemptError::Retryable { error, retry_after }) => {
                    if attempt >= self.max_retries {
                        return Err(error.context(format!("giving up after {} attempts", attempt + 1)));
                    }
                    let delay = self.backoff(attempt).max(retry_after.unwrap_or_default()).min(MAX_BACKOFF);
                    tracing::warn!(
                        endpoint = %self.endpoint,
                        attempt = attempt + 1,
                        delay_ms = delay.as_millis() as u64,
                        error = %format!("{error:#}"),
                        "embedding request failed; retrying"
                    );
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
            }
        }
    }

    /// Exponential backoff with "equal jitter": half the step is fixed, half
    /// random, so clients throttled together do not retry together.
    fn backoff(&self, attempt: u32) -> Duration {
        let step = self.first_backoff.saturating_mul(1u32 << attempt.min(16)).min(MAX_BACKOFF);
        let half = step / 2;
        half + half.mul_f64(rand::thread_rng().r#gen::<f64>())
    }

    async fn attempt(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, AttemptError> {
        let body = EmbeddingRequest {
            model: &self.model,
            input: texts,
            encoding_format: "float",
            dimensions: self.send_dimensions.then_some(self.dimensions),
        };
        let mut request = self.client.post(&self.endpoint).timeout(self.timeout).json(&body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose());
        }
        let response = request.send().await.map_err(|e| AttemptError::Retryable {
            error: anyhow!(e.without_url()).context(format!("calling {}", self.endpoint)),
            retry_after: None,
        })?;
        let status = response.status();
        if !status.is_success() {
            let retry_after = retry_after(response.headers());
            let text = response.text().await.unwrap_or_default();
            let snippet: String = text.chars().take(ERROR_BODY_CHARS).collect();
            let error = anyhow!("{} answered {status}: {snippet}", self.endpoint);
            return Err(if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                AttemptError::Retryable { error, retry_after }
            } else {
                AttemptError::Fatal(error)
            });
        }
        // A body cut off by a dropped connection or a timeout is worth another try.
        let bytes = response.bytes().await.map_err(|e| AttemptError::Retryable {
            error: anyhow!(e.without_url()).context(format!("reading the answer of {}", self.endpoint)),
            retry_after: None,
        })?;
        let parsed: EmbeddingResponse = serde_json::from_slice(&bytes)
            .map_err(|e| AttemptError::Fatal(anyhow!("{} answered with unexpected JSON: {e}", self.endpoint)))?;
        self.ordered_vectors(parsed, texts.len()).map_err(AttemptError::Fatal)
    }

    fn ordered_vectors(&self, response: EmbeddingResponse, expected: usize) -> anyhow::Result<Vec<Vec<f32>>> {
        if response.data.len() != expected {
            bail!("{} returned {} embeddings for {expected} texts", self.endpoint, response.data.len());
        }
        let mut slots: Vec<Option<Vec<f32>>> = vec![None; expected];
        for item in response.data {
            if item.embedding.len() != self.dimensions {
                bail!(
                    "{} returned a {}-dimension embedding; EMBEDDING_DIMENSIONS is {}",
                    self.endpoint,
                    item.embedding.len(),
                    self.dimensions
                );
            }
            let slot = slots
                .get_mut(item.index)
                .with_context(|| format!("{} returned an embedding for index {}", self.endpoint, item.index))?;
            if slot.replace(item.embedding).is_some() {
                bail!("{} returned index {} twice", self.endpoint, item.index);
            }
        }
        slots
            .into_iter()
            .map(|slot| {
                let mut vector = slot.expect("every index was filled once: counts match and duplicates bail");
                l2_normalise(&mut vector)?;
                Ok(vector)
            })
            .collect()
    }
}

/// `Retry-After` as delay-seconds or an HTTP date.
fn retry_after(headers: &header::HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).to_std().ok()
}

#[async_trait]
impl Embedder for OpenAiEmbedder {
    fn dimensions(&self) -> usize {
        self.dimensions
    }

    fn model(&self) -> &str {
        &self.model
    }

    async fn embed(&self, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>> {
        let mut vectors = Vec::with_capacity(texts.len());
        for batch in texts.chunks(self.batch_size) {
            vectors.extend(self.embed_batch(batch).await?);
        }
        Ok(vectors)
    }
}

#[cfg(test)]
mod tests {
    use std::{
        collections::VecDeque,
        sync::{Arc, Mutex},
    };

    use axum::{
        Json, Router,
        extract::State,
        http::HeaderMap,
        response::{IntoResponse, Response},
        routing::post,
    };
    use serde_json::{Value, json};

    use super::*;

    const DIMS: usize = 4;

    /// What the fake server does with its next request; once the script runs
    /// out it answers normally.
    #[derive(Clone, Copy)]
    enum Step {
        Throttle { retry_after_secs: u64 },
        Fail(u16),
        WrongDimensions,
    }

    #[derive(Default)]
    struct Server {
        script: Mutex<VecDeque<Step>>,
        requests: Mutex<Vec<Value>>,
        authorization: Mutex<Vec<Option<String>>>,
    }

    /// A deterministic, text-dependent vector, returned unnormalised so the
    /// client's normalisation is exercised.
    fn fake_vector(text: &str, dims: usize) -> Vec<f32> {
        (0..dims).map(|i| (text.len() + i + 1) as f32 * if i % 2 == 0 { 1.0 } else { -0.5 }).collect()
    }

    async fn embeddings(State(server): State<Arc<Server>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
        server.requests.lock().unwrap().push(body.clone());
        server.authorization.lock().unwrap().push(headers.get("authorization").map(|v| v.to_str().unwrap().to_owned()));
        let step = server.script.lock().unwrap().pop_front();
        let dims = match step {
            Some(Step::Throttle { retry_after_secs }) => {
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, retry_after_secs.to_string())],
                    "slow down",
                )
                    .into_response();
            }
            Some(Step::Fail(code)) => return (StatusCode::from_u16(code).unwrap(), "boom").into_response(),
            Some(Step::WrongDimensions) => DIMS + 1,
            None => DIMS,
        };
        let inputs: Vec<String> = serde_json::from_value(body["input"].clone()).unwrap();
        // Reversed, as the protocol allows: the client must order by index.
        let data: Vec<Value> = inputs
            .iter()
            .enumerate()
            .rev()
            .map(|(index, text)| json!({"object": "embedding", "index": index, "embedding": fake_vector(text, dims)}))
            .collect();
        Json(json!({"object": "list", "data": data, "model": body["model"]})).into_response()
    }

    async fn start(script: &[Step]) -> (String, Arc<Server>) {
        let server = Arc::new(Server { script: Mutex::new(script.iter().copied().collect()), ..Default::default() });
        let app = Router::new().route("/v1/embeddings", post(embeddings)).with_state(server.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (url, server)
    }

    fn embedder(url: &str, batch_size: usize) -> OpenAiEmbedder {
        let cfg = OpenAiEmbedderConfig {
            api_url: format!("{url}/"),
            model: "test-embedding".to_owned(),
            dimensions: DIMS,
            send_dimensions: false,
            api_key: Some(Secret::new("sk-test-secret")),
            timeout: Duration::from_secs(5),
            max_retries: 3,
        };
        let mut embedder = OpenAiEmbedder::new(&cfg, batch_size).unwrap();
        embedder.first_backoff = Duration::from_millis(20);
        embedder
    }

    fn texts(n: usize) -> Vec<String> {
        (0..n).map(|i| "x".repeat(i + 1)).collect()
    }

    fn expected(text: &str) -> Vec<f32> {
        let mut v = fake_vector(text, DIMS);
        l2_normalise(&mut v).unwrap();
        v
    }

    #[tokio::test]
    async fn batches_are_sent_in_order_and_reassembled_by_index() {
        let (url, server) = start(&[]).await;
        let texts = texts(5);
        let vectors = embedder(&url, 2).embed(&texts).await.unwrap();
        assert_eq!(vectors, texts.iter().map(|t| expected(t)).collect::<Vec<_>>());
        let requests = server.requests.lock().unwrap();
        let sizes: Vec<usize> = requests.iter().map(|r| r["input"].as_array().unwrap().len()).collect();
        assert_eq!(sizes, [2, 2, 1]);
        assert_eq!(requests[0]["model"], "test-embedding");
        assert_eq!(requests[0]["encoding_format"], "float");
        assert!(requests[0].get("dimensions").is_none());
        assert!(server.authorization.lock().unwrap().iter().all(|a| a.as_deref() == Some("Bearer sk-test-secret")));
    }

    #[tokio::test]
    async fn throttling_is_retried_after_the_time_the_server_asks() {
        let (url, server) = start(&[Step::Throttle { retry_after_secs: 1 }]).await;
        let started = std::time::Instant::now();
        let vectors = embedder(&url, 8).embed(&texts(3)).await.unwrap();
        assert_eq!(vectors.len(), 3);
        assert_eq!(server.requests.lock().unwrap().len(), 2);
        assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After was not honoured");
    }

    #[tokio::test]
    async fn server_errors_are_retried_with_growing_delays() {
        let (url, server) = start(&[Step::Fail(500), Step::Fail(503), Step::Fail(502)]).await;
        let started = std::time::Instant::now();
        let vectors = embedder(&url, 8).embed(&texts(2)).await.unwrap();
        assert_eq!(vectors[1], expected("xx"));
        assert_eq!(server.requests.lock().unwrap().len(), 4);
        // Equal jitter keeps at least half of each step: 10 + 20 + 40 ms.
        assert!(started.elapsed() >= Duration::from_millis(70));
    }

    #[tokio::test]
    async fn retries_stop_after_the_configured_count() {
        let (url, server) = start(&[Step::Fail(500); 10]).await;
        let err = embedder(&url, 8).embed(&texts(1)).await.unwrap_err();
        let message = format!("{err:#}");
        assert!(message.contains("giving up after 4 attempts"), "{message}");
        assert!(message.contains("500"), "{message}");
        assert_eq!(server.requests.lock().unwrap().len(), 4);
    }

    #[tokio::test]
    async fn client_errors_are_not_retried() {
        let (url, server) = start(&[Step::Fail(400)]).await;
        let err = embedder(&url, 8).embed(&texts(1)).await.unwrap_err();
        assert!(format!("{err:#}").contains("400"));
        assert_eq!(server.requests.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn wrong_dimensions_are_an_error() {
        let (url, _server) = start(&[Step::WrongDimensions]).await;
        let err = embedder(&url, 8).embed(&texts(2)).await.unwrap_err();
        assert!(format!("{err:#}").contains("5-dimension embedding; EMBEDDING_DIMENSIONS is 4"), "{err:#}");
    }

    #[tokio::test]
    async fn unreachable_servers_are_retried_then_reported() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let err = embedder(&url, 8).embed(&texts(1)).await.unwrap_err();
        let message = format!("{err:#}");
        assert!(message.contains("giving up after 4 attempts"), "{message}");
    }

    #[tokio::test]
    async fn dimensions_are_requested_when_configured() {
        let (url, server) = start(&[]).await;
        let mut embedder = embedder(&url, 8);
        embedder.send_dimensions = true;
        embedder.embed(&texts(1)).await.unwrap();
        assert_eq!(server.requests.lock().unwrap()[0]["dimensions"], DIMS);
    }

    #[test]
    fn the_api_key_never_appears_in_debug_output() {
        let embedder = embedder("http://127.0.0.1:9", 8);
        let debug = format!("{embedder:?}");
        assert!(!debug.contains("sk-test-secret") && debug.contains("<redacted>"), "{debug}");
    }

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        let mut headers = header::HeaderMap::new();
        headers.insert(header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        let later = chrono::Utc::now() + chrono::Duration::seconds(90);
        headers.insert(header::RETRY_AFTER, later.to_rfc2822().parse().unwrap());
        let parsed = retry_after(&headers).unwrap();
        assert!(parsed > Duration::from_secs(80) && parsed <= Duration::from_secs(90), "{parsed:?}");
        headers.insert(header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }
}
