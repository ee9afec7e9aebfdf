//! The live transports under load, against a running local server:
//!
//! 1. `--connections` idle WebSocket connections (default 10,000) subscribed
//!    to one work's public channel, and what each costs the server in
//!    resident memory (VmRSS of `--server-pid`, read before and after);
//! 2. `--events` changes of that work's price (default 15), each published by
//!    the artist's `PATCH /api/artworks/{id}` as one `availability` event on
//!    `artwork:{id}` and fanned out to every subscriber: p50/p99 latency from
//!    just before the PATCH is sent to each receipt (the client's monotonic
//!    clock), and from the event's `at` (the start of the transaction that
//!    published it, on the server's clock: the same machine's) to receipt;
//! 3. the same over Server-Sent Events (`GET /api/realtime/events`) with
//!    `--sse-connections` streams (default: as many as WebSocket connections),
//!    printed beside the WebSocket line (`--transports` picks and orders them;
//!    memory is read for the first only, as later ones reuse what earlier
//!    connections freed);
//! 4. messages per second through one conversation: a collector asks the artist
//!    about the work, both listen on the conversation over WebSocket, and both
//!    write as fast as the server answers for `--message-seconds`.
//!
//! Every answer is checked: each subscriber must get every event, in order,
//! exactly once after dropping repeated (channel, offset) pairs, with the
//! price or message it stands for; no connection may be closed or refused.
//! Anything else exits non-zero. It also prints the CPU time the server and
//! this client spent per event, since both share the machine.
//!
//! The server's message rate limits must allow the load (scripts/bench lifts
//! them), and both this client and the server need `ulimit -n` above the
//! connection count.

use std::{
    collections::{HashMap, HashSet},
    process::ExitCode,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail, ensure};
use chrono::{DateTime, Utc};
use clap::Parser;
use futures::{SinkExt, StreamExt, TryStreamExt};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use tokio::{
    sync::{oneshot, watch},
    task::JoinHandle,
};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, protocol::WebSocketConfig};
use uuid::Uuid;

#[derive(Parser, Debug)]
#[command(about = "Live connections' memory, fan-out latency and conversation throughput of a local Atelier server")]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
    /// The server's process, whose resident memory is read; without it no
    /// memory figure is printed.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Transports measured, in this order. The server's memory is read for
    /// the first only: later ones would reuse what the earlier connections
    /// freed, so run them again on a fresh server for their memory.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "websocket,sse")]
    transports: Vec<Transport>,
    /// Idle WebSocket connections, all subscribed to one work's channel.
    #[arg(long, default_value_t = 10_000)]
    connections: usize,
    /// Server-Sent Event streams on the same channel; as many as WebSocket
    /// connections unless given.
    #[arg(long)]
    sse_connections: Option<usize>,
    /// Events fanned out to the subscribers, one after another; 0 measures
    /// only memory.
    #[arg(long, default_value_t = 15)]
    events: usize,
    /// Connections opened before the memory baseline is read again: the
    /// publisher's and the allocator's first costs are not per connection,
    /// nor is memory freed before them that the allocator still holds.
    #[arg(long, default_value_t = 100)]
    warm_up: usize,
    /// Connections being opened at once.
    #[arg(long, default_value_t = 64)]
    open_concurrency: usize,
    /// How long both sides of the conversation write, in seconds; 0 leaves
    /// the conversation out.
    #[arg(long, default_value_t = 10)]
    message_seconds: u64,
    /// Requests each side of the conversation has in flight at once.
    #[arg(long, default_value_t = 4)]
    writers: usize,
}

const PASSWORD: &str = "bench-password-1234";
/// How long one event may take to reach every subscriber before the run
/// stops waiting (and then fails its check).
const EVENT_WAIT: Duration = Duration::from_secs(30);

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> anyhow::Result<(StatusCode, Value)> {
        let mut request = self.http.request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if method == Method::PATCH {
            // Every change here is the artist's own, one after another.
            request = request.header(header::IF_MATCH, "*");
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.with_context(|| format!("{method} {path}"))?;
        let status = response.status();
        let bytes = response.bytes().await?;
        let value = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        Ok((status, value))
    }

    async fn expect(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        want: &[StatusCode],
    ) -> anyhow::Result<Value> {
        let (status, value) = self.call(method.clone(), path, token, body).await?;
        ensure!(want.contains(&status), "{method} {path} answered {status}: {value}");
        Ok(value)
    }

    /// Registers an account; answers its access token.
    async fn register(&self, run: &str, name: &str, role: &str) -> anyhow::Result<String> {
        let body = json!({"email": format!("{name}-{run}@example.com"), "password": PASSWORD,
                          "display_name": name, "role": role});
        let answer = self.expect(Method::POST, "/api/auth/register", None, Some(body), &[StatusCode::CREATED]).await?;
        answer["access_token"].as_str().map(str::to_owned).context("no access token")
    }
}

