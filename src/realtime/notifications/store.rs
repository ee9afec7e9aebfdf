//! The SQL of notifications and their preferences.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::Kind;

/// Inserts unless the kind is off for the person in the app and by mail, or
/// `subject` was notified already; answers the new row's id and time and
/// whether the app shows it.
pub async fn insert(
    conn: &mut PgConnection,
    user_id: Uuid,
    kind: Kind,
    subject: &str,
    data: &Value,
) -> sqlx::Result<Option<(Uuid, DateTime<Utc>, bool)>> {
    sqlx::query_as(
        "WITH pref AS (SELECT in_app, email FROM notification_preferences WHERE user_id = $2 AND kind = $3),
              wanted AS (SELECT coalesce((SELECT in_app FROM pref), true) AS in_app,
                                coalesce((SELECT email FROM pref), $6) AS email)
         INSERT INTO notifications (id, user_id, kind, subject, data, shown, mail_state)
         SELECT $1, $2, $3, $4, $5, wanted.in_app, CASE WHEN wanted.email THEN 'due' END FROM wanted
         WHERE wanted.in_app OR wanted.email
         ON CONFLICT (user_id, subject) DO NOTHING
         RETURNING id, created_at, shown",
    )
    .bind(Uuid::now_v7())
    .bind(user_id)
    .bind(kind.as_str())
    .bind(subject)
    .bind(data)
    .bind(kind.mailed_by_default())
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
         WHERE user_id = $1 AND shown AND ($2::uuid IS NULL OR id < $2) AND (NOT $3 OR read_at IS NULL)
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
    sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1 AND shown AND read_at IS NULL")
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

/// The choices a person made, kind by kind; kinds absent keep their defaults.
pub async fn preferences(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<Vec<(String, bool, Option<bool>)>> {
    sqlx::query_as("SELECT kind, in_app, email FROM notification_preferences WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(conn)
        .await
}

/// Sets either channel of one kind; `None` leaves that channel as it is.
pub async fn set_preference(
    conn: &mut PgConnection,
    user_id: Uuid,
    kind: Kind,
    in_app: Option<bool>,
    email: Option<bool>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notification_preferences (user_id, kind, in_app, email) VALUES ($1, $2, coalesce($3, true), $4)
         ON CONFLICT (user_id, kind) DO UPDATE SET
             in_app = coalesce($3, notification_preferences.in_app),
             email = coalesce($4, notification_preferences.email)",
    )
    .bind(user_id)
    .bind(kind.as_str())
    .bind(in_app)
    .bind(email)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct DueMail {
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: String,
    pub data: Value,
    pub read_at: Option<DateTime<Utc>>,
    pub shown: bool,
}

/// Notifications waiting to be mailed for at least `delay`, oldest first,
/// locked so that two mailers never take the same one.
pub async fn lock_due_mail(
    conn: &mut PgConnection,
    delay: std::time::Duration,
    limit: i64,
) -> sqlx::Result<Vec<DueMail>> {
    sqlx::query_as(
        "SELECT id, user_id, kind, data, read_at, shown FROM notifications
         WHERE mail_state = 'due' AND created_at <= now() - make_interval(secs => $1)
         ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED",
    )
    .bind(delay.as_secs_f64())
    .bind(limit)
    .fetch_all(conn)
    .await
}

pub async fn set_mail_state(conn: &mut PgConnection, ids: &[Uuid], state: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE notifications SET mail_state = $2 WHERE id = ANY($1)")
        .bind(ids)
        .bind(state)
        .execute(conn)
        .await?;
    Ok(())
}

/// Turns mail off for every kind, keeping what the app shows.
pub async fn stop_all_mail(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<()> {
    let kinds: Vec<&str> = Kind::ALL.iter().map(|kind| kind.as_str()).collect();
    sqlx::query(
        "INSERT INTO notification_preferences (user_id, kind, in_app, email)
         SELECT $1, kind, true, false FROM unnest($2::text[]) AS k (kind)
         ON CONFLICT (user_id, kind) DO UPDATE SET email = false",
    )
    .bind(user_id)
    .bind(&kinds)
    .execute(&mut *conn)
    .await?;
    // What was waiting to be mailed is not mailed either.
    sqlx::query("UPDATE notifications SET mail_state = 'skipped' WHERE user_id = $1 AND mail_state = 'due'")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}
