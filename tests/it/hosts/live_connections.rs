//! Idle live connections are cheap: the real server holds 2,000 WebSocket
//! connections subscribed to one work's channel, a broadcast reaches every one,
//! and each costs the server under 16 KiB of memory.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use atelier::realtime::{self, Channel};
use serde_json::json;

use crate::{
    realtime::live::Live,
    support::{free_port, signing_key_pem, spawn_app},
};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the server is running");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

const CONNECTIONS: usize = 2000;
/// Connections opened before the baseline is read: the runtime's, the
/// publisher's and the allocator's first costs are not per connection.
const WARM_UP: usize = 100;

async fn open(base: &str, channel: &str, count: usize) -> Vec<Live> {
    let mut opened = Vec::with_capacity(count);
    for _ in 0..count {
        let mut live = Live::connect(base, None).await.expect("connected");
        let answer = live.subscribe(channel, None).await;
        assert_eq!(answer.last().unwrap()["type"], "subscribed", "{answer:?}");
        opened.push(live);
    }
    opened
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_idle_connections_hear_a_broadcast_and_cost_little() {
    let app = spawn_app().await;
    let artist = app.artist("broadcasting-painter").await;
    let work = artist.artwork(json!({})).await;
    let channel = Channel::Artwork(work.id.parse().unwrap());
    let port = free_port();
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_atelier"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &app.database_url)
            .env("JWT_SIGNING_KEY", signing_key_pem())
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("BLOB_DIR", &app.blob_dir)
            .env("WEB_DIR", app.blob_dir.join("no-site"))
            .env("RUST_LOG", "warn")
            .env("LOG_FORMAT", "pretty")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start atelier serve"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for attempt in 0.. {
        if client.get(format!("{base}/api/health")).send().await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        assert!(attempt < 300, "the server never answered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let name = channel.to_string();
    let mut connections = open(&base, &name, WARM_UP).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = resident_kib(server.0.id());
    connections.extend(open(&base, &name, CONNECTIONS - WARM_UP).await);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = resident_kib(server.0.id());
    let per_connection = (after.saturating_sub(before)) as f64 / (CONNECTIONS - WARM_UP) as f64;
    eprintln!(
        "server memory: {before} KiB with {WARM_UP} connections, {after} KiB with {CONNECTIONS}: {per_connection:.1} KiB each"
    );
    assert!(per_connection < 16.0, "{per_connection:.1} KiB per idle connection");

    let mut tx = app.ctx.db.begin().await.unwrap();
    let offset = realtime::publish(&mut tx, channel, "availability", &json!({"status": "sold"})).await.unwrap();
    tx.commit().await.unwrap();
    let receipts = connections.into_iter().map(|mut live| {
        tokio::spawn(async move {
            let event = live.recv().await;
            (event["offset"].as_i64(), event["data"]["status"].as_str().map(str::to_owned))
        })
    });
    for receipt in futures::future::join_all(receipts).await {
        assert_eq!(receipt.unwrap(), (Some(offset), Some("sold".to_owned())));
    }
}
