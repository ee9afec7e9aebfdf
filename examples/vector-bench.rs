//! Measures the embedded vector index (PgVectorIndex) at catalogue sizes the
//! Tate seed cannot reach: SIZE synthetic 384-d unit vectors with payloads
//! shaped like the catalogue's go into vector_points with one binary COPY,
//! then the index loads them all on its first call, as a freshly started
//! process does. Prints one line: the load time, top-10 search latency
//! unfiltered and with a category and price filter, and the process's peak
//! resident memory. Run one size per process, so the peak is that size's own.
//!
//! vector_points is emptied before and after, so point DATABASE_URL at a
//! database of its own.
//!
//!   DATABASE_URL=... cargo run --release --example vector-bench -- SIZE

use std::time::Instant;

use anyhow::Context;
use atelier::platform::{
    db,
    vectors::postgres::PgVectorIndex,
    vectors::{DEFAULT_DIMENSION, VectorFilter, VectorIndex, VectorPayload, VectorPoint, normalised},
};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use uuid::Uuid;

const QUERIES: usize = 200;
const DIMENSION: usize = DEFAULT_DIMENSION as usize;
/// Rows encoded per COPY message.
const COPY_BATCH: usize = 2_000;

/// Category lineages (the category, then its ancestors, as indexing stores
/// them) with rough shares of a marketplace's listings.
const CATEGORIES: [(&[&str], u32); 9] = [
    (&["painting"], 35),
    (&["print", "works-on-paper"], 20),
    (&["drawing", "works-on-paper"], 10),
    (&["photography", "works-on-paper"], 10),
    (&["sculpture"], 10),
    (&["relief", "sculpture"], 3),
    (&["installation"], 2),
    (&["digital"], 5),
    (&["mixed-media"], 5),
];

const STYLES: [&str; 16] = [
    "conceptual-art",
    "st-ives-school",
    "pre-raphaelite-brotherhood",
    "surrealism",
    "camden-town-group",
    "minimalism",
    "school-of-london",
    "british-pop",
    "neo-romanticism",
    "abstract-expressionism",
    "constructivism",
    "pop-art",
    "bloomsbury-group",
    "impressionism",
    "romanticism",
    "cubism",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let size: usize =
        std::env::args().nth(1).context("usage: vector-bench SIZE")?.parse().context("SIZE must be a number")?;
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL is not set")?;
    let pool = db::connect(&url, 2).await?;
    db::migrate(&pool).await?;
    sqlx::query("TRUNCATE vector_points").execute(&pool).await?;

    let mut rng = StdRng::seed_from_u64(384);
    let started = Instant::now();
    copy_points(&pool, size, &mut rng).await?;
    // Planner statistics, as autovacuum would have them on a live table: the
    // index's load reads every row in seq order.
    sqlx::query("ANALYZE vector_points").execute(&pool).await?;
    let written = started.elapsed().as_secs_f64();

    let filter = VectorFilter {
        category: Some("painting".to_owned()),
        min_price: Some(100_000),
        max_price: Some(500_000),
        statuses: ["published", "reserved", "sold"].map(str::to_owned).to_vec(),
        ..VectorFilter::default()
    };
    let matching: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM vector_points
         WHERE payload->'categories' ? 'painting' AND (payload->>'price_minor')::bigint BETWEEN 100000 AND 500000
           AND payload->>'status' IN ('published', 'reserved', 'sold')",
    )
    .fetch_one(&pool)
    .await?;

    let index = PgVectorIndex::new(pool.clone());
    let started = Instant::now();
    // Asking for no vectors still brings the in-memory copy up to date.
    index.vectors(&[]).await?;
    let load = started.elapsed().as_secs_f64();

    let unfiltered = latencies(&index, &VectorFilter::default(), &mut rng).await?;
    let filtered = latencies(&index, &filter, &mut rng).await?;
    let peak_kib = peak_rss_kib()?;

    sqlx::query("TRUNCATE vector_points").execute(&pool).await?;

    println!(
        "vector index, {size} points x {DIMENSION}-d: load {load:.1}s (written by COPY in {written:.1}s); \
         top-10 p50 {:.1} ms, p95 {:.1} ms; filtered (painting, GBP 1,000-5,000, {:.1}% of points) top-10 \
         p50 {:.1} ms, p95 {:.1} ms; peak RSS {:.0} MiB ({QUERIES} queries each)",
        unfiltered.0,
        unfiltered.1,
        100.0 * matching as f64 / size.max(1) as f64,
        filtered.0,
        filtered.1,
        peak_kib as f64 / 1024.0,
    );
    Ok(())
}

