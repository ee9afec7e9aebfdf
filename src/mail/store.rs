//! The SQL of `mail_messages`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

/// Where a message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum State {
    /// Waiting for its job, or for another try.
    Queued,
    Sent,
    /// Refused for good by the relay or the provider.
    Bounced,
    /// Gave up after repeated failures, or too old to send.
    Failed,
}

pub struct NewMessage<'a> {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub to: &'a str,
    pub template: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    pub unsubscribe: Option<&'a str>,
}

pub async fn insert(conn: &mut PgConnection, message: &NewMessage<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO mail_messages (id, user_id, to_address, template, subject, text_body, html_body, unsubscribe_url)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(message.id)
    .bind(message.user_id)
    .bind(message.to)
    .bind(message.template)
    .bind(message.subject)
    .bind(message.text)
    .bind(message.html)
    .bind(message.unsubscribe)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct Queued {
    pub to_address: String,
    pub subject: String,
    pub text_body: Option<String>,
    pub html_body: Option<String>,
    pub unsubscribe_url: Option<String>,
    pub attempts: i32,
}

pub async fn lock_queued(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Queued>> {
    sqlx::query_as(
        "SELECT to_address, subject, text_body, html_body, unsubscribe_url, attempts FROM mail_messages
         WHERE id = $1 AND state = 'queued' FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The bodies go once sent: they carry single-use links that nobody
/// should be able to read back out of the database.
pub async fn mark_sent(conn: &mut PgConnection, id: Uuid, provider_id: Option<&str>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE mail_messages SET state = 'sent', sent_at = now(), provider_id = $2, attempts = attempts + 1,
             last_attempt_at = now(), text_body = NULL, html_body = NULL
         WHERE id = $1",
    )
    .bind(id)
    .bind(provider_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mark_given_up(conn: &mut PgConnection, id: Uuid, state: State, reason: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE mail_messages SET state = $2, attempts = attempts + 1, last_attempt_at = now(),
             last_error = left($3, 1000), text_body = NULL, html_body = NULL
         WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn record_attempt(conn: &mut PgConnection, id: Uuid, reason: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE mail_messages SET attempts = attempts + 1, last_attempt_at = now(), last_error = left($2, 1000)
         WHERE id = $1",
    )
    .bind(id)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn expire_queued(conn: &mut PgConnection, older_than: Duration) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE mail_messages SET state = 'failed', last_error = 'not sent in time; its links have expired',
             text_body = NULL, html_body = NULL
         WHERE state = 'queued' AND created_at < now() - make_interval(secs => $1)",
    )
    .bind(older_than.as_secs_f64())
    .execute(conn)
    .await?
    .rows_affected())
}

/// Queued messages nobody has tried for `idle`.
pub async fn stalled(conn: &mut PgConnection, idle: Duration, limit: i64) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT id FROM mail_messages
         WHERE state = 'queued' AND coalesce(last_attempt_at, created_at) < now() - make_interval(secs => $1)
         ORDER BY created_at LIMIT $2",
    )
    .bind(idle.as_secs_f64())
    .bind(limit)
    .fetch_all(conn)
    .await
}

#[derive(Serialize, ToSchema, sqlx::FromRow)]
pub struct MessageSummary {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub to_address: String,
    pub template: String,
    pub subject: String,
    pub state: State,
    pub attempts: i32,
    /// Why the last attempt failed, as the relay or provider said it.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Newest first, in `state` if given, before the message `before`.
pub async fn list(
    conn: &mut PgConnection,
    state: Option<State>,
    before: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<MessageSummary>> {
    sqlx::query_as(
        "SELECT id, user_id, to_address, template, subject, state, attempts, last_error, created_at, sent_at
         FROM mail_messages
         WHERE ($1::text IS NULL OR state = $1) AND ($2::uuid IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3",
    )
    .bind(state)
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await
}
