//! Feed queries: the interaction memory and saved list, stated preferences,
//! the stored taste, and the candidates recommendations and curation rank.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use super::{
    interactions::{InteractionKind, InteractionView, MemoryEntry},
    recommendations::Preferences,
};

// The interaction memory.

/// The same interaction by the same person with the same work within
/// `window`, if any, after waiting for any concurrent recording of it: a
/// repeat is the earlier interaction, not a new one. The lock lasts until the
/// transaction ends.
pub async fn recent_identical(
    conn: &mut PgConnection,
    user_id: Uuid,
    artwork_id: Uuid,
    kind: InteractionKind,
    window: std::time::Duration,
) -> sqlx::Result<Option<InteractionView>> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("interaction:{user_id}:{artwork_id}:{kind:?}"))
        .execute(&mut *conn)
        .await?;
    sqlx::query_as(
        "SELECT id, artwork_id, kind, created_at FROM interactions
         WHERE user_id = $1 AND artwork_id = $2 AND kind = $3 AND created_at > now() - make_interval(secs => $4)
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(artwork_id)
    .bind(kind)
    .bind(window.as_secs_f64())
    .fetch_optional(conn)
    .await
}

pub async fn insert_interaction(
    conn: &mut PgConnection,
    user_id: Uuid,
    artwork_id: Uuid,
    kind: InteractionKind,
) -> sqlx::Result<InteractionView> {
    sqlx::query_as(
        "INSERT INTO interactions (id, user_id, artwork_id, kind) VALUES ($1, $2, $3, $4)
         RETURNING id, artwork_id, kind, created_at",
    )
    .bind(Uuid::now_v7())
    .bind(user_id)
    .bind(artwork_id)
    .bind(kind)
    .fetch_one(conn)
    .await
}

