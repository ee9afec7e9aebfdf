//! Load generator of `scripts/soak`: a mixed read/write load against a running
//! `atelier serve` for a fixed time, then a report and a verdict.
//!
//! Simulated users loop over journeys until the duration or the request cap
//! runs out. Collectors browse (listings with filters and keyset cursors,
//! details, artists, categories, the feed), search (keyword and semantic
//! queries, similar works), manage their account (register, login, refresh by
//! body and by cookie, `/api/me`) and interact (views, likes, saves, their
//! saves and recommendations). Artists create a profile and artworks and
//! upload real images and hostile files through the presigned form, then poll
//! each upload until it is `ready` or `rejected`. After the load, uploads still
//! in flight are polled for a bounded time while the worker drains.
//!
//! It talks only to a loopback address. With `--server-pid` it samples the
//! server's resident memory (VmRSS) every `--rss-interval`. It prints requests,
//! statuses, latency percentiles per route template, the RSS samples, and
//! exits 1 when the soak fails: any 5xx, any request left without an answer,
//! a completed upload that never ended `ready` or `rejected`, a hostile file
//! accepted, the server gone, or RSS growing by `--max-rss-growth-pct` or more
//! after warm-up (median of the first quarter of the later samples against
//! that of the last quarter). Exit 2 is a setup error.
//!
//!   cargo run --release --example soak -- --base-url http://127.0.0.1:8080 --duration 2m

use std::{
    collections::{BTreeMap, HashSet},
    fmt::Write as _,
    net::IpAddr,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use anyhow::{Context, bail};
use clap::Parser;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use reqwest::{
    Method, RequestBuilder, StatusCode,
    header::{self, HeaderMap},
    multipart,
};
use serde_json::{Value, json};
use tokio::time::Instant;
use url::Url;
use uuid::Uuid;

// ---------------------------------------------------------------------------
// Command line

#[derive(Parser, Debug)]
#[command(about = "Mixed read/write soak load against a local Atelier server")]
struct Args {
    /// The server; only loopback addresses are accepted.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: Url,
    /// How long the load runs, e.g. 90s, 10m, 1h30m.
    #[arg(long, env = "ATELIER_SOAK_DURATION", default_value = "10m", value_parser = parse_duration)]
    duration: Duration,
    /// Simulated users running at once.
    #[arg(long, default_value_t = 12)]
    concurrency: usize,
    /// How many of the users are artists uploading images (default: one in six, at least one).
    #[arg(long)]
    artists: Option<usize>,
    /// Hard cap on requests sent, load and drain together.
    #[arg(long, default_value_t = 2_000_000)]
    max_requests: u64,
    /// Mean pause between a user's journeys, in milliseconds.
    #[arg(long, default_value_t = 100)]
    think_ms: u64,
    /// How long to keep polling uploads still processing once the load ends.
    #[arg(long, default_value = "3m", value_parser = parse_duration)]
    drain_timeout: Duration,
    /// A request with no complete answer by then counts as unanswered.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    request_timeout: Duration,
    /// Folder with images/ (and MANIFEST.tsv) and bad-images/.
    #[arg(long, env = "ATELIER_DATASETS", default_value = "../shared/datasets")]
    datasets: PathBuf,
    /// The server's process id, whose VmRSS is sampled.
    #[arg(long)]
    server_pid: Option<u32>,
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    rss_interval: Duration,
    /// The RSS baseline is the first sample taken after this fraction of the run.
    #[arg(long, default_value_t = 0.2)]
    warmup_fraction: f64,
    /// Fail when RSS grows by this much or more (percent) from the baseline to the end of the load.
    #[arg(long, default_value_t = 10.0)]
    max_rss_growth_pct: f64,
    /// Write the failure reasons here, one a line (an empty file when the soak passes).
    #[arg(long)]
    failures_out: Option<PathBuf>,
    /// Seed of the users' random choices (default: random).
    #[arg(long)]
    seed: Option<u64>,
}

/// `90`, `90s`, `10m`, `1h30m`, `500ms`.
fn parse_duration(raw: &str) -> Result<Duration, String> {
    let invalid = || format!("{raw:?} is not a duration such as 90s, 10m or 1h30m");
    let text = raw.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    if text.is_empty() {
        return Err(invalid());
    }
    let (mut total, mut rest) = (Duration::ZERO, text);
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let n: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        total += match &rest[..unit_len] {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n * 60),
            "h" => Duration::from_secs(n * 3600),
            _ => return Err(invalid()),
        };
        rest = &rest[unit_len..];
    }
    Ok(total)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

// ---------------------------------------------------------------------------
// Measurements

/// One answer kept as an example for the report.
#[derive(Clone, Debug)]
struct Example {
    status: u16,
    method: String,
    path: String,
    request_id: String,
    body: String,
}

#[derive(Default)]
struct RouteStats {
    latencies_us: Vec<u32>,
    statuses: BTreeMap<u16, u64>,
    unanswered: u64,
}

#[derive(Default)]
struct Measurements {
    routes: BTreeMap<&'static str, RouteStats>,
    server_errors: u64,
    server_error_examples: Vec<Example>,
    /// Answers whose status the journey did not expect, with the first one seen.
    unexpected: BTreeMap<(&'static str, u16), (u64, Example)>,
    unanswered: BTreeMap<(&'static str, String), u64>,
    /// 2xx answers that lacked what the journey needed from them.
    malformed: BTreeMap<&'static str, (u64, String)>,
}

#[derive(Default)]
struct Recorder(Mutex<Measurements>);

const MAX_SERVER_ERROR_EXAMPLES: usize = 20;

impl Recorder {
    fn answered(&self, route: &'static str, elapsed: Duration, expected: bool, example: Example) {
        let mut m = self.0.lock().unwrap();
        let stats = m.routes.entry(route).or_default();
        stats.latencies_us.push(u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX));
        *stats.statuses.entry(example.status).or_default() += 1;
        if example.status >= 500 {
            m.server_errors += 1;
            if m.server_error_examples.len() < MAX_SERVER_ERROR_EXAMPLES {
                m.server_error_examples.push(example.clone());
            }
        }
        if !expected {
            m.unexpected.entry((route, example.status)).or_insert_with(|| (0, example)).0 += 1;
        }
    }

    fn unanswered(&self, route: &'static str, error: &reqwest::Error) {
        let kind = if error.is_timeout() {
            "timeout".to_owned()
        } else if error.is_connect() {
            "connection failed".to_owned()
        } else {
            // The innermost cause names the problem (reset, closed early, ...).
            let mut source: &dyn std::error::Error = error;
            while let Some(next) = source.source() {
                source = next;
            }
            source.to_string()
        };
        let mut m = self.0.lock().unwrap();
        m.routes.entry(route).or_default().unanswered += 1;
        *m.unanswered.entry((route, kind)).or_default() += 1;
    }

    fn malformed(&self, route: &'static str, what: &str) {
        let mut m = self.0.lock().unwrap();
        m.malformed.entry(route).or_insert_with(|| (0, what.to_owned())).0 += 1;
    }
}

/// Requests may be sent while the clock and the shared request cap allow.
struct Budget {
    deadline: Instant,
    cap: u64,
    used: Arc<AtomicU64>,
}

impl Budget {
    fn take(&self) -> bool {
        Instant::now() < self.deadline && self.used.fetch_add(1, Ordering::Relaxed) < self.cap
    }

