//! Demo data with real pictures: every image in a dataset folder becomes a
//! published artwork of its artist, processed by the same job artists' uploads
//! go through. The folder's `MANIFEST.tsv` gives each file's title, artist,
//! date and kind.

use std::{collections::HashMap, path::Path};

use anyhow::Context;
use chrono::Utc;
use uuid::Uuid;

use super::jobs::{DuplicateIndex, process_upload};
use crate::{
    app::AppContext,
    catalog::{artworks::CreateArtwork, artworks::store, domain::Slug},
    platform::objects::ObjectKey,
};

#[derive(Debug, Default)]
pub struct ImageSeedReport {
    pub artworks_created: u64,
    pub already_present: u64,
    pub rejected: u64,
    pub held_for_review: u64,
}

struct ManifestRow {
    file: String,
    title: String,
    artist: String,
    date: String,
    kind: String,
    license: String,
}

fn read_manifest(dir: &Path) -> anyhow::Result<Vec<ManifestRow>> {
    let path = dir.join("MANIFEST.tsv");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().context("the manifest is empty")?.split('\t').collect();
    let column = |name: &str| {
        header.iter().position(|h| *h == name).with_context(|| format!("the manifest has no {name} column"))
    };
    let (file, title, artist, date, kind, license) = (
        column("file")?,
        column("title")?,
        column("artist")?,
        column("date")?,
        column("kind")?,
        column("license_status")?,
    );
    Ok(lines
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            let cell = |i: usize| cells.get(i).map_or("", |c| c.trim().trim_matches('"')).replace("\"\"", "\"");
            ManifestRow {
                file: cell(file),
                title: cell(title),
                artist: cell(artist),
                date: cell(date),
                kind: cell(kind),
                license: cell(license),
            }
        })
        .collect())
}

/// "Hans Memling (Netherlandish, c. 1430–1494)" → "Hans Memling".
fn artist_name(raw: &str) -> String {
    let name = raw.split(" (").next().unwrap_or(raw).trim();
    if name.is_empty() { "Unknown artist".to_owned() } else { name.chars().take(120).collect() }
}

/// The first run of three or four digits, unless the date is BC: "c. 1503-19" → 1503.
fn year_of(date: &str) -> Option<i32> {
    if date.contains("B.C") {
        return None;
    }
    let digits: String = date.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|year| (1000..=2100).contains(year))
}

/// Category, medium and price (in pence) for a manifest kind such as
/// "painting (Oil on canvas)" or "woodblock print".
fn listing_for(kind: &str) -> (&'static str, String, i64) {
    let medium = kind.split_once('(').map(|(_, rest)| rest.trim_end_matches(')').to_owned());
    let lower = kind.to_lowercase();
    if lower.starts_with("painting") {
        ("painting", medium.unwrap_or_else(|| "Oil paint".to_owned()), 850_000)
    } else if lower.contains("print") {
        ("print", "Woodblock print".to_owned(), 65_000)
    } else if lower.contains("photo") {
        ("photography", "Photograph".to_owned(), 35_000)
    } else if lower.starts_with("sculpture") {
        ("sculpture", medium.map_or_else(|| "Sculpture".to_owned(), |m| capitalised(&m)), 400_000)
    } else if lower.starts_with("ai") {
        ("digital", "Algorithmic stroke painting".to_owned(), 25_000)
    } else {
        ("mixed-media", medium.map_or_else(|| kind.to_owned(), |m| capitalised(&m)), 150_000)
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn content_type_of(file: &str) -> &'static str {
    match file.rsplit('.').next().map(str::to_ascii_lowercase).as_deref() {
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("tif" | "tiff") => "image/tiff",
        _ => "image/jpeg",
    }
}

/// Finds the artist by name (so a Tate artist gets their pictures) or creates one.
async fn artist_for(ctx: &AppContext, cache: &mut HashMap<String, Uuid>, raw: &str) -> anyhow::Result<Uuid> {
    let name = artist_name(raw);
    if let Some(id) = cache.get(&name) {
        return Ok(*id);
    }
    let existing: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM artists WHERE lower(name) = lower($1) ORDER BY id LIMIT 1")
            .bind(&name)
            .fetch_optional(&ctx.db)
            .await?;
    let id = match existing {
        Some(id) => id,
        None => {
            let slug = Slug::from_text(&name, 200).map(|s| s.into_string()).unwrap_or_else(|_| "artist".to_owned());
            let slug: String = slug.chars().take(48).collect::<String>().trim_end_matches('-').to_owned();
            let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM artists WHERE slug = $1)")
                .bind(&slug)
                .fetch_one(&ctx.db)
                .await?;
            let id = Uuid::now_v7();
            let slug = if taken { format!("{slug}-{}", &id.simple().to_string()[24..]) } else { slug };
            sqlx::query("INSERT INTO artists (id, slug, name, bio, external_ref) VALUES ($1, $2, $3, '', $4)")
                .bind(id)
                .bind(&slug)
                .bind(&name)
                .bind(format!("dataset-artist:{slug}"))
                .execute(&ctx.db)
                .await?;
            id
        }
    };
    cache.insert(name, id);
    Ok(id)
}