/// Removes the collector's likes of one artwork.
pub async fn delete_likes(conn: &mut PgConnection, user_id: Uuid, artwork_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM interactions WHERE user_id = $1 AND artwork_id = $2 AND kind = 'like'")
        .bind(user_id)
        .bind(artwork_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The collector's interactions, newest first, older than `before` and only
/// with `artwork_id` when given.
pub async fn memory(
    pool: &PgPool,
    user_id: Uuid,
    before: Option<Uuid>,
    artwork_id: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<MemoryEntry>> {
    sqlx::query_as(
        "SELECT i.id, i.artwork_id, a.title AS artwork_title, i.kind::text AS kind, i.created_at
         FROM interactions i JOIN artworks a ON a.id = i.artwork_id
         WHERE i.user_id = $1 AND ($2::uuid IS NULL OR i.id < $2) AND ($4::uuid IS NULL OR i.artwork_id = $4)
         ORDER BY i.id DESC LIMIT $3",
    )
    .bind(user_id)
    .bind(before)
    .bind(limit)
    .bind(artwork_id)
    .fetch_all(pool)
    .await
}

/// Deletes the collector's interactions and the taste learnt from them.
pub async fn forget_memory(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM interactions WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM user_taste WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    Ok(())
}

// The saved list.

/// Saving twice is the same as once.
pub async fn save(conn: &mut PgConnection, user_id: Uuid, artwork_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO saves (user_id, artwork_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(user_id)
        .bind(artwork_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn unsave(pool: &PgPool, user_id: Uuid, artwork_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM saves WHERE user_id = $1 AND artwork_id = $2")
        .bind(user_id)
        .bind(artwork_id)
        .execute(pool)
        .await?;
    Ok(())
}

// Taste.

/// Marks the collector's stored taste for recomputation.
pub async fn mark_taste_stale(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO user_taste (user_id, stale) VALUES ($1, true) ON CONFLICT (user_id) DO UPDATE SET stale = true",
    )
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// One interaction as taste learns from it.
pub struct Remembered {
    pub artwork_id: Uuid,
    pub title: String,
    /// The interaction kind as text, `purchase` included.
    pub kind: String,
    pub at: DateTime<Utc>,
}

/// The collector's `limit` newest interactions.
pub async fn recent_interactions(conn: &mut PgConnection, user_id: Uuid, limit: i64) -> sqlx::Result<Vec<Remembered>> {
    let rows: Vec<(Uuid, String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT i.artwork_id, a.title, i.kind::text, i.created_at
         FROM interactions i JOIN artworks a ON a.id = i.artwork_id
         WHERE i.user_id = $1 ORDER BY i.created_at DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(artwork_id, title, kind, at)| Remembered { artwork_id, title, kind, at }).collect())
}

pub struct StoredTaste {
    pub vector: Option<Vec<f32>>,
    /// An interaction arrived since the vector was computed.
    pub stale: bool,
}

pub async fn stored_taste(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<Option<StoredTaste>> {
    let stored: Option<(Option<Vec<f32>>, bool)> =
        sqlx::query_as("SELECT vector, stale FROM user_taste WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(conn)
            .await?;
    Ok(stored.map(|(vector, stale)| StoredTaste { vector, stale }))
}

/// Stores a freshly computed taste, no longer stale.
pub async fn store_taste(conn: &mut PgConnection, user_id: Uuid, vector: &Option<Vec<f32>>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO user_taste (user_id, vector, stale, computed_at) VALUES ($1, $2, false, now())
         ON CONFLICT (user_id) DO UPDATE SET vector = $2, stale = false, computed_at = now()",
    )
    .bind(user_id)
    .bind(vector)
    .execute(conn)
    .await?;
    Ok(())
}

// Preferences.

pub async fn preferences(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<Option<Preferences>> {
    sqlx::query_as("SELECT categories, styles, min_price, max_price FROM user_preferences WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await
}

/// Those of `slugs` that name a category.
pub async fn known_categories(pool: &PgPool, slugs: &[String]) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT slug FROM categories WHERE slug = ANY($1)").bind(slugs).fetch_all(pool).await
}

pub async fn put_preferences(pool: &PgPool, user_id: Uuid, preferences: &Preferences) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO user_preferences (user_id, categories, styles, min_price, max_price) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id) DO UPDATE SET categories = $2, styles = $3, min_price = $4, max_price = $5, updated_at = now()",
    )
    .bind(user_id)
    .bind(&preferences.categories)
    .bind(&preferences.styles)
    .bind(preferences.min_price)
    .bind(preferences.max_price)
    .execute(pool)
    .await?;
    Ok(())
}

// Recommendation candidates.

/// Works not to recommend: bought, dismissed or saved ones, and any the
/// collector interacted with in the last `seen_days`.
pub async fn excluded_artworks(conn: &mut PgConnection, user_id: Uuid, seen_days: i32) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT DISTINCT artwork_id FROM interactions
         WHERE user_id = $1 AND (kind IN ('purchase', 'not_interested', 'save')
                                 OR created_at > now() - make_interval(days => $2))
         UNION SELECT artwork_id FROM saves WHERE user_id = $1",
    )
    .bind(user_id)
    .bind(seen_days)
    .fetch_all(conn)
    .await
}

/// A candidate for a collector without history.
pub struct ColdStartRow {
    pub id: Uuid,
    pub category_name: String,
    /// Weighted interactions of the last 30 days.
    pub heat: f64,
    /// In the preferred categories and styles (always, without preferences).
    pub preferred: bool,
}

/// Public works outside `excluded` and within the preferred price range:
/// preferred ones first, then by recent heat, then newest.
pub async fn cold_start_candidates(
    conn: &mut PgConnection,
    preferences: &Preferences,
    excluded: &[Uuid],
    limit: i64,
) -> sqlx::Result<Vec<ColdStartRow>> {
    let rows: Vec<(Uuid, String, f64, bool)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "WITH {HEAT}
         SELECT a.id, c.name, COALESCE(r.heat, 0)::float8 AS heat,
                (cardinality($1::text[]) = 0 OR c.slug = ANY($1) OR COALESCE(p.slug = ANY($1), false))
                AND (cardinality($2::text[]) = 0 OR a.styles && $2) AS preferred
         FROM artworks a JOIN categories c ON c.id = a.category_id LEFT JOIN categories p ON p.id = c.parent_id
              LEFT JOIN heat r ON r.artwork_id = a.id
         WHERE a.status = 'published' AND NOT a.held_for_review AND a.id <> ALL($3)
           AND ($4::bigint IS NULL OR a.price_minor >= $4) AND ($5::bigint IS NULL OR a.price_minor <= $5)
         ORDER BY preferred DESC, heat DESC, a.id DESC
         LIMIT $6"
    )))
    .bind(&preferences.categories)
    .bind(&preferences.styles)
    .bind(excluded)
    .bind(preferences.min_price)
    .bind(preferences.max_price)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, category_name, heat, preferred)| ColdStartRow { id, category_name, heat, preferred })
        .collect())
}