// ---------------------------------------------------------------------------
// What one subscriber heard

struct Receipt {
    offset: i64,
    received: Instant,
    /// Receipt minus the event's `at`, in milliseconds.
    since_at_ms: Option<f64>,
    price: Option<i64>,
    message_id: Option<String>,
}

struct Log {
    subscribed: Option<i64>,
    receipts: Vec<Receipt>,
    problems: Vec<String>,
}

/// A message as it arrived, read once the measurement is over: parsing ten
/// thousand copies of an event while they arrive would take the CPU the
/// server is sending them with.
struct Heard {
    text: String,
    received: Instant,
    wall: DateTime<Utc>,
}

/// Reads the protocol's messages, whichever transport carries them.
struct Recorder {
    channel: String,
    subscribed: Option<i64>,
    on_subscribed: Option<oneshot::Sender<Result<i64, String>>>,
    heard: Vec<Heard>,
    problems: Vec<String>,
    /// Messages heard after `subscribed`, by every subscriber sharing it.
    count: Arc<AtomicUsize>,
}

impl Recorder {
    fn new(channel: &str, count: Arc<AtomicUsize>) -> (Self, oneshot::Receiver<Result<i64, String>>) {
        let (tx, rx) = oneshot::channel();
        let recorder = Self {
            channel: channel.to_owned(),
            subscribed: None,
            on_subscribed: Some(tx),
            heard: Vec::new(),
            problems: Vec::new(),
            count,
        };
        (recorder, rx)
    }

    fn fail(&mut self, problem: String) {
        if let Some(tx) = self.on_subscribed.take() {
            let _ = tx.send(Err(problem.clone()));
        }
        self.problems.push(problem);
    }

    fn take(&mut self, text: &str, received: Instant) {
        if self.subscribed.is_some() {
            self.heard.push(Heard { text: text.to_owned(), received, wall: Utc::now() });
            self.count.fetch_add(1, Ordering::Relaxed);
            return;
        }
        // Without `since`, nothing is replayed: `subscribed` comes first.
        let message: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        match (message["type"].as_str(), message["offset"].as_i64()) {
            (Some("subscribed"), Some(offset)) if message["channel"] == self.channel.as_str() => {
                self.subscribed = Some(offset);
                if let Some(tx) = self.on_subscribed.take() {
                    let _ = tx.send(Ok(offset));
                }
            }
            _ => self.fail(format!("expected `subscribed`, got {text}")),
        }
    }

    fn finish(self) -> Log {
        let mut log = Log {
            subscribed: self.subscribed,
            receipts: Vec::with_capacity(self.heard.len()),
            problems: self.problems,
        };
        for heard in self.heard {
            let message: Value = match serde_json::from_str(&heard.text) {
                Ok(message) => message,
                Err(e) => {
                    log.problems.push(format!("unreadable message ({e}): {}", heard.text));
                    continue;
                }
            };
            match (message["type"].as_str(), message["offset"].as_i64()) {
                (Some("event"), Some(offset)) if message["channel"] == self.channel.as_str() => {
                    let at = message["at"].as_str().and_then(|at| DateTime::parse_from_rfc3339(at).ok());
                    let data = &message["data"];
                    log.receipts.push(Receipt {
                        offset,
                        received: heard.received,
                        since_at_ms: at.map(|at| (heard.wall - at.with_timezone(&Utc)).as_seconds_f64() * 1000.0),
                        price: data["price"]["amount_minor"].as_i64(),
                        message_id: data["id"].as_str().map(str::to_owned),
                    });
                }
                // Someone writing in the conversation: not an event, never stored.
                (Some("typing"), _) => {}
                _ => log.problems.push(format!("unexpected message: {}", heard.text)),
            }
        }
        log
    }
}