    fn exhausted(&self) -> bool {
        Instant::now() >= self.deadline || self.used.load(Ordering::Relaxed) >= self.cap
    }

    /// Sleeps for `pause`, or until the deadline if that comes first.
    async fn pause(&self, pause: Duration) {
        tokio::time::sleep_until(self.deadline.min(Instant::now() + pause)).await;
    }
}

// ---------------------------------------------------------------------------
// HTTP

/// Why a journey stopped early.
#[derive(Debug)]
enum Stop {
    /// The time or the request cap ran out.
    Budget,
    /// 429; the journey waits this long before the user's next one.
    RateLimited(Duration),
    /// Any other status the journey did not expect (already recorded).
    Unexpected,
    /// No answer (already recorded).
    NoAnswer,
    /// A 2xx answer without what the journey needed (already recorded).
    Malformed,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    base: Url,
    recorder: Arc<Recorder>,
    budget: Arc<Budget>,
}

impl Api {
    fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("paths made here are valid")
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, self.url(path))
    }

    fn url_with(&self, path: &str, query: &[(&str, String)]) -> Url {
        let mut url = self.url(path);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }

    /// Sends one request under `route` (its template, for the statistics) and
    /// returns the answer when its status is one of `expect`.
    async fn send(&self, route: &'static str, expect: &[u16], builder: RequestBuilder) -> Result<Reply, Stop> {
        if !self.budget.take() {
            return Err(Stop::Budget);
        }
        let request_id = Uuid::new_v4().to_string();
        let request = builder.header("x-request-id", &request_id).build().expect("requests made here are valid");
        let method = request.method().to_string();
        let path = match request.url().query() {
            Some(query) => format!("{}?{query}", request.url().path()),
            None => request.url().path().to_owned(),
        };
        let started = Instant::now();
        let answer = async {
            let response = self.http.execute(request).await?;
            let (status, headers) = (response.status(), response.headers().clone());
            let body = response.bytes().await?.to_vec();
            Ok::<_, reqwest::Error>(Reply { status, headers, body })
        }
        .await;
        let elapsed = started.elapsed();
        let reply = match answer {
            Ok(reply) => reply,
            Err(error) => {
                self.recorder.unanswered(route, &error);
                return Err(Stop::NoAnswer);
            }
        };
        let code = reply.status.as_u16();
        let expected = expect.contains(&code);
        let body = String::from_utf8_lossy(&reply.body[..reply.body.len().min(400)]).into_owned();
        self.recorder.answered(
            route,
            elapsed,
            expected || code == 429,
            Example { status: code, method, path, request_id, body },
        );
        if expected {
            Ok(reply)
        } else if code == 429 {
            let secs = reply
                .headers
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(1);
            Err(Stop::RateLimited(Duration::from_secs(secs)))
        } else {
            Err(Stop::Unexpected)
        }
    }

    fn malformed(&self, route: &'static str, what: &str) -> Stop {
        self.recorder.malformed(route, what);
        Stop::Malformed
    }
}

/// `value[key]` as a string, or a recorded malformed answer.
fn text(api: &Api, route: &'static str, value: &Value, key: &str) -> Result<String, Stop> {
    value[key].as_str().map(str::to_owned).ok_or_else(|| api.malformed(route, &format!("no string {key:?}")))
}

// ---------------------------------------------------------------------------
// Shared state: what users have seen of the catalogue, the test files, uploads

const POOL_CAP: usize = 5000;

#[derive(Default)]
struct Pool {
    artworks: Vec<String>,
    seen: HashSet<String>,
    artists: Vec<String>,
    seen_artists: HashSet<String>,
    categories: Vec<String>,
    styles: Vec<String>,
    tags: Vec<String>,
}

impl Pool {
    /// Learns ids, artists, styles and tags from a list of artworks or cards.
    fn learn(&mut self, items: &Value) {
        for item in items.as_array().into_iter().flatten() {
            if let Some(id) = item["id"].as_str()
                && self.artworks.len() < POOL_CAP
                && self.seen.insert(id.to_owned())
            {
                self.artworks.push(id.to_owned());
            }
            // Half the artist look-ups go by slug, half by id.
            for key in ["id", "slug"] {
                if let Some(artist) = item["artist"][key].as_str()
                    && self.artists.len() < POOL_CAP
                    && self.seen_artists.insert(artist.to_owned())
                {
                    self.artists.push(artist.to_owned());
                }
            }
            for (key, into) in [("styles", &mut self.styles), ("tags", &mut self.tags)] {
                for label in item[key].as_array().into_iter().flatten().filter_map(Value::as_str) {
                    if into.len() < 500 && !into.iter().any(|l| l == label) {
                        into.push(label.to_owned());
                    }
                }
            }
        }
    }

    fn learn_categories(&mut self, nodes: &Value) {
        for node in nodes.as_array().into_iter().flatten() {
            if let Some(slug) = node["slug"].as_str()
                && !self.categories.iter().any(|c| c == slug)
            {
                self.categories.push(slug.to_owned());
            }
            self.learn_categories(&node["children"]);
        }
    }
}

struct TestFile {
    name: String,
    bytes: Vec<u8>,
    content_type: &'static str,
}

/// Hostile files whose content is a valid image under another name: the
/// server may accept them by content.
const VALID_UNDER_ANOTHER_NAME: [&str; 1] = ["wrong_extension_png_content.jpg"];

struct Files {
    good: Vec<TestFile>,
    bad: Vec<TestFile>,
}

fn content_type_of(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".png") {
        "image/png"
    } else if lower.ends_with(".webp") {
        "image/webp"
    } else if lower.ends_with(".tif") || lower.ends_with(".tiff") {
        "image/tiff"
    } else {
        "image/jpeg"
    }
}

impl Files {
    fn load(datasets: &Path) -> anyhow::Result<Self> {
        let images = datasets.join("images");
        let manifest = std::fs::read_to_string(images.join("MANIFEST.tsv"))
            .with_context(|| format!("reading {}", images.join("MANIFEST.tsv").display()))?;
        let mut good = Vec::new();
        for line in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let name = line.split('\t').next().unwrap_or_default();
            let bytes = std::fs::read(images.join(name)).with_context(|| format!("reading images/{name}"))?;
            good.push(TestFile { name: name.to_owned(), content_type: content_type_of(name), bytes });
        }
        let mut bad = Vec::new();
        let bad_dir = datasets.join("bad-images");
        for entry in std::fs::read_dir(&bad_dir).with_context(|| format!("listing {}", bad_dir.display()))? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") || name.ends_with(".tsv") || !entry.file_type()?.is_file() {
                continue;
            }
            let bytes = std::fs::read(entry.path()).with_context(|| format!("reading bad-images/{name}"))?;
            bad.push(TestFile { content_type: content_type_of(&name), name, bytes });
        }
        bad.sort_by(|a, b| a.name.cmp(&b.name));
        if good.is_empty() {
            bail!("{} lists no images", images.join("MANIFEST.tsv").display());
        }
        Ok(Self { good, bad })
    }
}

