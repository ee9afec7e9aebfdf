//! Checkout under load against a running local server on the sandbox
//! payments provider: `--buyers` collectors (default 32) each buy one copy
//! after another for `--duration`, as the web's pages do (cart, checkout, the
//! card form, the confirmation that finds the order paid), spread over
//! editions big enough never to sell out; then `--racers` collectors (default
//! 50) who all hold the same edition of `--copies` copies (default 10) in
//! their carts check out at the same instant.
//!
//! Prints completed purchases per second and p50/p99 of each step, then how
//! long the race took, and checks its outcome: exactly `--copies` checkouts
//! succeed, every other racer is told the work is gone, and none is left
//! with stock. Any other answer stops the run with a non-zero exit.
//!
//! The server's rate limits must allow the load (scripts/bench lifts them).

use std::{
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail, ensure};
use clap::Parser;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use uuid::Uuid;

#[derive(Parser, Debug)]
#[command(about = "Checkout throughput and a race for one edition, against a local Atelier server")]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
    /// Collectors buying at once.
    #[arg(long, default_value_t = 32)]
    buyers: usize,
    /// How long they buy, in seconds.
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Editions the buyers spread over.
    #[arg(long, default_value_t = 64)]
    works: usize,
    /// Collectors in the race.
    #[arg(long, default_value_t = 50)]
    racers: usize,
    /// Copies the race is for.
    #[arg(long, default_value_t = 10)]
    copies: usize,
}

