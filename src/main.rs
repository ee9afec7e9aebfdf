//! The `atelier` command: the local all-in-one server and the operator tasks.

use std::path::PathBuf;

use anyhow::Context;
use atelier::{
    app::AppContext,
    catalog::seed,
    hosts,
    platform::{config::Config, db, telemetry},
};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "atelier", version, about = "Atelier art marketplace")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the web site on BIND_ADDR (migrates first).
    Serve,
    /// Run only the background job worker (WORKER_CONCURRENCY jobs at a time).
    Worker,
    /// Apply pending database migrations.
    Migrate,
    /// Bring every artwork's vector up to date (only changed texts are embedded).
    Reindex,
    /// Roll up artist insights: today, yesterday and the days since the last
    /// run, plus the days given (to backfill or correct them).
    RollupInsights {
        /// Days (UTC) to roll up as well, `YYYY-MM-DD`.
        days: Vec<chrono::NaiveDate>,
        /// With --to: every day from this one.
        #[arg(long, requires = "to")]
        from: Option<chrono::NaiveDate>,
        /// With --from: every day through this one.
        #[arg(long, requires = "from")]
        to: Option<chrono::NaiveDate>,
    },
    /// Score keyword, semantic and hybrid search on a judged query set.
    EvalSearch {
        #[arg(long, default_value = "infra/eval/search-queries.json")]
        queries: PathBuf,
        #[arg(long, default_value = "infra/eval/search-judgments.json")]
        judgments: PathBuf,
    },
    /// Import a catalog into the marketplace (idempotent).
    Seed {
        /// Path to the Tate catalog.jsonl.
        #[arg(long)]
        catalog: PathBuf,
        /// A folder of images with a MANIFEST.tsv; each image becomes a
        /// published artwork, processed like an upload.
        #[arg(long)]
        images: Option<PathBuf>,
    },
    /// Write a new Ed25519 signing key (PKCS#8 PEM) for access tokens.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Run the image pipeline over every file in a folder and report throughput
    /// (nothing is stored).
    ProcessImages {
        dir: PathBuf,
        /// Worker threads (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Keygen { out } => {
            let pem = atelier::auth::tokens::generate_signing_key_pem()?;
            write_private_file(&out, &pem).with_context(|| format!("writing {}", out.display()))?;
            eprintln!("wrote {}", out.display());
        }
        Command::ProcessImages { dir, threads } => process_images(&dir, threads)?,
        Command::Openapi => println!("{}", serde_json::to_string_pretty(&atelier::app::openapi())?),
        Command::Serve => {
            let config = Config::from_env()?;
            telemetry::init(config.log_format);
            hosts::serve_local(AppContext::from_config(config).await?).await?;
        }
        Command::Worker => {
            let config = Config::from_env()?;
            telemetry::init(config.log_format);
            hosts::work_local(AppContext::from_config(config).await?).await?;
        }
        Command::Reindex => {
            let config = Config::from_env()?;
            let ctx = AppContext::from_config(config).await?;
            db::migrate(&ctx.db).await?;
            reindex(&ctx).await?;
        }
        Command::RollupInsights { mut days, from, to } => {
            if let (Some(from), Some(to)) = (from, to) {
                let limit = atelier::insights::rollup::MAX_DAYS_PER_RUN + 1;
                days.extend(from.iter_days().take_while(|day| *day <= to).take(limit));
            }
            let config = Config::from_env()?;
            let ctx = AppContext::from_config(config).await?;
            db::migrate(&ctx.db).await?;
            let report = atelier::insights::rollup::run(&ctx, chrono::Utc::now(), &days).await?;
            eprintln!(
                "rolled up {} days: {} work-days, {} artist-days, {} works changed",
                report.days.len(),
                report.work_days,
                report.artist_days,
                report.changed_works
            );
        }
        Command::EvalSearch { queries, judgments } => {
            let config = Config::from_env()?;
            let ctx = AppContext::from_config(config).await?;
            eval_search(&ctx, &queries, &judgments).await?;
        }
        Command::Migrate => {
            let config = Config::from_env()?;
            let pool = db::connect(config.database_url.expose(), 2).await?;
            db::migrate(&pool).await?;
            eprintln!("migrations applied");
        }
        Command::Seed { catalog, images } => {
            let config = Config::from_env()?;
            let ctx = AppContext::from_config(config).await?;
            let pool = ctx.db.clone();
            db::migrate(&pool).await?;
            let started = std::time::Instant::now();
            let report = seed::seed_tate(&pool, &catalog).await?;
            eprintln!(
                "seeded {} artists and {} artworks ({} already present) in {:.1}s",
                report.artists_created,
                report.artworks_created,
                report.artworks_skipped,
                started.elapsed().as_secs_f64()
            );
            let terms = atelier::commerce::seed::shipping_terms(&pool, &report.artist_ids).await?;
            eprintln!("gave {terms} artists the catalogue's shipping terms");
            if let Some(dir) = images {
                seed_images(&ctx, &dir).await?;
            }
        }
    }
    Ok(())
}