/// A signed-in user. Shared by the artist who uploads and the drain that
/// polls their uploads after the load.
struct Session {
    email: String,
    access: String,
    refresh: String,
    obtained: Instant,
    lifetime: Duration,
}

type SharedSession = Arc<tokio::sync::Mutex<Session>>;

/// An upload whose file was sent and completed (202): it must end `ready` or `rejected`.
struct TrackedUpload {
    id: String,
    file: String,
    hostile: bool,
    session: SharedSession,
    outcome: Option<(String, Option<String>)>,
}

#[derive(Default)]
struct UploadCounts {
    started: u64,
    refused_at_start: BTreeMap<u16, u64>,
    refused_by_form: BTreeMap<u16, u64>,
    artists: u64,
    artworks: u64,
}

struct World {
    run_id: String,
    next_id: AtomicU64,
    think: Duration,
    pool: Mutex<Pool>,
    files: Files,
    uploads: Mutex<Vec<TrackedUpload>>,
    counts: Mutex<UploadCounts>,
}

impl World {
    fn unique(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    fn random_artwork(&self, rng: &mut StdRng) -> Option<String> {
        self.pool.lock().unwrap().artworks.choose(rng).cloned()
    }

    fn learn(&self, items: &Value) {
        self.pool.lock().unwrap().learn(items);
    }

    fn record_outcome(&self, index: usize, status: &str, reason: Option<String>) {
        self.uploads.lock().unwrap()[index].outcome = Some((status.to_owned(), reason));
    }
}

/// What a journey runs with: the API under some budget and the shared world.
struct Ctx {
    api: Api,
    world: Arc<World>,
}

// ---------------------------------------------------------------------------
// Accounts

const PASSWORD: &str = "violet-harbour-mosaic-42";

/// A browser's refresh token comes in its cookie, a client's that asked for
/// it in the body.
fn session_from(api: &Api, route: &'static str, reply: &Reply, email: &str) -> Result<Session, Stop> {
    let body = reply.json();
    let from_cookie = reply
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .and_then(|pair| pair.strip_prefix("refresh_token="))
        .map(str::to_owned);
    let refresh = match from_cookie {
        Some(token) => token,
        None => text(api, route, &body, "refresh_token")?,
    };
    Ok(Session {
        email: email.to_owned(),
        access: text(api, route, &body, "access_token")?,
        refresh,
        obtained: Instant::now(),
        lifetime: Duration::from_secs(body["expires_in"].as_u64().unwrap_or(900)),
    })
}

async fn register(cx: &Ctx, role: &str) -> Result<Session, Stop> {
    const ROUTE: &str = "POST /api/auth/register";
    let n = cx.world.unique();
    let email = format!("soak-{}-{n}@example.com", cx.world.run_id);
    let body = json!({"email": email, "password": PASSWORD, "display_name": format!("Soak {role} {n}"), "role": role});
    let reply = cx.api.send(ROUTE, &[201], cx.api.request(Method::POST, "/api/auth/register").json(&body)).await?;
    session_from(&cx.api, ROUTE, &reply, &email)
}

async fn login(cx: &Ctx, email: &str) -> Result<Session, Stop> {
    const ROUTE: &str = "POST /api/auth/login";
    let body = json!({"email": email, "password": PASSWORD});
    let reply = cx.api.send(ROUTE, &[200], cx.api.request(Method::POST, "/api/auth/login").json(&body)).await?;
    session_from(&cx.api, ROUTE, &reply, email)
}

/// Rotates the refresh token, presented in the body or as the web's cookie.
async fn refresh(cx: &Ctx, session: &Session, by_cookie: bool) -> Result<Session, Stop> {
    const ROUTE: &str = "POST /api/auth/refresh";
    let builder = cx.api.request(Method::POST, "/api/auth/refresh");
    let builder = if by_cookie {
        builder.header(header::COOKIE, format!("refresh_token={}", session.refresh))
    } else {
        builder.json(&json!({"refresh_token": session.refresh}))
    };
    let reply = cx.api.send(ROUTE, &[200], builder).await?;
    session_from(&cx.api, ROUTE, &reply, &session.email)
}

async fn me(cx: &Ctx, access: &str) -> Result<Value, Stop> {
    let reply = cx.api.send("GET /api/me", &[200], cx.api.request(Method::GET, "/api/me").bearer_auth(access)).await?;
    Ok(reply.json())
}

/// A valid access token, refreshed once half its lifetime has passed.
async fn bearer(cx: &Ctx, session: &SharedSession) -> Result<String, Stop> {
    let mut session = session.lock().await;
    if session.obtained.elapsed() > session.lifetime / 2 {
        *session = refresh(cx, &session, false).await?;
    }
    Ok(session.access.clone())
}

// ---------------------------------------------------------------------------
// Collector journeys

const SEARCHES: [&str; 32] = [
    // Keywords, as typed by collectors who know what they want.
    "turner",
    "hockney",
    "st ives",
    "etching",
    "screenprint",
    "bronze",
    "watercolour",
    "lithograph",
    "self-portrait",
    "constable",
    "henry moore",
    "pop art",
    "vorticism",
    "barbara hepworth",
    "café",
    "nude",
    // Descriptions, which only the semantic side can answer well.
    "stormy sea at night",
    "quiet interior with morning light",
    "bright colourful abstract painting",
    "a lonely figure on a beach",
    "industrial city in the rain",
    "flowers in a vase",
    "horses in a field",
    "bombed city ruins after the war",
    "mother and child",
    "geometric shapes in black and white",
    "something calm and blue for a bedroom",
    "dramatic mountain landscape",
    "surrealist dream with strange creatures",
    "moonlight over the river",
    "portrait of a woman in a red dress",
    "cathedral architecture drawing",
];

async fn browse(cx: &Ctx, rng: &mut StdRng) -> Result<(), Stop> {
    let api = &cx.api;
    if rng.gen_bool(0.2) || cx.world.pool.lock().unwrap().categories.is_empty() {
        let reply = api.send("GET /api/categories", &[200], api.request(Method::GET, "/api/categories")).await?;
        cx.world.pool.lock().unwrap().learn_categories(&reply.json());
    }

    let mut query = listing_filters(cx, rng);
    let mut items = Value::Null;
    for _ in 0..rng.gen_range(1..=3) {
        let url = api.url_with("/api/artworks", &query);
        let page = api.send("GET /api/artworks", &[200], api.http.get(url)).await?.json();
        cx.world.learn(&page["items"]);
        items = page["items"].clone();
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                query.retain(|(k, _)| *k != "cursor");
                query.push(("cursor", cursor.to_owned()));
            }
            None => break,
        }
    }

    let listed: Vec<String> =
        items.as_array().into_iter().flatten().filter_map(|i| i["id"].as_str().map(str::to_owned)).collect();
    for _ in 0..rng.gen_range(1..=3) {
        let id = match listed.choose(rng) {
            Some(id) => id.clone(),
            None => match cx.world.random_artwork(rng) {
                Some(id) => id,
                None => break,
            },
        };
        let path = format!("/api/artworks/{id}");
        let detail = api.send("GET /api/artworks/{id}", &[200], api.request(Method::GET, &path)).await?;
        // A browser coming back revalidates what it has.
        if let Some(etag) = detail.headers.get(header::ETAG).filter(|_| rng.gen_bool(0.3)) {
            let revalidate = api.request(Method::GET, &path).header(header::IF_NONE_MATCH, etag.clone());
            api.send("GET /api/artworks/{id}", &[304], revalidate).await?;
        }
    }

    let artist = cx.world.pool.lock().unwrap().artists.choose(rng).cloned();
    if let Some(artist) = artist {
        let path = format!("/api/artists/{}", utf8_path_segment(&artist));
        api.send("GET /api/artists/{id}", &[200], api.request(Method::GET, &path)).await?;
    }

    if rng.gen_bool(0.5) {
        let page = api.send("GET /api/feed", &[200], api.request(Method::GET, "/api/feed")).await?.json();
        cx.world.learn(&page["items"]);
        if let Some(cursor) = page["next_cursor"].as_str().filter(|_| rng.gen_bool(0.5)) {
            let url = api.url_with("/api/feed", &[("cursor", cursor.to_owned())]);
            api.send("GET /api/feed", &[200], api.http.get(url)).await?;
        }
    }
    Ok(())
}

