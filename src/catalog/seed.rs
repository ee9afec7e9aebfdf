//! Imports the Tate collection catalog (CC0 metadata) as the demo marketplace:
//! one artist per Tate artist, one published artwork per record. Re-running adds
//! nothing: artists and artworks are keyed by their Tate identifiers.

use std::{
    collections::{HashMap, HashSet},
    io::BufRead,
    path::Path,
};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    artworks::{
        ArtworkFields,
        changes::{self, NewArtwork},
    },
    domain::{ArtworkStatus, Dimensions, Edition, Price, Slug, labels},
};

#[derive(Deserialize)]
struct TateRecord {
    source_id: String,
    title: String,
    artist: String,
    artist_id: i64,
    artist_birth_year: Option<i32>,
    artist_death_year: Option<i32>,
    artist_birth_place: Option<String>,
    year: Option<i32>,
    date_text: Option<String>,
    medium: Option<String>,
    category: String,
    height_mm: Option<f64>,
    width_mm: Option<f64>,
    depth_mm: Option<f64>,
    #[serde(default)]
    subjects: Vec<String>,
    #[serde(default)]
    movements: Vec<String>,
    credit_line: Option<String>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Every artist of the catalogue, whether created now or before.
    pub artist_ids: Vec<Uuid>,
    pub artists_created: u64,
    pub artworks_created: u64,
    pub artworks_skipped: u64,
}

/// Deterministic pseudo-randomness from a record's identity, so every database
/// seeded from the same file holds the same prices and editions.
fn stable_unit(key: &str, salt: &str) -> f64 {
    let digest = Sha256::digest(format!("{salt}:{key}").as_bytes());
    let n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    n as f64 / u64::MAX as f64
}

/// Category slug in our tree for a Tate category.
fn category_for(tate: &str) -> &'static str {
    match tate {
        "painting" => "painting",
        "print" => "print",
        "work on paper" => "works-on-paper",
        "sculpture" => "sculpture",
        "relief" => "relief",
        "installation" => "installation",
        _ => "mixed-media",
    }
}

/// A plausible asking price in pence: a base by category, scaled by physical
/// size (larger works cost more, sub-linearly), with ±30% variation per work,
/// rounded to £50.
fn price_for(record: &TateRecord) -> i64 {
    let base: f64 = match record.category.as_str() {
        "painting" => 450_000.0,
        "sculpture" => 600_000.0,
        "installation" => 900_000.0,
        "relief" => 350_000.0,
        "print" => 45_000.0,
        "work on paper" => 120_000.0,
        _ => 150_000.0,
    };
    let area_m2 = record.height_mm.unwrap_or(300.0) * record.width_mm.unwrap_or(300.0) / 1_000_000.0;
    let size_factor = (0.5 + area_m2.max(0.0).sqrt() * 1.5).clamp(0.5, 6.0);
    let variation = 0.7 + 0.6 * stable_unit(&record.source_id, "price");
    let pence = base * size_factor * variation;
    ((pence / 5_000.0).round() as i64).max(1) * 5_000
}

fn edition_for(record: &TateRecord) -> Edition {
    if record.category != "print" {
        return Edition::Unique;
    }
    const SIZES: [i32; 7] = [10, 20, 25, 30, 50, 75, 100];
    let size = SIZES[(stable_unit(&record.source_id, "edition") * SIZES.len() as f64) as usize % SIZES.len()];
    let available = 1 + (stable_unit(&record.source_id, "available") * f64::from(size - 1)).round() as i32;
    Edition::Limited { size, available }
}

fn millimetres(value: Option<f64>) -> Option<i32> {
    value.filter(|v| v.is_finite() && *v >= 1.0 && *v <= 100_000.0).map(|v| v.round() as i32)
}

fn description_for(record: &TateRecord) -> String {
    let mut parts = vec![format!("{} by {}", record.title.trim(), record.artist.trim())];
    if let Some(date) = record.date_text.as_deref().filter(|d| !d.is_empty() && *d != "date not known") {
        parts.push(date.to_owned());
    }
    if let Some(medium) = record.medium.as_deref().filter(|m| !m.is_empty()) {
        parts.push(medium.trim_end_matches('.').to_owned());
    }
    parts.push(format!("Catalogued by Tate as {}", record.source_id));
    let mut text = parts.join(". ");
    text.push('.');
    text.chars().take(5000).collect()
}