/// The key file is readable by its owner only.
fn write_private_file(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

async fn reindex(ctx: &AppContext) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let embedder = ctx.discovery.embedder().await?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:>9} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})")?
            .progress_chars("=> "),
    );
    bar.set_message("embedding");
    let report = atelier::search::indexing::reindex_all(
        ctx,
        embedder.as_ref(),
        ctx.discovery.vectors.as_ref(),
        |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    )
    .await?;
    bar.finish_and_clear();
    eprintln!(
        "reindexed with {}: {} embedded, {} unchanged, {} removed in {:.1}s",
        embedder.model(),
        report.embedded,
        report.unchanged,
        report.removed,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn eval_search(ctx: &AppContext, queries: &std::path::Path, judgments: &std::path::Path) -> anyhow::Result<()> {
    use atelier::search::eval::{MODES, evaluate};
    let queries = std::fs::read_to_string(queries).with_context(|| format!("reading {}", queries.display()))?;
    let judgments = std::fs::read_to_string(judgments).with_context(|| format!("reading {}", judgments.display()))?;
    let evaluation = evaluate(ctx, &queries, &judgments).await?;
    println!("{:<28} {:>22} {:>22} {:>22}", "query (nDCG@10 / R@50)", "keyword", "semantic", "hybrid");
    for (id, scores) in &evaluation.per_query {
        // Adding zero turns a negative zero into a plain one for printing.
        let cells: Vec<String> =
            scores.iter().map(|s| format!("{:.3} / {:.3}", s.ndcg_at_10 + 0.0, s.recall_at_50 + 0.0)).collect();
        println!("{id:<28} {:>22} {:>22} {:>22}", cells[0], cells[1], cells[2]);
    }
    println!();
    for (mode, mean) in MODES.iter().zip(evaluation.mean) {
        println!(
            "{:<9} nDCG@10 {:.3}  recall@50 {:.3}",
            format!("{mode:?}").to_lowercase(),
            mean.ndcg_at_10,
            mean.recall_at_50
        );
    }
    println!("queries: {}", evaluation.per_query.len());
    Ok(())
}

async fn seed_images(ctx: &AppContext, dir: &std::path::Path) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let bar = indicatif::ProgressBar::new_spinner();
    let report = atelier::media::seed::seed_images(ctx, dir, |file| {
        bar.set_message(file.to_owned());
        bar.inc(1);
    })
    .await?;
    bar.finish_and_clear();
    eprintln!(
        "images: {} artworks created ({} already present, {} rejected, {} held for review) in {:.1}s",
        report.artworks_created,
        report.already_present,
        report.rejected,
        report.held_for_review,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn process_images(dir: &std::path::Path, threads: Option<usize>) -> anyhow::Result<()> {
    use atelier::media::pipeline::{DEFAULT_MEMORY_BUDGET_MB, MemoryBudget, process_folder};
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)).max(1);
    let budget_mb = match std::env::var("IMAGE_MEMORY_BUDGET_MB") {
        Ok(value) => value.parse().with_context(|| format!("IMAGE_MEMORY_BUDGET_MB={value:?} is not a number"))?,
        Err(_) => DEFAULT_MEMORY_BUDGET_MB,
    };
    MemoryBudget::process_wide(budget_mb);
    let report = process_folder(dir, threads, |line| println!("{line}"))?;
    println!(
        "{} files ({} accepted) in {:.2}s with {threads} thread(s): {:.2} images/s",
        report.files,
        report.accepted,
        report.seconds,
        report.files as f64 / report.seconds
    );
    if let Some(peak) = peak_rss_kib() {
        println!("peak memory {:.0} MiB (budget {budget_mb} MB)", peak as f64 / 1024.0);
    }
    Ok(())
}

/// This process's peak resident set so far (Linux's VmHWM), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
