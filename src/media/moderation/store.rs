//! Duplicate flag queries. The artwork side of a decision (archiving, lifting
//! the hold) goes through `catalog::artworks::changes`.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::DuplicateStatus;

#[derive(sqlx::FromRow)]
pub struct FlagRow {
    pub id: Uuid,
    pub status: DuplicateStatus,
    pub distance: i16,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution_note: Option<String>,
    pub artwork_id: Uuid,
    pub image_id: Uuid,
    pub title: String,
    pub artist_id: Uuid,
    pub artist_name: String,
    pub matched_artwork_id: Uuid,
    pub matched_image_id: Uuid,
    pub matched_title: String,
    pub matched_artist_id: Uuid,
    pub matched_artist_name: String,
}

const SELECT_FLAGS: &str = "SELECT f.id, f.status, f.distance, f.created_at, f.resolved_at, f.resolution_note,
        f.artwork_id, f.image_id, a.title, a.artist_id, ar.name AS artist_name,
        f.matched_artwork_id, f.matched_image_id, m.title AS matched_title, m.artist_id AS matched_artist_id,
        mr.name AS matched_artist_name
    FROM duplicate_flags f
    JOIN artworks a ON a.id = f.artwork_id JOIN artists ar ON ar.id = a.artist_id
    JOIN artworks m ON m.id = f.matched_artwork_id JOIN artists mr ON mr.id = m.artist_id";

/// Flags in a status, oldest first.
pub async fn with_status(conn: &mut PgConnection, status: DuplicateStatus, limit: i64) -> sqlx::Result<Vec<FlagRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT_FLAGS} WHERE f.status = $1 ORDER BY f.created_at, f.id LIMIT $2"
    )))
    .bind(status)
    .bind(limit)
    .fetch_all(conn)
    .await
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<FlagRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT_FLAGS} WHERE f.id = $1"))).bind(id).fetch_optional(conn).await
}

/// Locks the flag for the rest of the transaction: its artwork and status.
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<(Uuid, DuplicateStatus)>> {
    sqlx::query_as("SELECT artwork_id, status FROM duplicate_flags WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn resolve(
    conn: &mut PgConnection,
    id: Uuid,
    decision: DuplicateStatus,
    resolved_by: Uuid,
    note: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE duplicate_flags SET status = $2, resolved_by = $3, resolved_at = now(), resolution_note = NULLIF($4, '')
         WHERE id = $1",
    )
    .bind(id)
    .bind(decision)
    .bind(resolved_by)
    .bind(note)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether any flag of the artwork is still open or was confirmed: only when
/// every one was dismissed may its hold be lifted.
pub async fn undismissed_flags_remain(conn: &mut PgConnection, artwork_id: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM duplicate_flags WHERE artwork_id = $1 AND status <> 'dismissed')")
        .bind(artwork_id)
        .fetch_one(conn)
        .await
}