fn utf8_path_segment(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}

/// A random combination of the listing's filters and sort orders.
fn listing_filters(cx: &Ctx, rng: &mut StdRng) -> Vec<(&'static str, String)> {
    let pool = cx.world.pool.lock().unwrap();
    let mut query = Vec::new();
    let mut maybe = |p: f64, key: &'static str, values: &[String], rng: &mut StdRng| {
        if rng.gen_bool(p)
            && let Some(value) = values.choose(rng)
        {
            query.push((key, value.clone()));
        }
    };
    maybe(0.4, "category", &pool.categories, rng);
    maybe(0.15, "style", &pool.styles, rng);
    maybe(0.15, "tag", &pool.tags, rng);
    drop(pool);
    if rng.gen_bool(0.2) {
        let min = rng.gen_range(0..50_000i64) * 100;
        query.push(("min_price", min.to_string()));
        query.push(("max_price", (min + rng.gen_range(1_000..500_000i64) * 100).to_string()));
        if rng.gen_bool(0.5) {
            query.push(("currency", "GBP".to_owned()));
        }
    }
    if rng.gen_bool(0.15) {
        let from = rng.gen_range(1750..2000);
        query.push(("year_from", from.to_string()));
        query.push(("year_to", (from + rng.gen_range(5..60)).to_string()));
    }
    if rng.gen_bool(0.5) {
        let sort = ["newest", "price_asc", "price_desc"].choose(rng).unwrap();
        query.push(("sort", (*sort).to_owned()));
    }
    query.push(("limit", [12, 24, 48, 100].choose(rng).unwrap().to_string()));
    query
}

async fn search(cx: &Ctx, rng: &mut StdRng, session: Option<&SharedSession>) -> Result<(), Stop> {
    let api = &cx.api;
    let mut query = vec![("q", (*SEARCHES.choose(rng).unwrap()).to_owned())];
    match rng.gen_range(0..10) {
        0..=1 => query.push(("mode", "keyword".to_owned())),
        2..=3 => query.push(("mode", "semantic".to_owned())),
        _ => {}
    }
    if rng.gen_bool(0.2) {
        let category = cx.world.pool.lock().unwrap().categories.choose(rng).cloned();
        if let Some(category) = category {
            query.push(("category", category));
        }
    }
    // Signed-in searches spend the user's budget, anonymous ones the address's.
    let token = match session {
        Some(session) if rng.gen_bool(0.5) => Some(bearer(cx, session).await?),
        _ => None,
    };
    let with_token = |builder: RequestBuilder| match &token {
        Some(token) => builder.bearer_auth(token),
        None => builder,
    };
    let page = api
        .send("GET /api/search", &[200], with_token(api.http.get(api.url_with("/api/search", &query))))
        .await?
        .json();
    cx.world.learn(&page["items"]);
    let mut hits: Vec<String> =
        page["items"].as_array().into_iter().flatten().filter_map(|i| i["id"].as_str().map(str::to_owned)).collect();
    if let Some(cursor) = page["next_cursor"].as_str().filter(|_| rng.gen_bool(0.3)) {
        query.push(("cursor", cursor.to_owned()));
        let url = api.url_with("/api/search", &query);
        let next = api.send("GET /api/search", &[200], with_token(api.http.get(url))).await?.json();
        cx.world.learn(&next["items"]);
    }
    hits.truncate(5);
    let target = match hits.choose(rng) {
        Some(id) => Some(id.clone()),
        None => cx.world.random_artwork(rng),
    };
    if let Some(id) = target {
        let url = api.url_with(&format!("/api/artworks/{id}/similar"), &[("limit", "12".to_owned())]);
        let similar = api.send("GET /api/artworks/{id}/similar", &[200], api.http.get(url)).await?.json();
        cx.world.learn(&similar);
    }
    Ok(())
}

/// Sign up, look at yourself, sign in again, refresh by body and by cookie.
/// The newest session replaces the user's.
async fn account(cx: &Ctx, rng: &mut StdRng, session: &mut Option<SharedSession>) -> Result<(), Stop> {
    let registered = register(cx, "collector").await?;
    me(cx, &registered.access).await?;
    let signed_in = login(cx, &registered.email).await?;
    let by_body = refresh(cx, &signed_in, false).await?;
    let latest = if rng.gen_bool(0.5) { refresh(cx, &by_body, true).await? } else { by_body };
    let profile = me(cx, &latest.access).await?;
    if profile["email"].as_str() != Some(latest.email.as_str()) {
        return Err(cx.api.malformed("GET /api/me", "answered with another user's e-mail"));
    }
    *session = Some(Arc::new(tokio::sync::Mutex::new(latest)));
    Ok(())
}

async fn interact(cx: &Ctx, rng: &mut StdRng, session: &SharedSession) -> Result<(), Stop> {
    let api = &cx.api;
    let token = bearer(cx, session).await?;
    for _ in 0..rng.gen_range(1..=4) {
        let Some(artwork) = cx.world.random_artwork(rng) else { break };
        let kind = match rng.gen_range(0..10) {
            0..=5 => "view",
            6..=7 => "like",
            _ => "save",
        };
        let body = json!({"artwork_id": artwork, "kind": kind});
        // A repeat of the same interaction within a day answers 200.
        api.send(
            "POST /api/interactions",
            &[200, 201],
            api.request(Method::POST, "/api/interactions").bearer_auth(&token).json(&body),
        )
        .await?;
    }
    let saves_url = api.url_with("/api/me/saves", &[("limit", "24".to_owned())]);
    let saves = api.send("GET /api/me/saves", &[200], api.http.get(saves_url).bearer_auth(&token)).await?.json();
    if let Some(cursor) = saves["next_cursor"].as_str().filter(|_| rng.gen_bool(0.3)) {
        let url = api.url_with("/api/me/saves", &[("limit", "24".to_owned()), ("cursor", cursor.to_owned())]);
        api.send("GET /api/me/saves", &[200], api.http.get(url).bearer_auth(&token)).await?;
    }
    let url = api.url_with("/api/me/recommendations", &[("limit", "10".to_owned())]);
    let recommended =
        api.send("GET /api/me/recommendations", &[200], api.http.get(url).bearer_auth(&token)).await?.json();
    cx.world.learn(&recommended["items"]);
    Ok(())
}