/// A subscriber's reader, running until told to stop; answers what it heard.
type Subscriber = JoinHandle<Log>;

// ---------------------------------------------------------------------------
// Transports

fn ws_url(base: &str) -> String {
    format!("{}/api/realtime", base.replacen("http", "ws", 1))
}

async fn open_ws(
    base: &str,
    token: Option<&str>,
    channel: &str,
    count: Arc<AtomicUsize>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<Subscriber> {
    let mut request = ws_url(base).into_client_request()?;
    if let Some(token) = token {
        request.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {token}").parse()?);
    }
    // Ten thousand of tungstenite's default 128 KiB read buffers would be over
    // a gigabyte on the machine the server shares; the events are small.
    let config = WebSocketConfig::default().read_buffer_size(8192).write_buffer_size(0);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), true)
        .await
        .context("opening a WebSocket connection")?;
    ws.send(Message::text(json!({"type": "subscribe", "channel": channel}).to_string())).await?;
    let (mut recorder, subscribed) = Recorder::new(channel, count);
    let reader = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stop.changed() => break,
                next = ws.next() => match next {
                    Some(Ok(Message::Text(text))) => recorder.take(&text, Instant::now()),
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                    Some(Ok(Message::Binary(_))) => recorder.fail("a binary message".to_owned()),
                    Some(Ok(Message::Close(frame))) => {
                        recorder.fail(format!("the server closed the connection: {frame:?}"));
                        break;
                    }
                    Some(Err(e)) => {
                        recorder.fail(format!("the connection failed: {e}"));
                        break;
                    }
                    None => {
                        recorder.fail("the connection ended".to_owned());
                        break;
                    }
                },
            }
        }
        recorder.finish()
    });
    match subscribed.await {
        Ok(Ok(_)) => Ok(reader),
        Ok(Err(problem)) => bail!("subscribing over WebSocket: {problem}"),
        Err(_) => bail!("the WebSocket reader stopped before `subscribed`"),
    }
}

/// The `data` of each complete Server-Sent Event in `buffer`, which keeps
/// what is left of an event not yet complete.
fn sse_data(buffer: &mut Vec<u8>) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
        let event: Vec<u8> = buffer.drain(..end + 2).collect();
        let text = String::from_utf8_lossy(&event);
        let data: Vec<&str> = text
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .map(|d| d.strip_prefix(' ').unwrap_or(d))
            .collect();
        if !data.is_empty() {
            out.push(data.join("\n"));
        }
    }
    out
}

async fn open_sse(
    http: &reqwest::Client,
    base: &str,
    channel: &str,
    count: Arc<AtomicUsize>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<Subscriber> {
    let response = http
        .get(format!("{base}/api/realtime/events"))
        .query(&[("channels", channel)])
        .send()
        .await
        .context("opening an event stream")?;
    ensure!(response.status() == StatusCode::OK, "GET /api/realtime/events answered {}", response.status());
    let (mut recorder, subscribed) = Recorder::new(channel, count);
    let mut stream = response.bytes_stream();
    let reader = tokio::spawn(async move {
        let mut buffer = Vec::new();
        loop {
            tokio::select! {
                _ = stop.changed() => break,
                next = stream.next() => match next {
                    Some(Ok(bytes)) => {
                        let received = Instant::now();
                        buffer.extend_from_slice(&bytes);
                        for data in sse_data(&mut buffer) {
                            recorder.take(&data, received);
                        }
                    }
                    Some(Err(e)) => {
                        recorder.fail(format!("the stream failed: {e}"));
                        break;
                    }
                    None => {
                        recorder.fail("the stream ended".to_owned());
                        break;
                    }
                },
            }
        }
        recorder.finish()
    });
    match subscribed.await {
        Ok(Ok(_)) => Ok(reader),
        Ok(Err(problem)) => bail!("subscribing over Server-Sent Events: {problem}"),
        Err(_) => bail!("the event stream's reader stopped before `subscribed`"),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
enum Transport {
    Websocket,
    Sse,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Websocket => "WebSocket",
            Transport::Sse => "SSE",
        }
    }
}

fn resident_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("the server is not running")?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).context("no VmRSS")?;
    line.split_whitespace().nth(1).context("VmRSS")?.parse().context("VmRSS")
}

