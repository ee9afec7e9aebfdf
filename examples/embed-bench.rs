//! Measures the local text embedder: model load time, throughput over catalog
//! texts in batches, and the latency of one short query (what a search pays).
//! Threads follow RAYON_NUM_THREADS (default: one per core); the model
//! directory and batch size come from the usual settings (.env.example).
//!
//!   cargo run --release --example embed-bench -- CATALOG.jsonl [TEXTS]

use std::time::Instant;

use anyhow::Context;
use atelier::platform::{
    config::{EmbedderBackend, EmbedderConfig},
    embedder::minilm::LocalEmbedder,
};

const QUERIES: usize = 50;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let catalog = args.next().context("usage: embed-bench CATALOG.jsonl [TEXTS]")?;
    let count: usize = args.next().map_or(Ok(512), |n| n.parse()).context("TEXTS must be a number")?;

    // What a listing's embedding is computed from: its title, medium and subjects.
    let texts: Vec<String> = std::fs::read_to_string(&catalog)
        .with_context(|| format!("reading {catalog}"))?
        .lines()
        .take(count)
        .map(|line| {
            let work: serde_json::Value = serde_json::from_str(line)?;
            let field = |name: &str| work[name].as_str().unwrap_or_default().to_owned();
            let subjects = work["subjects"]
                .as_array()
                .map_or_else(String::new, |s| s.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(", "));
            Ok(format!("{}. {}. {subjects}", field("title"), field("medium")))
        })
        .collect::<anyhow::Result<_>>()?;

    let cfg = EmbedderConfig::from_lookup(&|name| std::env::var(name).ok().filter(|v| !v.is_empty()))?;
    let EmbedderBackend::Local { model_dir } = &cfg.backend else {
        anyhow::bail!("embed-bench measures the local embedder; unset EMBEDDER");
    };
    let started = Instant::now();
    let embedder = LocalEmbedder::load(model_dir, cfg.batch_size)?;
    let load = started.elapsed().as_secs_f64();

    embedder.embed_blocking(&texts[..texts.len().min(cfg.batch_size)])?;
    let started = Instant::now();
    embedder.embed_blocking(&texts)?;
    let batched = started.elapsed().as_secs_f64();

    let query = vec!["a painting of the sea at night".to_owned()];
    let mut latencies: Vec<f64> = (0..QUERIES)
        .map(|_| {
            let started = Instant::now();
            embedder.embed_blocking(&query).map(|_| started.elapsed().as_secs_f64() * 1000.0)
        })
        .collect::<anyhow::Result<_>>()?;
    latencies.sort_by(f64::total_cmp);

    println!(
        "text embedder ({} thread(s)): load {load:.2}s; {} catalog texts in {batched:.2}s = {:.1} texts/s \
         (batches of {}); one query p50 {:.1} ms, p95 {:.1} ms",
        candle_core::utils::get_num_threads(),
        texts.len(),
        texts.len() as f64 / batched,
        cfg.batch_size,
        latencies[QUERIES / 2],
        latencies[QUERIES * 95 / 100],
    );
    Ok(())
}