/// p50 and p95 in milliseconds of QUERIES searches for random unit vectors.
async fn latencies(index: &PgVectorIndex, filter: &VectorFilter, rng: &mut StdRng) -> anyhow::Result<(f64, f64)> {
    let mut millis = Vec::with_capacity(QUERIES);
    for _ in 0..QUERIES {
        let query = unit_vector(rng);
        let started = Instant::now();
        let hits = index.search(&query, filter, 10).await?;
        millis.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(hits.len() == 10, "a search returned {} hits, not 10", hits.len());
    }
    millis.sort_by(f64::total_cmp);
    Ok((millis[QUERIES / 2], millis[QUERIES * 95 / 100]))
}

fn unit_vector(rng: &mut StdRng) -> Vec<f32> {
    normalised((0..DIMENSION).map(|_| rng.gen_range(-1.0f32..1.0)).collect())
}

fn random_point(rng: &mut StdRng, artists: &[Uuid]) -> anyhow::Result<VectorPoint> {
    let (categories, _) = CATEGORIES.choose_weighted(rng, |(_, share)| *share)?;
    let style_count = match rng.gen_range(0..100) {
        0..70 => 0,
        70..95 => 1,
        _ => 2,
    };
    let status = match rng.gen_range(0..100) {
        0..88 => "published",
        88..96 => "sold",
        _ => "reserved",
    };
    // Log-uniform from 50 to 50,000 in minor units, rounded to 5.00, like
    // the seed's prices.
    let price = 5_000.0 * 1_000f64.powf(rng.r#gen::<f64>());
    Ok(VectorPoint {
        id: uuid::Builder::from_random_bytes(rng.r#gen()).into_uuid(),
        vector: unit_vector(rng),
        payload: VectorPayload {
            categories: categories.iter().map(|c| (*c).to_owned()).collect(),
            styles: STYLES.choose_multiple(rng, style_count).map(|s| (*s).to_owned()).collect(),
            artist_id: *artists.choose(rng).context("no artists")?,
            price_minor: (price / 500.0).round() as i64 * 500,
            status: status.to_owned(),
            year: rng.gen_bool(0.8).then(|| rng.gen_range(1850..=2025)),
        },
    })
}

/// Writes `size` points in PostgreSQL's binary COPY format, which spares the
/// server parsing 384 floats of text per row.
async fn copy_points(pool: &sqlx::PgPool, size: usize, rng: &mut StdRng) -> anyhow::Result<()> {
    // About 25 works per artist, as in the Tate catalogue.
    let artists: Vec<Uuid> =
        (0..size.div_ceil(25)).map(|_| uuid::Builder::from_random_bytes(rng.r#gen()).into_uuid()).collect();
    let mut conn = pool.acquire().await?;
    let mut copy = conn.copy_in_raw("COPY vector_points (id, vector, payload) FROM STDIN (FORMAT binary)").await?;
    let mut buf = Vec::with_capacity(COPY_BATCH * (DIMENSION * 8 + 512));
    buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    buf.extend_from_slice(&0i32.to_be_bytes()); // flags
    buf.extend_from_slice(&0i32.to_be_bytes()); // header extension length
    for n in 1..=size {
        encode_row(&mut buf, &random_point(rng, &artists)?)?;
        if n % COPY_BATCH == 0 {
            copy.send(std::mem::take(&mut buf)).await?;
            buf.reserve(COPY_BATCH * (DIMENSION * 8 + 512));
        }
    }
    buf.extend_from_slice(&(-1i16).to_be_bytes());
    copy.send(buf).await?;
    copy.finish().await?;
    Ok(())
}

/// One tuple: uuid, real[] and jsonb in their binary wire forms.
fn encode_row(buf: &mut Vec<u8>, point: &VectorPoint) -> anyhow::Result<()> {
    const FLOAT4_OID: u32 = 700;
    buf.extend_from_slice(&3i16.to_be_bytes());

    buf.extend_from_slice(&16i32.to_be_bytes());
    buf.extend_from_slice(point.id.as_bytes());

    let dims = i32::try_from(point.vector.len())?;
    buf.extend_from_slice(&(20 + 8 * dims).to_be_bytes());
    for header in [1, 0, FLOAT4_OID as i32, dims, 1] {
        // dimensions, has-nulls flag, element type, length, lower bound
        buf.extend_from_slice(&header.to_be_bytes());
    }
    for x in &point.vector {
        buf.extend_from_slice(&4i32.to_be_bytes());
        buf.extend_from_slice(&x.to_be_bytes());
    }

    let json = serde_json::to_vec(&point.payload)?;
    buf.extend_from_slice(&(1 + i32::try_from(json.len())?).to_be_bytes());
    buf.push(1); // jsonb format version
    buf.extend_from_slice(&json);
    Ok(())
}

/// The kernel's high-water mark of this process's resident memory.
fn peak_rss_kib() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).context("no VmHWM in /proc/self/status")?;
    line.split_whitespace().nth(1).context("malformed VmHWM")?.parse().context("malformed VmHWM")
}