const PASSWORD: &str = "bench-password-1234";
const CARD: &str = "4242424242424242";

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
        self.call_keyed(method, path, token, body, None).await
    }

    async fn call_keyed(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<(StatusCode, Value)> {
        let mut request = self.http.request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = idempotency_key {
            request = request.header("idempotency-key", key);
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
        want: StatusCode,
    ) -> anyhow::Result<Value> {
        let (status, value) = self.call(method.clone(), path, token, body).await?;
        ensure!(status == want, "{method} {path} answered {status}, not {want}: {value}");
        Ok(value)
    }

    /// Registers an account and answers its access token.
    async fn register(&self, run: &str, name: &str, role: &str) -> anyhow::Result<String> {
        let body = json!({"email": format!("{name}-{run}@example.com"), "password": PASSWORD,
                          "display_name": name, "role": role});
        let answer = self.expect(Method::POST, "/api/auth/register", None, Some(body), StatusCode::CREATED).await?;
        answer["access_token"].as_str().map(str::to_owned).context("no access token")
    }

    async fn edition(&self, artist: &str, title: &str, size: usize, available: usize) -> anyhow::Result<String> {
        let body = json!({
            "title": title, "description": "A screenprint in an edition for the checkout benchmark.",
            "medium": "Screenprint", "category": "print", "edition": {"kind": "limited", "size": size, "available": available},
            "price": {"amount_minor": 12_000, "currency": "GBP"}, "status": "published"
        });
        let work = self.expect(Method::POST, "/api/artworks", Some(artist), Some(body), StatusCode::CREATED).await?;
        work["id"].as_str().map(str::to_owned).context("no artwork id")
    }

    async fn add_to_cart(&self, buyer: &str, work: &str) -> anyhow::Result<()> {
        let path = format!("/api/cart/items/{work}");
        self.expect(Method::PUT, &path, Some(buyer), Some(json!({"quantity": 1})), StatusCode::OK).await?;
        Ok(())
    }

    async fn checkout(&self, buyer: &str) -> anyhow::Result<(StatusCode, Value)> {
        let address = json!({"name": "Bench Buyer", "line1": "1 Quay Street", "city": "Bristol",
                             "postal_code": "BS1 4DJ", "country": "GB"});
        let key = Uuid::new_v4().to_string();
        let body = json!({"shipping_address": address});
        self.call_keyed(Method::POST, "/api/checkout", Some(buyer), Some(body), Some(&key)).await
    }

    async fn pay(&self, checkout: &Value) -> anyhow::Result<()> {
        let payment = &checkout["payment"];
        let id = payment["payment_id"].as_str().context("no payment id")?;
        let path = format!("/api/payments/sandbox/payments/{id}/confirm");
        let body = json!({"client_secret": payment["client_secret"], "card_number": CARD});
        let paid = self.expect(Method::POST, &path, None, Some(body), StatusCode::OK).await?;
        ensure!(paid["status"] == "requires_capture", "the card was not authorised: {paid}");
        Ok(())
    }

    /// What the page does once the card form has answered: the order is paid
    /// from then on, whether or not the provider's event has arrived.
    async fn confirm(&self, buyer: &str, checkout: &Value) -> anyhow::Result<()> {
        let id = checkout["id"].as_str().context("no checkout id")?;
        let path = format!("/api/checkouts/{id}/confirm");
        let confirmed = self.expect(Method::POST, &path, Some(buyer), Some(json!({})), StatusCode::OK).await?;
        ensure!(confirmed["orders"][0]["status"] == "paid", "the order is not paid: {confirmed}");
        Ok(())
    }
}

#[derive(Default)]
struct Timings {
    cart: Vec<Duration>,
    checkout: Vec<Duration>,
    pay: Vec<Duration>,
    confirm: Vec<Duration>,
    purchase: Vec<Duration>,
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_unstable();
    let index = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1;
    samples[index].as_secs_f64() * 1000.0
}

async fn artist(api: &Api, run: &str) -> anyhow::Result<String> {
    let token = api.register(run, "bench-artist", "artist").await?;
    let slug = format!("bench-printmaker-{run}");
    api.expect(
        Method::POST,
        "/api/artists",
        Some(&token),
        Some(json!({"slug": slug, "bio": "Prints."})),
        StatusCode::CREATED,
    )
    .await?;
    let terms = json!({"origin_country": "GB", "currency": "GBP", "domestic_minor": 500, "international_minor": 1500,
                       "collection": false});
    api.expect(Method::PUT, "/api/me/shipping", Some(&token), Some(terms), StatusCode::OK).await?;
    Ok(token)
}

async fn throughput(api: &Arc<Api>, args: &Args, run: &str, artist: &str) -> anyhow::Result<()> {
    let mut works = Vec::with_capacity(args.works);
    for n in 0..args.works {
        works.push(api.edition(artist, &format!("Edition {n}"), 10_000, 10_000).await?);
    }
    let works = Arc::new(works);
    let timings = Arc::new(Mutex::new(Timings::default()));
    let mut buyers = Vec::with_capacity(args.buyers);
    for n in 0..args.buyers {
        buyers.push(api.register(run, &format!("bench-buyer-{n}"), "collector").await?);
    }
    let deadline = Instant::now() + Duration::from_secs(args.duration);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (n, buyer) in buyers.into_iter().enumerate() {
        let (api, works, timings) = (api.clone(), works.clone(), timings.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = n;
            let mut mine = Timings::default();
            while Instant::now() < deadline {
                let work = &works[i % works.len()];
                i += 7;
                let begun = Instant::now();
                api.add_to_cart(&buyer, work).await?;
                let carted = Instant::now();
                let (status, checkout) = api.checkout(&buyer).await?;
                ensure!(status == StatusCode::CREATED, "checkout answered {status}: {checkout}");
                let checked_out = Instant::now();
                api.pay(&checkout).await?;
                let paid = Instant::now();
                api.confirm(&buyer, &checkout).await?;
                let confirmed = Instant::now();
                mine.cart.push(carted - begun);
                mine.checkout.push(checked_out - carted);
                mine.pay.push(paid - checked_out);
                mine.confirm.push(confirmed - paid);
                mine.purchase.push(confirmed - begun);
            }
            let mut all = timings.lock().await;
            all.cart.extend(mine.cart);
            all.checkout.extend(mine.checkout);
            all.pay.extend(mine.pay);
            all.confirm.extend(mine.confirm);
            all.purchase.extend(mine.purchase);
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut timings = Arc::try_unwrap(timings).ok().context("buyers still running")?.into_inner();
    let purchases = timings.purchase.len();
    println!(
        "checkout: {} buyers over {} editions for {elapsed:.1} s: {purchases} purchases, {:.1} purchases/s",
        args.buyers,
        args.works,
        purchases as f64 / elapsed
    );
    for (step, samples) in [
        ("PUT /api/cart/items/{id}", &mut timings.cart),
        ("POST /api/checkout", &mut timings.checkout),
        ("POST sandbox confirm (card form)", &mut timings.pay),
        ("POST /api/checkouts/{id}/confirm", &mut timings.confirm),
        ("whole purchase", &mut timings.purchase),
    ] {
        println!("  {step:<34} p50 {:>7.1} ms  p99 {:>7.1} ms", percentile(samples, 0.50), percentile(samples, 0.99));
    }
    Ok(())
}

async fn race(api: &Arc<Api>, args: &Args, run: &str, artist: &str) -> anyhow::Result<()> {
    // Most of the edition sold long ago; `copies` are left.
    let work = api.edition(artist, "The Last Copies", args.copies.max(1) * 5, args.copies).await?;
    let mut racers = Vec::with_capacity(args.racers);
    for n in 0..args.racers {
        let token = api.register(run, &format!("bench-racer-{n}"), "collector").await?;
        api.add_to_cart(&token, &work).await?;
        racers.push(token);
    }
    let started = Instant::now();
    let answers = futures::future::join_all(
        racers.iter().map(|token| async move { (api.checkout(token).await, Instant::now()) }),
    )
    .await;
    let mut won = 0;
    let mut lost = 0;
    let mut slowest = Duration::ZERO;
    for (answer, at) in answers {
        let (status, body) = answer?;
        slowest = slowest.max(at - started);
        match status {
            StatusCode::CREATED => won += 1,
            StatusCode::CONFLICT => lost += 1,
            other => bail!("a racer's checkout answered {other}: {body}"),
        }
    }
    let (_, artwork) = api.call(Method::GET, &format!("/api/artworks/{work}"), None, None).await?;
    let available = artwork["edition"]["available"].as_i64();
    println!(
        "race: {} buyers for {} copies, all answered in {:.1} ms: {won} checkouts, {lost} told it is gone, {} left",
        args.racers,
        args.copies,
        slowest.as_secs_f64() * 1000.0,
        available.map_or("?".to_owned(), |n| n.to_string())
    );
    ensure!(won == args.copies.min(args.racers), "{won} racers won {} copies", args.copies);
    ensure!(available == Some(0) || args.racers < args.copies, "the edition shows {available:?} left");
    Ok(())
}

async fn run(args: Args) -> anyhow::Result<()> {
    let url = url::Url::parse(&args.base_url)?;
    ensure!(
        matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")),
        "only a local server is benchmarked, not {url}"
    );
    let http = reqwest::Client::builder().pool_max_idle_per_host(args.buyers.max(args.racers)).build()?;
    let api = Arc::new(Api { http, base: args.base_url.trim_end_matches('/').to_owned() });
    let run = Uuid::new_v4().simple().to_string()[..8].to_owned();
    let artist = artist(&api, &run).await?;
    throughput(&api, &args, &run, &artist).await?;
    race(&api, &args, &run, &artist).await
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("checkout-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}