/// How much interest a work drew in the last 30 days, as a CTE `heat
/// (artwork_id, heat)`: each person counts once per work, by their strongest
/// interaction with it (a purchase at most), halving in weight every 7 days;
/// "not interested" outweighs anything else they did. Counting people rather
/// than interactions is what keeps one account from making a work trend.
const HEAT: &str = "heat AS (
    SELECT artwork_id, sum(person_heat) AS heat
    FROM (SELECT artwork_id,
                 CASE WHEN bool_or(kind = 'not_interested') THEN -2
                      ELSE max(CASE kind WHEN 'purchase' THEN 6 WHEN 'save' THEN 4 WHEN 'like' THEN 3
                                         WHEN 'share' THEN 2 WHEN 'view' THEN 1 ELSE 0 END
                               * power(0.5, extract(epoch FROM now() - created_at) / (7 * 86400))) END AS person_heat
          FROM interactions WHERE created_at > now() - interval '30 days'
          GROUP BY artwork_id, user_id) people
    GROUP BY artwork_id)";

// Curation.

/// A public work with the signals curation ranks by: freshness and quality
/// lie in 0–1, trending is unbounded (the caller normalises it).
#[derive(sqlx::FromRow)]
pub struct Scored {
    pub id: Uuid,
    pub artist_id: Uuid,
    pub category: String,
    pub trending: f64,
    pub freshness: f64,
    pub quality: f64,
}

/// Every public work, scored. Trending: its [`HEAT`]. Freshness: halves every 30 days since
/// listing. Quality: the listing's completeness, and whether it has a sharp
/// picture.
pub async fn scored_public_works(pool: &PgPool) -> sqlx::Result<Vec<Scored>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "WITH {HEAT},
         pictures AS (
             SELECT artwork_id, max(least(sharpness / 500.0, 1.0)) AS sharp FROM artwork_images GROUP BY artwork_id)
         SELECT a.id, a.artist_id, c.slug AS category,
                COALESCE(h.heat, 0)::float8 AS trending,
                power(0.5, extract(epoch FROM now() - COALESCE(a.published_at, a.created_at)) / (30 * 86400))::float8 AS freshness,
                (a.completeness / 100.0 * 0.6 + COALESCE(p.sharp, 0) * 0.4)::float8 AS quality
         FROM artworks a JOIN categories c ON c.id = a.category_id
              LEFT JOIN heat h ON h.artwork_id = a.id LEFT JOIN pictures p ON p.artwork_id = a.id
         WHERE a.status = 'published' AND NOT a.held_for_review"
    )))
    .fetch_all(pool)
    .await
}

/// The 200 most recently listed public works, newest first.
pub async fn freshest_public_works(pool: &PgPool) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT id FROM artworks WHERE status = 'published' AND NOT held_for_review
         ORDER BY COALESCE(published_at, created_at) DESC, id DESC LIMIT 200",
    )
    .fetch_all(pool)
    .await
}

// What insights reads.

/// Views, likes, saves and shares of each work recorded in `[start, end)`.
pub async fn interaction_counts(
    conn: &mut PgConnection,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> sqlx::Result<Vec<super::InteractionCounts>> {
    sqlx::query_as(
        "SELECT artwork_id,
                count(*) FILTER (WHERE kind = 'view') AS views,
                count(*) FILTER (WHERE kind = 'like') AS likes,
                count(*) FILTER (WHERE kind = 'save') AS saves,
                count(*) FILTER (WHERE kind = 'share') AS shares
         FROM interactions
         WHERE created_at >= $1 AND created_at < $2 AND kind IN ('view', 'like', 'save', 'share')
         GROUP BY artwork_id",
    )
    .bind(start)
    .bind(end)
    .fetch_all(conn)
    .await
}
