//! Search queries outside the ranking itself (`keyword`): facet counts, the
//! query log, and what `similar` reads of duplicates and cover pictures.

use std::collections::HashMap;

use sqlx::{PgConnection, PgPool, types::Json};
use uuid::Uuid;

use crate::media::analysis::Swatch;

/// Category slug, name and count among `ids`, most frequent first.
pub async fn category_counts(conn: &mut PgConnection, ids: &[Uuid]) -> sqlx::Result<Vec<(String, String, i64)>> {
    sqlx::query_as(
        "SELECT c.slug, c.name, count(*) FROM artworks a JOIN categories c ON c.id = a.category_id
         WHERE a.id = ANY($1) GROUP BY c.slug, c.name ORDER BY count(*) DESC, c.slug",
    )
    .bind(ids)
    .fetch_all(conn)
    .await
}

/// The 20 most frequent styles among `ids`, with their counts.
pub async fn style_counts(conn: &mut PgConnection, ids: &[Uuid]) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "SELECT style, count(*) FROM artworks a, unnest(a.styles) AS style
         WHERE a.id = ANY($1) GROUP BY style ORDER BY count(*) DESC, style LIMIT 20",
    )
    .bind(ids)
    .fetch_all(conn)
    .await
}

pub async fn prices(conn: &mut PgConnection, ids: &[Uuid]) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT price_minor FROM artworks WHERE id = ANY($1)").bind(ids).fetch_all(conn).await
}

/// One line of query analytics.
pub struct LoggedQuery<'a> {
    pub user_id: Option<Uuid>,
    pub query: &'a str,
    pub mode: String,
    pub filters: serde_json::Value,
    pub result_count: i32,
    pub latency_ms: i32,
}

pub async fn log_query(db: &PgPool, logged: LoggedQuery<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO search_queries (id, user_id, query, mode, filters, result_count, latency_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(Uuid::now_v7())
    .bind(logged.user_id)
    .bind(logged.query)
    .bind(logged.mode)
    .bind(logged.filters)
    .bind(logged.result_count)
    .bind(logged.latency_ms)
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes the query analytics older than `retention`; returns how many.
pub async fn purge_queries_before(db: &PgPool, retention: std::time::Duration) -> sqlx::Result<u64> {
    let deleted = sqlx::query("DELETE FROM search_queries WHERE created_at < now() - make_interval(secs => $1)")
        .bind(retention.as_secs_f64())
        .execute(db)
        .await?;
    Ok(deleted.rows_affected())
}

/// Deletes everything one person searched for.
pub async fn forget_queries(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM search_queries WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(())
}

/// Artworks flagged as copies of this one, or that this one was flagged as a copy of.
pub async fn flagged_copies(conn: &mut PgConnection, artwork_id: Uuid) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT matched_artwork_id FROM duplicate_flags WHERE artwork_id = $1
         UNION SELECT artwork_id FROM duplicate_flags WHERE matched_artwork_id = $1",
    )
    .bind(artwork_id)
    .fetch_all(conn)
    .await
}

/// Each artwork's cover (first image): its palette and perceptual hash.
pub async fn cover_pictures(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> sqlx::Result<HashMap<Uuid, (Json<Vec<Swatch>>, i64)>> {
    Ok(sqlx::query_as::<_, (Uuid, Json<Vec<Swatch>>, i64)>(
        "SELECT DISTINCT ON (artwork_id) artwork_id, palette, phash FROM artwork_images
         WHERE artwork_id = ANY($1) ORDER BY artwork_id, seq",
    )
    .bind(ids)
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(|(artwork, palette, phash)| (artwork, (palette, phash)))
    .collect())
}