/// Parses a record through the same domain rules an artist's listing obeys.
fn fields_for(record: &TateRecord) -> anyhow::Result<ArtworkFields> {
    let dimensions = match (millimetres(record.height_mm), millimetres(record.width_mm)) {
        (Some(height_mm), Some(width_mm)) => {
            Some(Dimensions { height_mm, width_mm, depth_mm: millimetres(record.depth_mm) })
        }
        _ => None,
    };
    let current_year = chrono::Datelike::year(&chrono::Utc::now());
    // Tate subjects include long event descriptions that are not useful as tags;
    // those that do not fit the tag rules are left out rather than failing the record.
    let fitting = |labels: &[String], max_len: usize, max_items: usize| -> Vec<String> {
        labels.iter().filter(|l| Slug::from_text(l, max_len).is_ok()).take(max_items).cloned().collect()
    };
    let tags = labels(&fitting(&record.subjects, 60, 30), 30, 60).map_err(anyhow::Error::msg)?;
    let styles = labels(&fitting(&record.movements, 40, 10), 10, 40)
        .map_err(anyhow::Error::msg)?
        .into_iter()
        .map(|(slug, _)| slug)
        .collect();
    let title: String = record.title.trim().chars().take(200).collect();
    Ok(ArtworkFields {
        title: if title.is_empty() { "Untitled".to_owned() } else { title },
        description: description_for(record),
        medium: record.medium.as_deref().unwrap_or_default().chars().take(300).collect(),
        category: Slug::parse(category_for(&record.category), 60).map_err(anyhow::Error::msg)?,
        styles,
        tags,
        year: record.year.filter(|y| (1000..=current_year).contains(y)),
        dimensions,
        framed: false,
        edition: edition_for(record),
        price: Price { amount_minor: price_for(record), currency: "GBP".to_owned() },
        status: ArtworkStatus::Published,
        provenance: record.credit_line.as_deref().unwrap_or_default().chars().take(2000).collect(),
        signature: String::new(),
        certificate_of_authenticity: false,
        shipping_origin: Some("GB".to_owned()),
        external_ref: Some(format!("tate:{}", record.source_id)),
    })
}

fn read_catalog(path: &Path) -> anyhow::Result<Vec<TateRecord>> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut records = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        records.push(serde_json::from_str(&line).with_context(|| format!("{}:{}", path.display(), n + 1))?);
    }
    Ok(records)
}

fn progress(len: u64, label: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg:>9} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(label);
    bar
}

async fn seed_artists(pool: &PgPool, records: &[TateRecord]) -> anyhow::Result<(HashMap<i64, Uuid>, u64)> {
    let mut by_tate_id: HashMap<i64, &TateRecord> = HashMap::new();
    for record in records {
        by_tate_id.entry(record.artist_id).or_insert(record);
    }
    let mut used_slugs: HashSet<String> =
        sqlx::query_scalar("SELECT slug FROM artists").fetch_all(pool).await?.into_iter().collect();
    let existing: HashSet<String> =
        sqlx::query_scalar("SELECT external_ref FROM artists WHERE external_ref IS NOT NULL")
            .fetch_all(pool)
            .await?
            .into_iter()
            .collect();
    let mut ids: Vec<&i64> = by_tate_id.keys().collect();
    ids.sort();
    let bar = progress(ids.len() as u64, "artists");
    let mut created = 0;
    let mut tx = pool.begin().await?;
    for tate_id in ids {
        bar.inc(1);
        let record = by_tate_id[tate_id];
        let external_ref = format!("tate-artist:{tate_id}");
        if existing.contains(&external_ref) {
            continue;
        }
        // Namesakes and names that reduce to the same slug get the Tate id appended.
        let base = Slug::from_text(&record.artist, 200)
            .map(|slug| slug.into_string().chars().take(48).collect::<String>().trim_end_matches('-').to_owned())
            .unwrap_or_else(|_| "artist".to_owned());
        let slug = if used_slugs.contains(&base) { format!("{base}-{tate_id}") } else { base };
        used_slugs.insert(slug.clone());
        let bio = match (&record.artist_birth_place, record.artist_birth_year, record.artist_death_year) {
            (Some(place), Some(born), Some(died)) => format!("Born in {place}, {born}; died {died}."),
            (Some(place), Some(born), None) => format!("Born in {place}, {born}."),
            (None, Some(born), Some(died)) => format!("{born}–{died}."),
            _ => String::new(),
        };
        let result = sqlx::query(
            "INSERT INTO artists (id, slug, name, bio, birth_year, death_year, external_ref)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (external_ref) DO NOTHING",
        )
        .bind(Uuid::now_v7())
        .bind(&slug)
        .bind(record.artist.trim().chars().take(120).collect::<String>())
        .bind(bio)
        .bind(record.artist_birth_year)
        .bind(record.artist_death_year)
        .bind(&external_ref)
        .execute(&mut *tx)
        .await?;
        created += result.rows_affected();
    }
    tx.commit().await?;
    bar.finish();
    let rows: Vec<(String, Uuid)> =
        sqlx::query_as("SELECT external_ref, id FROM artists WHERE external_ref LIKE 'tate-artist:%'")
            .fetch_all(pool)
            .await?;
    let map = rows
        .into_iter()
        .filter_map(|(external_ref, id)| {
            external_ref.strip_prefix("tate-artist:")?.parse().ok().map(|tate_id| (tate_id, id))
        })
        .collect();
    Ok((map, created))
}

