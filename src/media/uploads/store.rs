//! Upload queries: the upload row, the artist's quota, and the move from
//! pending to processing.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::UploadStatus;
use crate::{catalog::domain::ArtworkStatus, platform::objects::ObjectKey};

#[derive(sqlx::FromRow)]
pub struct UploadRow {
    pub id: Uuid,
    pub artwork_id: Uuid,
    pub artist_id: Uuid,
    pub storage_key: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub status: UploadStatus,
    pub rejection_reason: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub processed_at: Option<DateTime<Utc>>,
}

impl UploadRow {
    pub fn key(&self) -> anyhow::Result<ObjectKey> {
        ObjectKey::parse(&self.storage_key)
            .ok_or_else(|| anyhow::anyhow!("stored upload key {:?} is invalid", self.storage_key))
    }
}

const SELECT_UPLOAD: &str = "SELECT id, artwork_id, artist_id, storage_key, filename, content_type, size_bytes,
    status, rejection_reason, expires_at, created_at, completed_at, processed_at FROM uploads";

pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<UploadRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT_UPLOAD} WHERE id = $1"))).bind(id).fetch_optional(conn).await
}

pub async fn find_by_key(conn: &mut PgConnection, key: &str) -> sqlx::Result<Option<UploadRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT_UPLOAD} WHERE storage_key = $1")))
        .bind(key)
        .fetch_optional(conn)
        .await
}

/// Every upload of one artwork, newest first.
pub async fn of_artwork(conn: &mut PgConnection, artwork_id: Uuid) -> sqlx::Result<Vec<UploadRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT_UPLOAD} WHERE artwork_id = $1 ORDER BY created_at DESC, id DESC"
    )))
    .bind(artwork_id)
    .fetch_all(conn)
    .await
}

/// The artist and status of an artwork, if it exists.
pub async fn artwork_owner_and_status(
    conn: &mut PgConnection,
    artwork_id: Uuid,
) -> sqlx::Result<Option<(Uuid, ArtworkStatus)>> {
    sqlx::query_as("SELECT artist_id, status FROM artworks WHERE id = $1").bind(artwork_id).fetch_optional(conn).await
}

/// The artist of an artwork, if it exists.
pub async fn artwork_owner(conn: &mut PgConnection, artwork_id: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT artist_id FROM artworks WHERE id = $1").bind(artwork_id).fetch_optional(conn).await
}

/// Locks the artist's row until the transaction ends, serialising one
/// artist's concurrent uploads.
pub async fn lock_artist(conn: &mut PgConnection, artist_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("SELECT 1 FROM artists WHERE id = $1 FOR UPDATE").bind(artist_id).execute(conn).await?;
    Ok(())
}

/// What counts against an artist's limits.
pub struct Usage {
    /// Bytes of the artist's uploads that are not rejected or expired unsent.
    pub used_bytes: i64,
    /// How many of those belong to the artwork asked about.
    pub on_artwork: i64,
}

/// The artist's counted uploads. Expired forms that never delivered a file
/// no longer count, nor do rejected uploads.
pub async fn usage(conn: &mut PgConnection, artist_id: Uuid, artwork_id: Uuid) -> sqlx::Result<Usage> {
    let (used_bytes, on_artwork): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(sum(size_bytes), 0)::bigint,
                count(*) FILTER (WHERE artwork_id = $2)
         FROM uploads
         WHERE artist_id = $1 AND status <> 'rejected' AND NOT (status = 'pending' AND expires_at < now())",
    )
    .bind(artist_id)
    .bind(artwork_id)
    .fetch_one(conn)
    .await?;
    Ok(Usage { used_bytes, on_artwork })
}

pub struct NewUploadRow<'a> {
    pub id: Uuid,
    pub artwork_id: Uuid,
    pub artist_id: Uuid,
    pub storage_key: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub expires_at: DateTime<Utc>,
}

/// Inserts a pending upload.
pub async fn insert(conn: &mut PgConnection, upload: NewUploadRow<'_>) -> sqlx::Result<UploadRow> {
    sqlx::query_as(
        "INSERT INTO uploads (id, artwork_id, artist_id, storage_key, filename, content_type, size_bytes, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING id, artwork_id, artist_id, storage_key, filename, content_type, size_bytes, status,
                   rejection_reason, expires_at, created_at, completed_at, processed_at",
    )
    .bind(upload.id)
    .bind(upload.artwork_id)
    .bind(upload.artist_id)
    .bind(upload.storage_key)
    .bind(upload.filename)
    .bind(upload.content_type)
    .bind(upload.size_bytes)
    .bind(upload.expires_at)
    .fetch_one(conn)
    .await
}

/// Moves a pending upload to processing. True only for the caller that made
/// the change.
pub async fn start_processing(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    let changed = sqlx::query(
        "UPDATE uploads SET status = 'processing', completed_at = now() WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}