// ---------------------------------------------------------------------------
// Artist journeys: uploads

/// Uploads per artist account before a fresh one takes over (well inside the
/// storage quota), and per artwork (the server allows 12 images).
const UPLOADS_PER_ARTIST: u32 = 30;
const UPLOADS_PER_ARTWORK: u32 = 10;
const HOSTILE_SHARE: f64 = 0.15;
const POLL_EVERY: Duration = Duration::from_millis(500);
const POLL_FOR: Duration = Duration::from_secs(120);

struct Artist {
    session: SharedSession,
    uploads: u32,
    /// The published artwork receiving real images, and how many it has.
    artwork: Option<(String, u32)>,
}

async fn new_artist(cx: &Ctx) -> Result<Artist, Stop> {
    const ROUTE: &str = "POST /api/artists";
    let session = register(cx, "artist").await?;
    let slug = format!("soak-{}-{}", cx.world.run_id, cx.world.unique());
    let body = json!({"slug": slug, "bio": "Paints what the soak test asks for.", "styles": ["Abstract"]});
    cx.api
        .send(ROUTE, &[201], cx.api.request(Method::POST, "/api/artists").bearer_auth(&session.access).json(&body))
        .await?;
    cx.world.counts.lock().unwrap().artists += 1;
    Ok(Artist { session: Arc::new(tokio::sync::Mutex::new(session)), uploads: 0, artwork: None })
}

const TITLES: [&str; 8] = [
    "Harbour at Dusk",
    "Study in Ochre",
    "Night Ferry",
    "Orchard After Rain",
    "Blue Interior",
    "Salt Marsh",
    "The Long Table",
    "Winter Allotment",
];

/// Creates an artwork; some creations are retried with the same
/// Idempotency-Key, as a client would after a lost answer.
async fn create_artwork(cx: &Ctx, rng: &mut StdRng, token: &str, status: &str) -> Result<String, Stop> {
    const ROUTE: &str = "POST /api/artworks";
    let category = {
        let pool = cx.world.pool.lock().unwrap();
        if rng.gen_bool(0.7) { None } else { pool.categories.choose(rng).cloned() }
    };
    let body = json!({
        "title": TITLES.choose(rng).unwrap(),
        "description": "Made during a soak test of the marketplace.",
        "medium": "Oil on linen",
        "category": category.unwrap_or_else(|| "painting".to_owned()),
        "styles": ["Abstract"],
        "tags": ["soak", "test"],
        "year": 2025,
        "dimensions": {"height_mm": rng.gen_range(200..1500), "width_mm": rng.gen_range(200..1500)},
        "edition": {"kind": "unique"},
        "price": {"amount_minor": rng.gen_range(100..20_000) * 100, "currency": "GBP"},
        "status": status,
    });
    let key = Uuid::new_v4().to_string();
    let post =
        || cx.api.request(Method::POST, "/api/artworks").bearer_auth(token).header("idempotency-key", &key).json(&body);
    let created = cx.api.send(ROUTE, &[201], post()).await?;
    let id = text(&cx.api, ROUTE, &created.json(), "id")?;
    if rng.gen_bool(0.1) {
        let replay = cx.api.send(ROUTE, &[201], post()).await?;
        if replay.json()["id"].as_str() != Some(id.as_str()) {
            return Err(cx.api.malformed(ROUTE, "a replay with the same Idempotency-Key made another artwork"));
        }
    }
    cx.world.counts.lock().unwrap().artworks += 1;
    Ok(id)
}

/// Starts an upload, sends the file with the presigned form, completes it and
/// polls until it is processed.
async fn upload(cx: &Ctx, rng: &mut StdRng, artist: &mut Option<Artist>) -> Result<(), Stop> {
    let api = &cx.api;
    if artist.as_ref().is_none_or(|a| a.uploads >= UPLOADS_PER_ARTIST) {
        *artist = Some(new_artist(cx).await?);
    }
    let artist = artist.as_mut().expect("set above");
    let hostile = !cx.world.files.bad.is_empty() && rng.gen_bool(HOSTILE_SHARE);
    let file =
        if hostile { cx.world.files.bad.choose(rng) } else { cx.world.files.good.choose(rng) }.expect("not empty");
    let token = bearer(cx, &artist.session).await?;
    artist.uploads += 1;

    // A hostile file goes on a draft of its own, as an artist testing the waters would.
    let artwork_id = if hostile {
        create_artwork(cx, rng, &token, "draft").await?
    } else {
        match &mut artist.artwork {
            Some((id, images)) if *images < UPLOADS_PER_ARTWORK => {
                *images += 1;
                id.clone()
            }
            _ => {
                let id = create_artwork(cx, rng, &token, "published").await?;
                artist.artwork = Some((id.clone(), 1));
                id
            }
        }
    };

    let body = json!({"artwork_id": artwork_id, "filename": file.name, "content_type": file.content_type, "size_bytes": file.bytes.len()});
    // A hostile file may be refused from its declared size or type.
    let expect: &[u16] = if hostile { &[201, 400, 413, 415, 422] } else { &[201] };
    let started = api
        .send("POST /api/uploads", expect, api.request(Method::POST, "/api/uploads").bearer_auth(&token).json(&body))
        .await?;
    if started.status != StatusCode::CREATED {
        *cx.world.counts.lock().unwrap().refused_at_start.entry(started.status.as_u16()).or_default() += 1;
        return Ok(());
    }
    cx.world.counts.lock().unwrap().started += 1;
    let created = started.json();
    let upload_id = text(api, "POST /api/uploads", &created, "id")?;

    let form = &created["form"];
    let form_url = form["url"].as_str().and_then(|u| api.base.join(u).ok());
    let Some(form_url) = form_url.filter(is_loopback) else {
        return Err(api.malformed("POST /api/uploads", "the form's url is missing or not on this machine"));
    };
    let mut parts = multipart::Form::new();
    for (name, value) in form["fields"].as_object().into_iter().flatten() {
        parts = parts.text(name.clone(), value.as_str().unwrap_or_default().to_owned());
    }
    let file_part = multipart::Part::bytes(file.bytes.clone())
        .file_name(file.name.clone())
        .mime_str(file.content_type)
        .expect("a valid mime type");
    parts = parts.part("file", file_part);
    let expect: &[u16] = if hostile { &[204, 400, 413, 415, 422] } else { &[204] };
    let sent = api.send("POST /api/blobs", expect, api.http.post(form_url).multipart(parts)).await?;
    if sent.status != StatusCode::NO_CONTENT {
        *cx.world.counts.lock().unwrap().refused_by_form.entry(sent.status.as_u16()).or_default() += 1;
        return Ok(());
    }

    let complete = format!("/api/uploads/{upload_id}/complete");
    api.send(
        "POST /api/uploads/{id}/complete",
        &[202],
        api.request(Method::POST, &complete).bearer_auth(&token).json(&json!({})),
    )
    .await?;
    let index = {
        let mut uploads = cx.world.uploads.lock().unwrap();
        uploads.push(TrackedUpload {
            id: upload_id.clone(),
            file: file.name.clone(),
            hostile,
            session: artist.session.clone(),
            outcome: None,
        });
        uploads.len() - 1
    };

    let until = Instant::now() + POLL_FOR;
    while Instant::now() < until {
        api.budget.pause(POLL_EVERY).await;
        if let Some(status) = poll_upload(cx, index).await? {
            if status == "ready" {
                let path = format!("/api/artworks/{artwork_id}");
                let token = bearer(cx, &artist.session).await?;
                api.send("GET /api/artworks/{id}", &[200], api.request(Method::GET, &path).bearer_auth(&token)).await?;
            }
            return Ok(());
        }
    }
    Ok(())
}