/// Imports every manifest image not imported before (idempotent), calling
/// `progress` after each.
pub async fn seed_images(ctx: &AppContext, dir: &Path, progress: impl Fn(&str)) -> anyhow::Result<ImageSeedReport> {
    let rows = read_manifest(dir)?;
    let duplicates = DuplicateIndex::default();
    let mut artists = HashMap::new();
    let mut report = ImageSeedReport::default();
    let categories: HashMap<String, Uuid> = sqlx::query_as::<_, (String, Uuid)>("SELECT slug, id FROM categories")
        .fetch_all(&ctx.db)
        .await?
        .into_iter()
        .collect();
    for row in rows {
        let external_ref = format!("dataset-image:{}", row.file);
        let present: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM artworks WHERE external_ref = $1)")
            .bind(&external_ref)
            .fetch_one(&ctx.db)
            .await?;
        if present {
            report.already_present += 1;
            progress(&row.file);
            continue;
        }
        let bytes = std::fs::read(dir.join(&row.file)).with_context(|| format!("reading {}", row.file))?;
        let artist_id = artist_for(ctx, &mut artists, &row.artist).await?;
        let (category, medium, price) = listing_for(&row.kind);
        let title = if row.title.is_empty() { row.file.clone() } else { row.title.chars().take(200).collect() };
        let description = format!(
            "{title} by {}{}. {}. Image licence: {}.",
            artist_name(&row.artist),
            if row.date.is_empty() { String::new() } else { format!(", {}", row.date) },
            capitalised(&row.kind),
            row.license
        );
        let fields = serde_json::from_value::<CreateArtwork>(serde_json::json!({
            "title": title,
            "description": description.chars().take(5000).collect::<String>(),
            "medium": medium.chars().take(300).collect::<String>(),
            "category": category,
            "year": year_of(&row.date),
            "edition": {"kind": "unique"},
            "price": {"amount_minor": price, "currency": "GBP"},
            "status": "published",
            "external_ref": external_ref,
        }))?
        .parse()
        .map_err(|e| anyhow::anyhow!("{}: not a valid listing: {e:?}", row.file))?;
        let category_id = categories[category];
        let artwork_id = Uuid::now_v7();
        let upload_id = Uuid::now_v7();
        let key = ObjectKey::parse(&format!("originals/{artist_id}/{upload_id}")).expect("uuids make a valid key");
        ctx.objects.put(&key, bytes.clone(), content_type_of(&row.file)).await?;
        let mut tx = ctx.db.begin().await?;
        store::insert(&mut tx, artwork_id, artist_id, category_id, &fields).await?;
        store::record_changes(&mut tx, &[artwork_id], None).await?;
        sqlx::query(
            "INSERT INTO uploads (id, artwork_id, artist_id, storage_key, filename, content_type, size_bytes, status,
                 expires_at, completed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'processing', $8, $8)",
        )
        .bind(upload_id)
        .bind(artwork_id)
        .bind(artist_id)
        .bind(key.as_str())
        .bind(&row.file)
        .bind(content_type_of(&row.file))
        .bind(bytes.len() as i64)
        .bind(Utc::now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        process_upload(ctx, &duplicates, upload_id).await?;
        let (status, held): (String, bool) = sqlx::query_as(
            "SELECT u.status::text, a.held_for_review FROM uploads u JOIN artworks a ON a.id = u.artwork_id WHERE u.id = $1",
        )
        .bind(upload_id)
        .fetch_one(&ctx.db)
        .await?;
        report.artworks_created += 1;
        report.rejected += u64::from(status == "rejected");
        report.held_for_review += u64::from(held);
        progress(&row.file);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_fields_become_listing_fields() {
        assert_eq!(artist_name("Hans Memling (Netherlandish, c. 1430–1494)"), "Hans Memling");
        assert_eq!(year_of("c. 1503-19"), Some(1503));
        assert_eq!(year_of("1890s"), Some(1890));
        assert_eq!(year_of("c. 1961-1878 B.C."), None);
        assert_eq!(year_of("antiquity"), None);
        assert_eq!(year_of("early 19th c."), None);
        assert_eq!(listing_for("painting (Oil on canvas)").0, "painting");
        assert_eq!(listing_for("painting (Oil on canvas)").1, "Oil on canvas");
        assert_eq!(listing_for("woodblock print").0, "print");
        assert_eq!(listing_for("museum object photo (grayscale)").0, "photography");
        assert_eq!(listing_for("sculpture (faience)").1, "Faience");
        assert_eq!(listing_for("AI-generated").0, "digital");
    }

    #[test]
    fn the_dataset_manifest_lists_every_image() {
        let dir = crate::media::datasets().join("images");
        let rows = read_manifest(&dir).unwrap();
        assert_eq!(rows.len(), 65);
        for row in &rows {
            assert!(dir.join(&row.file).is_file(), "{}", row.file);
            assert!(!row.title.is_empty() && !row.artist.is_empty(), "{}", row.file);
        }
    }
}
