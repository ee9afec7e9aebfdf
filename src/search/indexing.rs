//! Keeping the vector index in step with the catalogue: the text an artwork is
//! embedded from, and the `embed.artwork` job.
//!
//! The text recipe, in this order, one field per line and empty fields left
//! out: title; artist; category; styles; tags (the subjects); medium; year;
//! description. Title and artist lead because the model truncates long inputs
//! at 256 tokens, and they carry the most meaning per token.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    app::AppContext,
    catalog::domain::{ArtworkStatus, is_publicly_visible},
    platform::{
        embedder::Embedder,
        queue::{JobQueue, NewJob},
        vectors::{VectorIndex, VectorPayload, VectorPoint},
    },
};

/// Queued whenever an artwork's text, filters or images change.
pub const EMBED_ARTWORK: &str = "embed.artwork";

#[derive(Serialize, Deserialize)]
pub struct EmbedPayload {
    pub artwork_id: Uuid,
}

/// Queues re-embedding after a committed change. The change stands even if the
/// queue is unreachable: the failure is logged and `atelier reindex` repairs
/// the drift.
pub async fn reindex_later(queue: &dyn JobQueue, artwork_id: Uuid) {
    if let Err(e) = enqueue_embedding(queue, artwork_id).await {
        tracing::warn!(%artwork_id, error = %format!("{e:#}"), "queueing an embedding update failed");
    }
}

pub async fn enqueue_embedding(queue: &dyn JobQueue, artwork_id: Uuid) -> anyhow::Result<()> {
    queue
        .send(NewJob {
            kind: EMBED_ARTWORK,
            payload: serde_json::to_value(EmbedPayload { artwork_id })?,
            dedup_key: None,
            delay: Duration::ZERO,
        })
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct DocumentRow {
    title: String,
    description: String,
    medium: String,
    category: String,
    categories: Vec<String>,
    styles: Vec<String>,
    tags: Vec<String>,
    artist: String,
    artist_id: Uuid,
    year: Option<i32>,
    price_minor: i64,
    status: ArtworkStatus,
    held_for_review: bool,
}

/// What gets embedded for an artwork, and what searches filter on.
pub struct ArtworkDocument {
    pub text: String,
    pub content_hash: String,
    pub payload: VectorPayload,
    /// Whether the public may find it (`catalog::domain::is_publicly_visible`).
    pub searchable: bool,
}

impl DocumentRow {
    /// The recipe: what is embedded for an artwork, most telling parts first.
    fn text(&self) -> String {
        let styles = self.styles.iter().map(|s| s.replace('-', " ")).collect::<Vec<_>>().join(", ");
        let year = self.year.map(|y| y.to_string()).unwrap_or_default();
        let tags = self.tags.join(", ");
        [&self.title, &self.artist, &self.category, &styles, &tags, &self.medium, &year, &self.description]
            .iter()
            .map(|part| part.trim())
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

pub async fn load_document(conn: &mut PgConnection, artwork_id: Uuid) -> sqlx::Result<Option<ArtworkDocument>> {
    let row: Option<DocumentRow> = sqlx::query_as(
        "WITH RECURSIVE lineage AS (
             SELECT c.id, c.parent_id, c.slug FROM categories c JOIN artworks a ON a.category_id = c.id WHERE a.id = $1
             UNION ALL
             SELECT p.id, p.parent_id, p.slug FROM categories p JOIN lineage l ON l.parent_id = p.id)
         SELECT a.title, a.description, a.medium, c.name AS category,
                ARRAY(SELECT slug FROM lineage) AS categories, a.styles,
                COALESCE(ARRAY(SELECT t.name FROM artwork_tags at JOIN tags t ON t.slug = at.tag_slug
                               WHERE at.artwork_id = a.id ORDER BY t.name), '{}') AS tags,
                ar.name AS artist, a.artist_id, a.year, a.price_minor, a.status, a.held_for_review
         FROM artworks a JOIN artists ar ON ar.id = a.artist_id JOIN categories c ON c.id = a.category_id
         WHERE a.id = $1",
    )
    .bind(artwork_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| {
        let text = row.text();
        let content_hash = Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        ArtworkDocument {
            text,
            content_hash,
            searchable: is_publicly_visible(row.status, row.held_for_review),
            payload: VectorPayload {
                categories: row.categories,
                styles: row.styles,
                artist_id: row.artist_id,
                price_minor: row.price_minor,
                status: row.status.as_str().to_owned(),
                year: row.year,
            },
        }
    }))
}

#[derive(Debug, PartialEq, Eq)]
pub enum EmbedOutcome {
    Embedded,
    /// The text was unchanged; only the filter payload was refreshed.
    PayloadRefreshed,
    /// Not public (draft, archived, held) or gone: its vector was removed.
    Removed,
}

/// The `embed.artwork` job. Idempotent: running it twice leaves one point with
/// the same vector.
pub async fn embed_artwork(
    ctx: &AppContext,
    embedder: &dyn Embedder,
    vectors: &dyn VectorIndex,
    artwork_id: Uuid,
) -> anyhow::Result<EmbedOutcome> {
    // No connection is held across the embedder or the vector index: the
    // embedding is slow CPU work, and the embedded index takes connections
    // from the same pool, so jobs holding one each while waiting for another
    // could take the whole pool and stall every request behind them.
    let document = {
        let mut conn = ctx.db.acquire().await?;
        load_document(&mut conn, artwork_id).await?
    };
    let Some(document) = document.filter(|d| d.searchable) else {
        vectors.delete(&[artwork_id]).await?;
        sqlx::query("DELETE FROM artwork_embeddings WHERE artwork_id = $1").bind(artwork_id).execute(&ctx.db).await?;
        return Ok(EmbedOutcome::Removed);
    };
    let stored: Option<(String, String)> =
        sqlx::query_as("SELECT model, content_hash FROM artwork_embeddings WHERE artwork_id = $1")
            .bind(artwork_id)
            .fetch_optional(&ctx.db)
            .await?;
    if stored.as_ref().is_some_and(|(model, hash)| model == embedder.model() && *hash == document.content_hash)
        && let Some(vector) = vectors.vectors(&[artwork_id]).await?.remove(&artwork_id)
    {
        vectors.upsert(vec![VectorPoint { id: artwork_id, vector, payload: document.payload }]).await?;
        return Ok(EmbedOutcome::PayloadRefreshed);
    }
    let vector = embedder
        .embed(std::slice::from_ref(&document.text))
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("the embedder returned no vector"))?;
    vectors.upsert(vec![VectorPoint { id: artwork_id, vector, payload: document.payload }]).await?;
    sqlx::query(
        "INSERT INTO artwork_embeddings (artwork_id, model, content_hash) VALUES ($1, $2, $3)
         ON CONFLICT (artwork_id) DO UPDATE SET model = $2, content_hash = $3, embedded_at = now()",
    )
    .bind(artwork_id)
    .bind(embedder.model())
    .bind(&document.content_hash)
    .execute(&ctx.db)
    .await?;
    Ok(EmbedOutcome::Embedded)
}