/// Asks for a tracked upload's state; returns it once final.
async fn poll_upload(cx: &Ctx, index: usize) -> Result<Option<String>, Stop> {
    const ROUTE: &str = "GET /api/uploads/{id}";
    let (id, session) = {
        let uploads = cx.world.uploads.lock().unwrap();
        (uploads[index].id.clone(), uploads[index].session.clone())
    };
    let token = bearer(cx, &session).await?;
    let reply = cx
        .api
        .send(ROUTE, &[200], cx.api.request(Method::GET, &format!("/api/uploads/{id}")).bearer_auth(&token))
        .await?;
    let body = reply.json();
    let status = text(&cx.api, ROUTE, &body, "status")?;
    match status.as_str() {
        "ready" | "rejected" => {
            cx.world.record_outcome(index, &status, body["rejection_reason"].as_str().map(str::to_owned));
            Ok(Some(status))
        }
        "pending" | "processing" => Ok(None),
        other => Err(cx.api.malformed(ROUTE, &format!("unknown status {other:?}"))),
    }
}

// ---------------------------------------------------------------------------
// Users

#[derive(Clone, Copy)]
enum Role {
    Collector,
    Artist,
}

async fn run_user(cx: Ctx, role: Role, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut collector: Option<SharedSession> = None;
    let mut artist: Option<Artist> = None;
    while !cx.api.budget.exhausted() {
        let outcome = match role {
            Role::Artist => upload(&cx, &mut rng, &mut artist).await,
            Role::Collector => match (rng.gen_range(0..100), &collector) {
                (0..40, _) => browse(&cx, &mut rng).await,
                (40..65, session) => {
                    let session = session.clone();
                    search(&cx, &mut rng, session.as_ref()).await
                }
                (65..85, Some(session)) => {
                    let session = session.clone();
                    interact(&cx, &mut rng, &session).await
                }
                _ => account(&cx, &mut rng, &mut collector).await,
            },
        };
        let pause = match outcome {
            Err(Stop::Budget) => break,
            Err(Stop::RateLimited(wait)) => wait.min(Duration::from_secs(5)),
            _ => cx.world.think.mul_f64(rng.gen_range(0.0..2.0)),
        };
        cx.api.budget.pause(pause).await;
    }
}

/// Fills the pool before the users start: categories and a few listing pages.
async fn bootstrap(cx: &Ctx) -> anyhow::Result<()> {
    let api = &cx.api;
    let categories = api
        .send("GET /api/categories", &[200], api.request(Method::GET, "/api/categories"))
        .await
        .map_err(|stop| anyhow::anyhow!("GET /api/categories failed: {stop:?}"))?;
    cx.world.pool.lock().unwrap().learn_categories(&categories.json());
    let mut query = vec![("limit", "100".to_owned())];
    for _ in 0..5 {
        let url = api.url_with("/api/artworks", &query);
        let page = api
            .send("GET /api/artworks", &[200], api.http.get(url))
            .await
            .map_err(|stop| anyhow::anyhow!("GET /api/artworks failed: {stop:?}"))?
            .json();
        cx.world.learn(&page["items"]);
        let Some(cursor) = page["next_cursor"].as_str() else { break };
        query = vec![("limit", "100".to_owned()), ("cursor", cursor.to_owned())];
    }
    if cx.world.pool.lock().unwrap().artworks.is_empty() {
        bail!("GET /api/artworks listed nothing; is the database seeded?");
    }
    Ok(())
}

/// Polls every upload without a final state until all have one or the drain
/// budget runs out.
async fn drain(cx: &Ctx) {
    loop {
        let open: Vec<usize> = {
            let uploads = cx.world.uploads.lock().unwrap();
            (0..uploads.len()).filter(|&i| uploads[i].outcome.is_none()).collect()
        };
        if open.is_empty() {
            return;
        }
        for index in open {
            if let Err(Stop::Budget) = poll_upload(cx, index).await {
                return;
            }
        }
        if cx.api.budget.exhausted() {
            return;
        }
        cx.api.budget.pause(Duration::from_secs(1)).await;
    }
}

// ---------------------------------------------------------------------------
// Server memory

#[derive(Clone, Copy)]
struct RssSample {
    at: Duration,
    kib: u64,
    during_load: bool,
}

fn vm_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[derive(Default)]
struct RssLog {
    samples: Vec<RssSample>,
    /// When the process was found gone, if it was.
    gone_at: Option<Duration>,
}

fn sample_rss(pid: u32, started: Instant, during_load: bool, log: &Mutex<RssLog>) {
    let at = started.elapsed();
    let mut log = log.lock().unwrap();
    match vm_rss_kib(pid) {
        Some(kib) => log.samples.push(RssSample { at, kib, during_load }),
        None => {
            log.gone_at.get_or_insert(at);
        }
    }
}

// ---------------------------------------------------------------------------
// Report

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1]) / 1000.0
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

struct Verdict {
    failures: Vec<String>,
    notes: Vec<String>,
}

/// Answers so far.
fn answered(measurements: &Measurements) -> u64 {
    measurements.routes.values().map(|r| r.statuses.values().sum::<u64>()).sum()
}

struct LoadSummary {
    time: Duration,
    /// Answers received during the load, before the drain.
    answered: u64,
}

fn report(
    args: &Args,
    world: &World,
    measurements: &Measurements,
    rss: &RssLog,
    load: &LoadSummary,
) -> (String, Verdict) {
    let mut out = String::new();
    let mut verdict = Verdict { failures: Vec::new(), notes: Vec::new() };
    report_requests(&mut out, &mut verdict, args, measurements, load);
    report_uploads(&mut out, &mut verdict, args, world);
    report_memory(&mut out, &mut verdict, args, rss);
    for note in &verdict.notes {
        let _ = writeln!(out, "note: {note}");
    }
    (out, verdict)
}