/// CPU time a process ("self" or a pid) has used, user and system, in ms.
fn cpu_ms(process: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{process}/stat")).ok()?;
    // Fields after the command name, which may hold spaces: state is the
    // first, utime the 12th, stime the 13th; in clock ticks of 10 ms.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 * 10.0)
}

/// Waits until the server's memory stops moving, so that nothing still
/// settling from before is counted against the connections about to open.
async fn settle(pid: u32) -> anyhow::Result<()> {
    let mut samples = vec![resident_kib(pid)?];
    for _ in 0..120 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        samples.push(resident_kib(pid)?);
        let recent = &samples[samples.len().saturating_sub(5)..];
        if recent.len() == 5 && recent.iter().max().zip(recent.iter().min()).is_some_and(|(h, l)| h - l < 1024) {
            return Ok(());
        }
    }
    eprintln!("realtime-bench: the server's memory did not settle within 60 s; measuring anyway");
    Ok(())
}

/// The soft limit on open files of a process ("self" or a pid).
fn open_files_limit(process: &str) -> Option<u64> {
    let limits = std::fs::read_to_string(format!("/proc/{process}/limits")).ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Server memory around the opening of the connections, in KiB.
struct Memory {
    before: u64,
    warmed: u64,
    after: u64,
}

struct Opened {
    subscribers: Vec<Subscriber>,
    memory: Option<Memory>,
    seconds: f64,
}

async fn open_many(
    transport: Transport,
    args: &Args,
    count: usize,
    channel: &str,
    heard: &Arc<AtomicUsize>,
    stop: &watch::Receiver<bool>,
    server_pid: Option<u32>,
) -> anyhow::Result<Opened> {
    let base = args.base_url.trim_end_matches('/').to_owned();
    // One connection per stream: the pool must not try to share them.
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build()?;
    let open = |n: usize| {
        let (base, http, heard, stop) = (base.clone(), http.clone(), heard.clone(), stop.clone());
        let channel = channel.to_owned();
        async move {
            match transport {
                Transport::Websocket => open_ws(&base, None, &channel, heard, stop).await,
                Transport::Sse => open_sse(&http, &base, &channel, heard, stop).await,
            }
            .with_context(|| format!("{} subscriber {n}", transport.name()))
        }
    };
    let rss = || server_pid.map(resident_kib).transpose();
    if let Some(pid) = server_pid {
        settle(pid).await?;
    }
    let pause = Duration::from_secs(1);
    let before = rss()?;
    let started = Instant::now();
    let warm = args.warm_up.min(count);
    let mut subscribers: Vec<Subscriber> =
        futures::stream::iter(0..warm).map(open).buffer_unordered(args.open_concurrency).try_collect().await?;
    tokio::time::sleep(pause).await;
    let warmed = rss()?;
    let rest: Vec<Subscriber> =
        futures::stream::iter(warm..count).map(open).buffer_unordered(args.open_concurrency).try_collect().await?;
    subscribers.extend(rest);
    let seconds = started.elapsed().as_secs_f64() - pause.as_secs_f64();
    tokio::time::sleep(pause).await;
    let after = rss()?;
    let memory = match (before, warmed, after) {
        (Some(before), Some(warmed), Some(after)) => Some(Memory { before, warmed, after }),
        _ => None,
    };
    Ok(Opened { subscribers, memory, seconds })
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_unstable_by(f64::total_cmp);
    let index = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1;
    samples[index]
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Keeps the first few problems of many subscribers, and how many there were.
#[derive(Default)]
struct Failures {
    shown: Vec<String>,
    count: usize,
}

impl Failures {
    fn add(&mut self, problem: String) {
        self.count += 1;
        if self.shown.len() < 10 {
            self.shown.push(problem);
        }
    }
}

// ---------------------------------------------------------------------------
// Fan-out

struct Work {
    id: String,
    artist_token: String,
    price: i64,
}

struct FanOut {
    transport: Transport,
    subscribers: usize,
    warm_up: usize,
    events: usize,
    open_seconds: f64,
    memory: Option<Memory>,
    from_send: Vec<f64>,
    from_at: Vec<f64>,
    /// Per event: until the last subscriber had it, from the request's send.
    last_reached: Vec<f64>,
    patch: Vec<f64>,
    /// CPU time per event, of the server and of this client.
    server_cpu_ms: Option<f64>,
    client_cpu_ms: Option<f64>,
    repeated: usize,
    failures: Failures,
}

impl FanOut {
    fn memory_line(&self, first: bool) -> String {
        let name = self.transport.name();
        let Some(Memory { before, warmed, after }) = self.memory.as_ref().filter(|_| first) else {
            let why = if first {
                "no --server-pid"
            } else {
                "this server held the previous transport's connections, whose freed memory it reuses"
            };
            return format!("{name:<9} memory: not measured here ({why})");
        };
        let past_warm_up = self.subscribers.saturating_sub(self.warm_up).max(1) as f64;
        // Counted from the warm-up's end: before it, the server still holds
        // memory that the sign-ups' password hashing (argon2, 19 MiB each)
        // freed and the allocator only gives back once it is busy again.
        format!(
            "{name:<9} memory: {:.1} KiB per idle connection (server RSS {:.1} MiB with {} open, {:.1} MiB with {}; \
             {:.1} MiB before the first, {:.1} KiB each counted from there); opened in {:.1} s",
            after.saturating_sub(*warmed) as f64 / past_warm_up,
            mib(*warmed),
            self.warm_up,
            mib(*after),
            self.subscribers,
            mib(*before),
            after.saturating_sub(*before) as f64 / self.subscribers.max(1) as f64,
            self.open_seconds,
        )
    }

    fn latency_line(&mut self) -> String {
        let cpu = |ms: Option<f64>| ms.map_or("?".to_owned(), |ms| format!("{ms:.0} ms"));
        format!(
            "{:<9} fan-out: {} subscribers x {} events: publish to receipt p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms \
             (event's `at` to receipt p50 {:.1} ms, p99 {:.1} ms); last subscriber reached p50 {:.1} ms, max {:.1} ms; \
             PATCH answered p50 {:.1} ms; CPU per event: server {}, client {}; {} receipts, {} repeated",
            self.transport.name(),
            self.subscribers,
            self.events,
            percentile(&mut self.from_send, 0.50),
            percentile(&mut self.from_send, 0.99),
            percentile(&mut self.from_send, 1.0),
            percentile(&mut self.from_at, 0.50),
            percentile(&mut self.from_at, 0.99),
            percentile(&mut self.last_reached, 0.50),
            percentile(&mut self.last_reached, 1.0),
            percentile(&mut self.patch, 0.50),
            cpu(self.server_cpu_ms),
            cpu(self.client_cpu_ms),
            self.from_send.len(),
            self.repeated,
        )
    }
}

async fn fan_out(
    api: &Api,
    args: &Args,
    work: &mut Work,
    transport: Transport,
    count: usize,
    server_pid: Option<u32>,
) -> anyhow::Result<FanOut> {
    let channel = format!("artwork:{}", work.id);
    let heard = Arc::new(AtomicUsize::new(0));
    let (stop_tx, stop) = watch::channel(false);
    eprintln!("realtime-bench: opening {count} {} subscribers on {channel}", transport.name());
    let opened = open_many(transport, args, count, &channel, &heard, &stop, server_pid).await?;
    eprintln!("realtime-bench: {count} open in {:.1} s; publishing {} events", opened.seconds, args.events);
    let mut sent_at = Vec::with_capacity(args.events);
    let mut prices = Vec::with_capacity(args.events);
    let mut last_reached = Vec::with_capacity(args.events);
    let mut patch = Vec::with_capacity(args.events);
    let server_pid_name = server_pid.map(|pid| pid.to_string());
    let cpu = || (server_pid_name.as_deref().and_then(cpu_ms), cpu_ms("self"));
    let (mut server_cpu, mut client_cpu) = (Some(0.0), Some(0.0));
    for k in 0..args.events {
        // A rise, so no saver is due a price-drop notification: only the
        // channel's event is measured.
        work.price += 100;
        let path = format!("/api/artworks/{}", work.id);
        let body = json!({"price": {"amount_minor": work.price, "currency": "GBP"}});
        let (server_from, client_from) = cpu();
        let sent = Instant::now();
        api.expect(Method::PATCH, &path, Some(&work.artist_token), Some(body), &[StatusCode::OK]).await?;
        patch.push(sent.elapsed().as_secs_f64() * 1000.0);
        sent_at.push(sent);
        prices.push(work.price);
        let deadline = sent + EVENT_WAIT;
        while heard.load(Ordering::Relaxed) < count * (k + 1) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        last_reached.push(sent.elapsed().as_secs_f64() * 1000.0);
        let (server_to, client_to) = cpu();
        server_cpu = server_cpu.zip(server_to.zip(server_from)).map(|(sum, (to, from))| sum + to - from);
        client_cpu = client_cpu.zip(client_to.zip(client_from)).map(|(sum, (to, from))| sum + to - from);
        // Each event on its own: the next is not queued behind this one's sends.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = stop_tx.send(true);
    let logs = futures::future::join_all(opened.subscribers).await;
    let per_event = |total: Option<f64>| total.filter(|_| args.events > 0).map(|t| t / args.events as f64);
    let mut result = FanOut {
        transport,
        subscribers: count,
        warm_up: args.warm_up.min(count),
        events: args.events,
        open_seconds: opened.seconds,
        memory: opened.memory,
        from_send: Vec::with_capacity(count * args.events),
        from_at: Vec::with_capacity(count * args.events),
        last_reached,
        patch,
        server_cpu_ms: per_event(server_cpu),
        client_cpu_ms: per_event(client_cpu),
        repeated: 0,
        failures: Failures::default(),
    };
    let mut base = None;
    for (n, log) in logs.into_iter().enumerate() {
        let log = log.context("a subscriber's reader panicked")?;
        let mut fail = |problem: String| result.failures.add(format!("{} subscriber {n}: {problem}", transport.name()));
        for problem in &log.problems {
            fail(problem.clone());
        }
        let Some(subscribed) = log.subscribed else {
            fail("never subscribed".to_owned());
            continue;
        };
        // Nothing was published while the subscribers were opening.
        if *base.get_or_insert(subscribed) != subscribed {
            fail(format!("subscribed at offset {subscribed}, others at {base:?}"));
        }
        let mut seen = HashSet::new();
        let mut heard = Vec::new();
        for receipt in &log.receipts {
            if !seen.insert(receipt.offset) {
                result.repeated += 1;
                continue;
            }
            heard.push(receipt.offset);
            let Some(k) = usize::try_from(receipt.offset - subscribed - 1).ok().filter(|k| *k < args.events) else {
                fail(format!("an event at offset {} that was not published", receipt.offset));
                continue;
            };
            if receipt.price != Some(prices[k]) {
                fail(format!("offset {} says price {:?}, not {}", receipt.offset, receipt.price, prices[k]));
            }
            result.from_send.push((receipt.received - sent_at[k]).as_secs_f64() * 1000.0);
            result.from_at.extend(receipt.since_at_ms);
        }
        let wanted: Vec<i64> = (1..=args.events as i64).map(|k| subscribed + k).collect();
        if heard != wanted {
            fail(format!("heard offsets {heard:?}, not {wanted:?}"));
        }
    }
    Ok(result)
}

// ---------------------------------------------------------------------------
// One conversation

struct Conversation {
    sent: usize,
    send_seconds: f64,
    writers: usize,
    /// Per side: who, messages heard, seconds from the first send to the last receipt.
    heard: Vec<(&'static str, usize, f64)>,
    latency: Vec<f64>,
    send_latency: Vec<f64>,
    failures: Failures,
}

async fn conversation(api: &Arc<Api>, args: &Args, run: &str, work: &Work) -> anyhow::Result<Conversation> {
    let collector = api.register(run, "bench-collector", "collector").await?;
    let body = json!({"artwork_id": work.id, "body": "Is this still available?"});
    let asked =
        api.expect(Method::POST, "/api/conversations", Some(&collector), Some(body), &[StatusCode::CREATED]).await?;
    let id = asked["conversation"]["id"].as_str().context("no conversation id")?.to_owned();
    let channel = format!("conversation:{id}");
    let base = args.base_url.trim_end_matches('/');
    let (stop_tx, stop) = watch::channel(false);
    let sides: [(&'static str, &str); 2] = [("collector", &collector), ("artist", &work.artist_token)];
    let mut listeners = Vec::new();
    for (who, token) in sides {
        let heard = Arc::new(AtomicUsize::new(0));
        let reader = open_ws(base, Some(token), &channel, heard.clone(), stop.clone()).await?;
        listeners.push((who, heard, reader));
    }
    eprintln!("realtime-bench: both sides write in {channel} for {} s", args.message_seconds);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.message_seconds);
    let mut writers = Vec::new();
    for (who, token) in sides {
        for w in 0..args.writers {
            let (api, token, path) = (api.clone(), token.to_owned(), format!("/api/conversations/{id}/messages"));
            writers.push(tokio::spawn(async move {
                let mut sent = Vec::new();
                let mut n = 0;
                while Instant::now() < deadline {
                    let body = json!({"body": format!("{who} {w} {n}: about the light in the corner")});
                    let at = Instant::now();
                    let message =
                        api.expect(Method::POST, &path, Some(&token), Some(body), &[StatusCode::CREATED]).await?;
                    let id = message["id"].as_str().context("no message id")?.to_owned();
                    sent.push((id, at, at.elapsed().as_secs_f64() * 1000.0));
                    n += 1;
                }
                anyhow::Ok(sent)
            }));
        }
    }
    let mut sent: HashMap<String, Instant> = HashMap::new();
    let mut send_latency = Vec::new();
    for writer in writers {
        for (id, at, took) in writer.await?? {
            sent.insert(id, at);
            send_latency.push(took);
        }
    }
    let send_seconds = started.elapsed().as_secs_f64();
    let wait_until = Instant::now() + EVENT_WAIT;
    while listeners.iter().any(|(_, heard, _)| heard.load(Ordering::Relaxed) < sent.len())
        && Instant::now() < wait_until
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let _ = stop_tx.send(true);
    let mut result = Conversation {
        sent: sent.len(),
        send_seconds,
        writers: args.writers,
        heard: Vec::new(),
        latency: Vec::new(),
        send_latency,
        failures: Failures::default(),
    };
    for (who, _, reader) in listeners {
        let log = reader.await.context("a listener panicked")?;
        let mut fail = |problem: String| result.failures.add(format!("{who}: {problem}"));
        for problem in &log.problems {
            fail(problem.clone());
        }
        let Some(subscribed) = log.subscribed else {
            fail("never subscribed".to_owned());
            continue;
        };
        let mut seen = HashSet::new();
        let mut offsets = Vec::new();
        let mut ids = HashSet::new();
        let mut last = started;
        for receipt in &log.receipts {
            if !seen.insert(receipt.offset) {
                continue;
            }
            offsets.push(receipt.offset);
            last = last.max(receipt.received);
            let Some(id) = &receipt.message_id else {
                fail(format!("offset {} is not a message", receipt.offset));
                continue;
            };
            match sent.get(id) {
                Some(at) => result.latency.push((receipt.received - *at).as_secs_f64() * 1000.0),
                None => fail(format!("message {id} was never sent")),
            }
            if !ids.insert(id.clone()) {
                fail(format!("message {id} came at two offsets"));
            }
        }
        let wanted: Vec<i64> = (1..=sent.len() as i64).map(|k| subscribed + k).collect();
        if offsets != wanted {
            fail(format!(
                "heard {} offsets ({:?}..{:?}), not {}..={}",
                offsets.len(),
                offsets.first(),
                offsets.last(),
                subscribed + 1,
                subscribed + sent.len() as i64
            ));
        }
        if ids.len() != sent.len() {
            fail(format!("heard {} of {} messages", ids.len(), sent.len()));
        }
        result.heard.push((who, ids.len(), (last - started).as_secs_f64()));
    }
    Ok(result)
}

impl Conversation {
    fn line(&mut self) -> String {
        let heard: Vec<String> = self
            .heard
            .iter()
            .map(|(who, n, seconds)| format!("the {who} heard {n} live ({:.1} msg/s)", *n as f64 / seconds))
            .collect();
        format!(
            "conversation: 2 sides x {} writers for {:.1} s: {} messages, {:.1} msg/s sent (201 answered; \
             POST p50 {:.1} ms, p99 {:.1} ms); {}; send to receipt p50 {:.1} ms, p99 {:.1} ms",
            self.writers,
            self.send_seconds,
            self.sent,
            self.sent as f64 / self.send_seconds,
            percentile(&mut self.send_latency, 0.50),
            percentile(&mut self.send_latency, 0.99),
            heard.join(", "),
            percentile(&mut self.latency, 0.50),
            percentile(&mut self.latency, 0.99),
        )
    }
}

// ---------------------------------------------------------------------------

async fn setup(api: &Api, run: &str) -> anyhow::Result<Work> {
    let artist_token = api.register(run, "bench-artist", "artist").await?;
    let profile = json!({"slug": format!("bench-live-painter-{run}"), "bio": "Paints for the live benchmark."});
    api.expect(Method::POST, "/api/artists", Some(&artist_token), Some(profile), &[StatusCode::CREATED]).await?;
    let price = 25_000;
    let work = json!({
        "title": "Harbour at Dusk", "description": "An oil on board watched by many at once.",
        "medium": "Oil on board", "category": "painting", "edition": {"kind": "unique"},
        "price": {"amount_minor": price, "currency": "GBP"}, "status": "published"
    });
    let created =
        api.expect(Method::POST, "/api/artworks", Some(&artist_token), Some(work), &[StatusCode::CREATED]).await?;
    let id = created["id"].as_str().context("no artwork id")?.to_owned();
    Ok(Work { id, artist_token, price })
}

async fn run(args: Args) -> anyhow::Result<bool> {
    let url = url::Url::parse(&args.base_url)?;
    ensure!(
        matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")),
        "only a local server is benchmarked, not {url}"
    );
    let count = |transport| match transport {
        Transport::Websocket => args.connections,
        Transport::Sse => args.sse_connections.unwrap_or(args.connections),
    };
    let most = args.transports.iter().map(|t| count(*t)).max().unwrap_or(0) as u64;
    // Running out of descriptors halfway would look like a server failure.
    for (who, process) in [("this client", "self".to_owned())]
        .into_iter()
        .chain(args.server_pid.map(|pid| ("the server", pid.to_string())))
    {
        if let Some(limit) = open_files_limit(&process) {
            ensure!(
                limit > most + 200,
                "{who} may open {limit} files, too few for {most} connections: raise ulimit -n"
            );
        }
    }
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    let api = Arc::new(Api { http, base: args.base_url.trim_end_matches('/').to_owned() });
    let run = Uuid::new_v4().simple().to_string()[..8].to_owned();
    let mut work = setup(&api, &run).await?;

    let mut fans = Vec::new();
    for (i, transport) in args.transports.iter().enumerate() {
        if i > 0 {
            // The previous transport's connections are gone before the next open.
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        fans.push(fan_out(&api, &args, &mut work, *transport, count(*transport), args.server_pid).await?);
    }
    let mut talk = if args.message_seconds > 0 { Some(conversation(&api, &args, &run, &work).await?) } else { None };

    let counts: Vec<String> = fans.iter().map(|f| format!("{} {}", f.subscribers, f.transport.name())).collect();
    if args.events > 0 {
        println!(
            "real-time: {} subscribers of one artwork channel, {} events each; latency from just before the PATCH \
             that publishes is sent (client clock), and from the event's `at` (its transaction's start, server \
             clock, same machine); client and server share the machine's CPUs",
            counts.join(" and "),
            args.events
        );
    } else {
        println!("real-time: {} subscribers of one artwork channel, memory only", counts.join(" and "));
    }
    for (i, fan) in fans.iter().enumerate() {
        println!("  {}", fan.memory_line(i == 0));
    }
    if args.events > 0 {
        for fan in &mut fans {
            println!("  {}", fan.latency_line());
        }
    }
    if let Some(talk) = &mut talk {
        println!("  {}", talk.line());
    }
    let mut wrong = 0;
    for failures in fans.iter().map(|f| &f.failures).chain(talk.iter().map(|t| &t.failures)) {
        for failure in &failures.shown {
            eprintln!("realtime-bench: wrong answer: {failure}");
        }
        if failures.count > failures.shown.len() {
            eprintln!("realtime-bench: … and {} more", failures.count - failures.shown.len());
        }
        wrong += failures.count;
    }
    Ok(wrong == 0)
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("realtime-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}