#[derive(Debug, Default)]
pub struct ReindexReport {
    pub embedded: u64,
    pub unchanged: u64,
    pub removed: u64,
}

/// Brings every artwork's vector up to date, embedding in batches; artworks
/// whose text is unchanged keep their vectors. `progress` is called with the
/// number of artworks done after each batch.
pub async fn reindex_all(
    ctx: &AppContext,
    embedder: &dyn Embedder,
    vectors: &dyn VectorIndex,
    mut progress: impl FnMut(u64, u64),
) -> anyhow::Result<ReindexReport> {
    const BATCH: usize = 64;
    let ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM artworks ORDER BY id").fetch_all(&ctx.db).await?;
    let stored: std::collections::HashMap<Uuid, (String, String)> =
        sqlx::query_as::<_, (Uuid, String, String)>("SELECT artwork_id, model, content_hash FROM artwork_embeddings")
            .fetch_all(&ctx.db)
            .await?
            .into_iter()
            .map(|(id, model, hash)| (id, (model, hash)))
            .collect();
    let total = ids.len() as u64;
    let mut report = ReindexReport::default();
    let mut conn = ctx.db.acquire().await?;
    for chunk in ids.chunks(BATCH) {
        let mut to_embed = Vec::new();
        let mut to_remove = Vec::new();
        let indexed = vectors.vectors(chunk).await?;
        for id in chunk {
            match load_document(&mut conn, *id).await?.filter(|d| d.searchable) {
                None => to_remove.push(*id),
                Some(document) => {
                    let unchanged = stored
                        .get(id)
                        .is_some_and(|(model, hash)| model == embedder.model() && *hash == document.content_hash);
                    if unchanged && indexed.contains_key(id) {
                        report.unchanged += 1;
                    } else {
                        to_embed.push((*id, document));
                    }
                }
            }
        }
        if !to_remove.is_empty() {
            vectors.delete(&to_remove).await?;
            sqlx::query("DELETE FROM artwork_embeddings WHERE artwork_id = ANY($1)")
                .bind(&to_remove)
                .execute(&mut *conn)
                .await?;
            report.removed += to_remove.len() as u64;
        }
        if !to_embed.is_empty() {
            let texts: Vec<String> = to_embed.iter().map(|(_, d)| d.text.clone()).collect();
            let embedded = embedder.embed(&texts).await?;
            anyhow::ensure!(
                embedded.len() == texts.len(),
                "the embedder returned {} vectors for {} texts",
                embedded.len(),
                texts.len()
            );
            let (ids, hashes): (Vec<Uuid>, Vec<String>) =
                to_embed.iter().map(|(id, d)| (*id, d.content_hash.clone())).unzip();
            let points = to_embed
                .into_iter()
                .zip(embedded)
                .map(|((id, document), vector)| VectorPoint { id, vector, payload: document.payload })
                .collect();
            vectors.upsert(points).await?;
            sqlx::query(
                "INSERT INTO artwork_embeddings (artwork_id, model, content_hash)
                 SELECT id, $3, hash FROM unnest($1::uuid[], $2::text[]) AS t(id, hash)
                 ON CONFLICT (artwork_id) DO UPDATE SET model = $3, content_hash = EXCLUDED.content_hash, embedded_at = now()",
            )
            .bind(&ids)
            .bind(&hashes)
            .bind(embedder.model())
            .execute(&mut *conn)
            .await?;
            report.embedded += ids.len() as u64;
        }
        progress(report.embedded + report.unchanged + report.removed, total);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recipe_leads_with_title_and_artist_and_skips_empty_fields() {
        let row = DocumentRow {
            title: "Norham Castle, Sunrise".to_owned(),
            description: String::new(),
            medium: "Oil paint on canvas".to_owned(),
            category: "Painting".to_owned(),
            categories: vec!["painting".to_owned()],
            styles: vec!["romanticism".to_owned()],
            tags: vec!["castle".to_owned(), "sunrise".to_owned()],
            artist: "Joseph Mallord William Turner".to_owned(),
            artist_id: Uuid::nil(),
            year: Some(1845),
            price_minor: 0,
            status: ArtworkStatus::Published,
            held_for_review: false,
        };
        let text = row.text();
        assert_eq!(
            text,
            "Norham Castle, Sunrise\nJoseph Mallord William Turner\nPainting\nromanticism\ncastle, sunrise\nOil paint on canvas\n1845"
        );
    }
}