/// Requests, statuses, latencies; fails on 5xx and unanswered requests.
fn report_requests(
    out: &mut String,
    verdict: &mut Verdict,
    args: &Args,
    measurements: &Measurements,
    load: &LoadSummary,
) {
    let routes = &measurements.routes;
    let served = answered(measurements);
    let unanswered: u64 = routes.values().map(|r| r.unanswered).sum();
    let mut by_status: BTreeMap<u16, u64> = BTreeMap::new();
    for stats in routes.values() {
        for (status, count) in &stats.statuses {
            *by_status.entry(*status).or_default() += count;
        }
    }

    let _ = writeln!(out, "== soak report ==");
    let _ = writeln!(
        out,
        "load: {:.0} s, {} users ({} artists), think {} ms, against {}",
        load.time.as_secs_f64(),
        args.concurrency,
        artists_of(args),
        args.think_ms,
        args.base_url
    );
    let _ = writeln!(
        out,
        "requests served: {served} ({} during the load, {:.1}/s; {} while draining), unanswered: {unanswered}",
        load.answered,
        load.answered as f64 / load.time.as_secs_f64().max(1.0),
        served - load.answered
    );
    let statuses: Vec<String> = by_status.iter().map(|(s, n)| format!("{s}: {n}")).collect();
    let _ = writeln!(out, "answers by status: {}", statuses.join(", "));
    let errors: Vec<String> =
        by_status.iter().filter(|(s, _)| **s >= 400 && **s != 429).map(|(s, n)| format!("{s}: {n}")).collect();
    let _ = writeln!(
        out,
        "errors by status: {} (429 rate limited, counted apart: {})",
        if errors.is_empty() { "none".to_owned() } else { errors.join(", ") },
        by_status.get(&429).copied().unwrap_or(0)
    );

    let _ = writeln!(out, "\nlatency per route (ms, from sending to the last byte of the answer):");
    let _ = writeln!(out, "  {:<36} {:>8} {:>9} {:>9} {:>9}  statuses", "route", "answers", "p50", "p99", "max");
    for (route, stats) in routes {
        let mut sorted = stats.latencies_us.clone();
        sorted.sort_unstable();
        let statuses: Vec<String> = stats.statuses.iter().map(|(s, n)| format!("{s}×{n}")).collect();
        let mut statuses = statuses.join(" ");
        if stats.unanswered > 0 {
            let _ = write!(statuses, " unanswered×{}", stats.unanswered);
        }
        let _ = writeln!(
            out,
            "  {:<36} {:>8} {:>9.1} {:>9.1} {:>9.1}  {statuses}",
            route,
            sorted.len(),
            percentile(&sorted, 50.0),
            percentile(&sorted, 99.0),
            sorted.last().map_or(f64::NAN, |&us| f64::from(us) / 1000.0),
        );
    }

    if !measurements.unexpected.is_empty() {
        let _ = writeln!(out, "\nanswers the journeys did not expect (first example of each):");
        for ((route, status), (count, example)) in &measurements.unexpected {
            let _ = writeln!(
                out,
                "  {route} -> {status} ×{count}: {} {} (x-request-id {}) {}",
                example.method,
                example.path,
                example.request_id,
                one_line(&example.body)
            );
        }
    }
    for ((route, kind), count) in &measurements.unanswered {
        let _ = writeln!(out, "  {route}: no answer ×{count} ({kind})");
    }
    for (route, (count, what)) in &measurements.malformed {
        let _ = writeln!(out, "  {route}: malformed 2xx answer ×{count} ({what})");
    }

    if measurements.server_errors > 0 {
        verdict.failures.push(format!("{} 5xx answer(s)", measurements.server_errors));
        let _ = writeln!(out, "\n5xx answers (up to {MAX_SERVER_ERROR_EXAMPLES}):");
        for e in &measurements.server_error_examples {
            let _ = writeln!(
                out,
                "  {} {} {} (x-request-id {}): {}",
                e.status,
                e.method,
                e.path,
                e.request_id,
                one_line(&e.body)
            );
        }
    }
    if unanswered > 0 {
        verdict.failures.push(format!("{unanswered} request(s) got no answer"));
    }
    if served == 0 {
        verdict.failures.push("no request was answered".to_owned());
    }
}

/// What became of the uploads; fails on lost uploads and accepted hostile files.
fn report_uploads(out: &mut String, verdict: &mut Verdict, args: &Args, world: &World) {
    let counts = world.counts.lock().unwrap();
    let uploads = world.uploads.lock().unwrap();
    let tally = |hostile: bool, status: Option<&str>| {
        uploads.iter().filter(|u| u.hostile == hostile && u.outcome.as_ref().map(|o| o.0.as_str()) == status).count()
    };
    let _ = writeln!(
        out,
        "\nuploads: {} artists, {} artworks; {} forms issued; refused when starting: {:?}; refused by the form: {:?}",
        counts.artists, counts.artworks, counts.started, counts.refused_at_start, counts.refused_by_form
    );
    let _ = writeln!(
        out,
        "  completed {}: real images {} ready, {} rejected, {} unfinished; hostile files {} rejected, {} ready, {} unfinished",
        uploads.len(),
        tally(false, Some("ready")),
        tally(false, Some("rejected")),
        tally(false, None),
        tally(true, Some("rejected")),
        tally(true, Some("ready")),
        tally(true, None),
    );
    let mut real_rejections: BTreeMap<(String, String), u64> = BTreeMap::new();
    for u in uploads.iter().filter(|u| !u.hostile) {
        if let Some((status, reason)) = &u.outcome
            && status == "rejected"
        {
            *real_rejections.entry((u.file.clone(), reason.clone().unwrap_or_default())).or_default() += 1;
        }
    }
    for ((file, reason), count) in &real_rejections {
        let _ = writeln!(out, "  real image rejected ×{count}: {file}: {reason}");
    }
    let lost: Vec<&TrackedUpload> = uploads.iter().filter(|u| u.outcome.is_none()).collect();
    if !lost.is_empty() {
        verdict.failures.push(format!(
            "{} completed upload(s) never ended ready or rejected within the {:?} drain",
            lost.len(),
            args.drain_timeout
        ));
        for u in lost.iter().take(10) {
            let _ = writeln!(out, "  lost upload {} ({})", u.id, u.file);
        }
    }
    let accepted: Vec<&TrackedUpload> = uploads
        .iter()
        .filter(|u| u.hostile && !VALID_UNDER_ANOTHER_NAME.contains(&u.file.as_str()))
        .filter(|u| u.outcome.as_ref().is_some_and(|o| o.0 == "ready"))
        .collect();
    if !accepted.is_empty() {
        let mut files: Vec<&str> = accepted.iter().map(|u| u.file.as_str()).collect();
        files.dedup();
        verdict.failures.push(format!("{} hostile upload(s) ended ready: {}", accepted.len(), files.join(", ")));
    }
}

