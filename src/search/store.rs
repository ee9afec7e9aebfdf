//! Search queries outside the ranking itself (`keyword`): facet counts, the
//! query log, and what `similar` reads of duplicates and cover pictures.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
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

/// One line of query analytics, with the page of results it showed.
pub struct LoggedQuery<'a> {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub query: &'a str,
    pub mode: String,
    pub filters: serde_json::Value,
    pub result_count: i32,
    pub latency_ms: i32,
    /// The works on the page answered, in order.
    pub shown: &'a [Uuid],
    /// The position of the page's first work in the whole ranking (1-based).
    pub first_position: i32,
}

/// The query and its impressions in one statement: one round trip on the
/// search's path, however many works the page showed.
pub async fn log_query(db: &PgPool, logged: LoggedQuery<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "WITH logged AS (
             INSERT INTO search_queries (id, user_id, query, mode, filters, result_count, latency_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
         )
         INSERT INTO search_impressions (search_id, artwork_id, position)
         SELECT $1, shown.artwork_id, ($9 + shown.n - 1)::integer
         FROM unnest($8::uuid[]) WITH ORDINALITY AS shown (artwork_id, n)",
    )
    .bind(logged.id)
    .bind(logged.user_id)
    .bind(logged.query)
    .bind(logged.mode)
    .bind(logged.filters)
    .bind(logged.result_count)
    .bind(logged.latency_ms)
    .bind(logged.shown)
    .bind(logged.first_position)
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes the query analytics and impressions older than `retention`;
/// returns how many queries.
pub async fn purge_queries_before(db: &PgPool, retention: std::time::Duration) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM search_impressions WHERE shown_at < now() - make_interval(secs => $1)")
        .bind(retention.as_secs_f64())
        .execute(db)
        .await?;
    let deleted = sqlx::query("DELETE FROM search_queries WHERE created_at < now() - make_interval(secs => $1)")
        .bind(retention.as_secs_f64())
        .execute(db)
        .await?;
    Ok(deleted.rows_affected())
}

/// Deletes everything one person searched for. The impressions of their
/// searches stay: without the query they name nobody.
pub async fn forget_queries(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM search_queries WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(())
}

/// Marks a shown result opened, once, if the search is younger than
/// `window`: whether this call was the one that did.
pub async fn record_click(
    db: &PgPool,
    search_id: Uuid,
    artwork_id: Uuid,
    window: std::time::Duration,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE search_impressions SET clicked_at = now()
         WHERE search_id = $1 AND artwork_id = $2 AND clicked_at IS NULL
           AND shown_at > now() - make_interval(secs => $3)",
    )
    .bind(search_id)
    .bind(artwork_id)
    .bind(window.as_secs_f64())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the search showed the work, and if so whether it was opened already.
pub async fn impression_clicked(db: &PgPool, search_id: Uuid, artwork_id: Uuid) -> sqlx::Result<Option<bool>> {
    sqlx::query_scalar("SELECT clicked_at IS NOT NULL FROM search_impressions WHERE search_id = $1 AND artwork_id = $2")
        .bind(search_id)
        .bind(artwork_id)
        .fetch_optional(db)
        .await
}

/// Each work's impressions, clicks and sum of positions among the searches
/// made in `[start, end)`.
pub async fn impression_counts(
    conn: &mut PgConnection,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> sqlx::Result<Vec<super::ImpressionCounts>> {
    sqlx::query_as(
        "SELECT artwork_id, count(*) AS impressions, count(clicked_at) AS clicks, sum(position)::bigint AS position_sum
         FROM search_impressions WHERE shown_at >= $1 AND shown_at < $2
         GROUP BY artwork_id",
    )
    .bind(start)
    .bind(end)
    .fetch_all(conn)
    .await
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
