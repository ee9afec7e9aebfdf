//! The SQL of notifications and their preferences.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::Kind;

/// Inserts unless the kind is off for the person or `subject` was notified
/// already; answers the new row's id and time.
pub async fn insert(
    conn: &mut PgConnection,
    user_id: Uuid,
    kind: Kind,
    subject: &str,
    data: &Value,
) -> sqlx::Result<Option<(Uuid, DateTime<Utc>)>> {
    sqlx::query_as(
        "INSERT INTO notifications (id, user_id, kind, subject, data)
         SELECT $1, $2, $3, $4, $5
         WHERE coalesce((SELECT in_app FROM notification_preferences WHERE user_id = $2 AND kind = $3), true)
         ON CONFLICT (user_id, subject) DO NOTHING
         RETURNING id, created_at",
    )
    .bind(Uuid::now_v7())
    .bind(user_id)
    .bind(kind.as_str())
    .bind(subject)
    .bind(data)
    .fetch_optional(conn)
    .await
}

#[derive(sqlx::FromRow)]
pub struct Row {
    pub id: Uuid,
    pub kind: String,
    pub data: Value,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A page of one person's notifications, newest first, before `cursor`.
pub async fn page(
    conn: &mut PgConnection,
    user_id: Uuid,
    cursor: Option<Uuid>,
    unread_only: bool,
    limit: i64,
) -> sqlx::Result<Vec<Row>> {
    sqlx::query_as(
        "SELECT id, kind, data, created_at, read_at FROM notifications
         WHERE user_id = $1 AND ($2::uuid IS NULL OR id < $2) AND (NOT $3 OR read_at IS NULL)
         ORDER BY id DESC LIMIT $4",
    )
    .bind(user_id)
    .bind(cursor)
    .bind(unread_only)
    .bind(limit)
    .fetch_all(conn)
    .await
}

pub async fn unread(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(conn)
        .await
}

/// Marks one read; false when the person has no such notification.
pub async fn mark_read(conn: &mut PgConnection, user_id: Uuid, id: Uuid) -> sqlx::Result<bool> {
    let found =
        sqlx::query("UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(conn)
            .await?
            .rows_affected();
    Ok(found == 1)
}

pub async fn mark_all_read(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The kinds a person turned off.
pub async fn kinds_off(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT kind FROM notification_preferences WHERE user_id = $1 AND NOT in_app")
        .bind(user_id)
        .fetch_all(conn)
        .await
}

pub async fn set_preference(conn: &mut PgConnection, user_id: Uuid, kind: Kind, in_app: bool) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notification_preferences (user_id, kind, in_app) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, kind) DO UPDATE SET in_app = EXCLUDED.in_app",
    )
    .bind(user_id)
    .bind(kind.as_str())
    .bind(in_app)
    .execute(conn)
    .await?;
    Ok(())
}