pub async fn seed_tate(pool: &PgPool, path: &Path) -> anyhow::Result<SeedReport> {
    let records = read_catalog(path)?;
    let (artists, artists_created) = seed_artists(pool, &records).await?;
    let existing: HashSet<String> =
        sqlx::query_scalar("SELECT external_ref FROM artworks WHERE external_ref LIKE 'tate:%'")
            .fetch_all(pool)
            .await?
            .into_iter()
            .collect();
    let categories: HashMap<String, Uuid> = sqlx::query_as::<_, (String, Uuid)>("SELECT slug, id FROM categories")
        .fetch_all(pool)
        .await?
        .into_iter()
        .collect();

    let mut report =
        SeedReport { artist_ids: artists.values().copied().collect(), artists_created, ..SeedReport::default() };
    let bar = progress(records.len() as u64, "artworks");
    for chunk in records.chunks(500) {
        let mut listings = Vec::with_capacity(chunk.len());
        for record in chunk {
            let fields = fields_for(record).with_context(|| format!("Tate record {}", record.source_id))?;
            if fields.external_ref.as_ref().is_some_and(|r| existing.contains(r)) {
                report.artworks_skipped += 1;
                continue;
            }
            let artist_id = artists[&record.artist_id];
            let category_id = categories
                .get(fields.category.as_str())
                .copied()
                .with_context(|| format!("category {} is missing; run the migrations", fields.category.as_str()))?;
            listings.push((Uuid::now_v7(), artist_id, category_id, fields));
        }
        let new: Vec<NewArtwork<'_>> = listings
            .iter()
            .map(|(id, artist_id, category_id, fields)| NewArtwork {
                id: *id,
                artist_id: *artist_id,
                category_id: *category_id,
                fields,
            })
            .collect();
        let mut tx = pool.begin().await?;
        changes::import(&mut tx, &new).await?;
        tx.commit().await?;
        report.artworks_created += new.len() as u64;
        bar.inc(chunk.len() as u64);
    }
    bar.finish();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(category: &str, source_id: &str) -> TateRecord {
        serde_json::from_value(serde_json::json!({
            "source_id": source_id, "title": "Sea Study", "artist": "Ann Example", "artist_id": 1,
            "category": category, "height_mm": 500.0, "width_mm": 700.0,
            "subjects": ["sea", "man, old"], "movements": ["Romanticism"],
            "medium": "Oil paint on canvas", "credit_line": "Presented 1922"
        }))
        .unwrap()
    }

    #[test]
    fn prices_are_deterministic_rounded_and_category_dependent() {
        let painting = record("painting", "N01234");
        assert_eq!(price_for(&painting), price_for(&record("painting", "N01234")));
        assert_eq!(price_for(&painting) % 5_000, 0);
        assert!(price_for(&painting) > price_for(&record("print", "N01234")));
    }

    #[test]
    fn prints_become_limited_editions_with_stock() {
        let Edition::Limited { size, available } = edition_for(&record("print", "P07001")) else { panic!() };
        assert!((1..=size).contains(&available));
        assert_eq!(edition_for(&record("painting", "N1")), Edition::Unique);
    }

    #[test]
    fn records_parse_into_valid_listings() {
        let fields = fields_for(&record("work on paper", "A00001")).unwrap();
        assert_eq!(fields.category.as_str(), "works-on-paper");
        assert_eq!(fields.external_ref.as_deref(), Some("tate:A00001"));
        assert_eq!(fields.tags.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(), ["sea", "man-old"]);
        assert_eq!(fields.styles[0].as_str(), "romanticism");
        assert!(fields.completeness() > 50);
    }
}