/// The RSS samples; fails when the server is gone or grew too much after warm-up.
fn report_memory(out: &mut String, verdict: &mut Verdict, args: &Args, rss: &RssLog) {
    let _ = writeln!(out, "\nserver RSS (MiB), every {:?}:", args.rss_interval);
    let mut line = String::new();
    for sample in &rss.samples {
        let _ = write!(
            line,
            " {}{:.0}s={:.1}",
            if sample.during_load { "" } else { "drain@" },
            sample.at.as_secs_f64(),
            mib(sample.kib)
        );
    }
    let _ = writeln!(out, " {}", line.trim());
    if let Some(at) = rss.gone_at {
        verdict.failures.push(format!("the server process was gone at {:.0} s", at.as_secs_f64()));
    }
    // RSS swings by tens of MiB as image jobs start and end, so growth is
    // judged between the medians of the first and the last quarter of the
    // samples taken after warm-up, not between two single samples.
    let warmed = args.duration.mul_f64(args.warmup_fraction);
    let settled: Vec<&RssSample> = rss.samples.iter().filter(|s| s.during_load && s.at >= warmed).collect();
    let window = settled.len() / 4;
    match (settled.first(), settled.last()) {
        (Some(first), Some(last)) if window >= 3 => {
            let median = |samples: &[&RssSample]| {
                let mut kib: Vec<u64> = samples.iter().map(|s| s.kib).collect();
                kib.sort_unstable();
                kib[kib.len() / 2]
            };
            let (base, end) = (median(&settled[..window]), median(&settled[settled.len() - window..]));
            let growth = (end as f64 - base as f64) / base as f64 * 100.0;
            let peak = rss.samples.iter().map(|s| s.kib).max().unwrap_or(0);
            let _ = writeln!(
                out,
                "  median of {window} samples from {:.0} s: {:.1} MiB; of the last {window} to {:.0} s: {:.1} MiB: {growth:+.1} % (limit {:.0} %); peak {:.1} MiB",
                first.at.as_secs_f64(),
                mib(base),
                last.at.as_secs_f64(),
                mib(end),
                args.max_rss_growth_pct,
                mib(peak)
            );
            if growth >= args.max_rss_growth_pct {
                verdict.failures.push(format!(
                    "server RSS grew {growth:.1} % after warm-up (median {:.1} -> {:.1} MiB)",
                    mib(base),
                    mib(end)
                ));
            }
        }
        _ if args.server_pid.is_some() => {
            verdict.notes.push("RSS growth not judged: too few samples after warm-up".to_owned());
        }
        _ => verdict.notes.push("RSS not sampled (no --server-pid)".to_owned()),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn artists_of(args: &Args) -> usize {
    args.artists.unwrap_or(args.concurrency / 6).clamp(1, args.concurrency.max(1))
}

// ---------------------------------------------------------------------------
// Main

async fn run(args: &Args) -> anyhow::Result<Vec<String>> {
    if !is_loopback(&args.base_url) || args.base_url.scheme() != "http" {
        bail!("--base-url must be http:// on a loopback address, not {}", args.base_url);
    }
    if args.duration.is_zero() || args.concurrency == 0 {
        bail!("--duration and --concurrency must be positive");
    }
    let files = Files::load(&args.datasets)?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(args.request_timeout)
        .pool_max_idle_per_host(args.concurrency * 2)
        .user_agent("atelier-soak")
        .build()?;
    let seed = args.seed.unwrap_or_else(rand::random);
    let world = Arc::new(World {
        run_id: format!("{:08x}", seed as u32),
        next_id: AtomicU64::new(1),
        think: Duration::from_millis(args.think_ms),
        pool: Mutex::default(),
        files,
        uploads: Mutex::default(),
        counts: Mutex::default(),
    });
    let recorder = Arc::new(Recorder::default());
    let used = Arc::new(AtomicU64::new(0));

    let setup = Ctx {
        api: Api {
            http: http.clone(),
            base: args.base_url.clone(),
            recorder: Arc::new(Recorder::default()),
            budget: Arc::new(Budget {
                deadline: Instant::now() + Duration::from_secs(60),
                cap: 100,
                used: Arc::default(),
            }),
        },
        world: world.clone(),
    };
    bootstrap(&setup).await.context("preparing the load")?;
    eprintln!(
        "soak: {} users ({} artists) for {:?}, seed {seed}, {} artworks known",
        args.concurrency,
        artists_of(args),
        args.duration,
        world.pool.lock().unwrap().artworks.len()
    );

    let started = Instant::now();
    let load_budget =
        Arc::new(Budget { deadline: started + args.duration, cap: args.max_requests, used: used.clone() });
    let rss_log = Arc::new(Mutex::new(RssLog::default()));
    let sampler = args.server_pid.map(|pid| {
        let (log, interval, load_end) = (rss_log.clone(), args.rss_interval, started + args.duration);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(started, interval);
            loop {
                ticks.tick().await;
                sample_rss(pid, started, Instant::now() < load_end, &log);
            }
        })
    });

    let artists = artists_of(args);
    let users: Vec<_> = (0..args.concurrency)
        .map(|i| {
            let cx = Ctx {
                api: Api {
                    http: http.clone(),
                    base: args.base_url.clone(),
                    recorder: recorder.clone(),
                    budget: load_budget.clone(),
                },
                world: world.clone(),
            };
            let role = if i < artists { Role::Artist } else { Role::Collector };
            tokio::spawn(run_user(cx, role, seed.wrapping_add(i as u64 * 7919)))
        })
        .collect();
    let progress = {
        let (recorder, duration) = (recorder.clone(), args.duration);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(started + Duration::from_secs(30), Duration::from_secs(30));
            loop {
                ticks.tick().await;
                let m = recorder.0.lock().unwrap();
                eprintln!(
                    "soak: {:.0}/{:.0} s, {} answers, {} 5xx",
                    started.elapsed().as_secs_f64(),
                    duration.as_secs_f64(),
                    answered(&m),
                    m.server_errors
                );
            }
        })
    };
    // The end-of-load sample is taken on time, not whenever the last journey ends.
    if let Some(pid) = args.server_pid {
        tokio::time::sleep_until(started + args.duration).await;
        sample_rss(pid, started, true, &rss_log);
    }
    for user in users {
        user.await.context("a simulated user panicked")?;
    }
    progress.abort();
    let load = LoadSummary { time: started.elapsed(), answered: answered(&recorder.0.lock().unwrap()) };

    let drain_cx = Ctx {
        api: Api {
            http,
            base: args.base_url.clone(),
            recorder: recorder.clone(),
            budget: Arc::new(Budget { deadline: Instant::now() + args.drain_timeout, cap: args.max_requests, used }),
        },
        world: world.clone(),
    };
    let open = world.uploads.lock().unwrap().iter().filter(|u| u.outcome.is_none()).count();
    eprintln!(
        "soak: load done after {:.0} s; waiting for {open} upload(s) to finish processing",
        load.time.as_secs_f64()
    );
    drain(&drain_cx).await;
    if let Some(sampler) = sampler {
        sampler.abort();
    }
    if let Some(pid) = args.server_pid {
        sample_rss(pid, started, false, &rss_log);
    }

    let measurements = recorder.0.lock().unwrap();
    let rss = rss_log.lock().unwrap();
    let (text, verdict) = report(args, &world, &measurements, &rss, &load);
    print!("{text}");
    Ok(verdict.failures)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let (failures, code) = match run(&args).await {
        Ok(failures) if failures.is_empty() => (failures, ExitCode::SUCCESS),
        Ok(failures) => (failures, ExitCode::from(1)),
        Err(error) => {
            eprintln!("soak: error: {error:#}");
            (vec![format!("the load generator failed: {error:#}")], ExitCode::from(2))
        }
    };
    if let Some(path) = &args.failures_out {
        let text: String = failures.iter().map(|f| format!("{f}\n")).collect();
        if let Err(error) = std::fs::write(path, text) {
            eprintln!("soak: cannot write {}: {error}", path.display());
            return ExitCode::from(2);
        }
    }
    if failures.is_empty() {
        println!("generator verdict: pass");
    } else {
        println!("generator verdict: fail ({})", failures.join("; "));
    }
    code
}
