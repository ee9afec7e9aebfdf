//! The key-value port: short-lived state with a time to live (throttling counters
//! now; feed pages, idempotency records and socket connections later). The embedded
//! default is a PostgreSQL table; the cloud adapter is DynamoDB.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// A counter inside a fixed window: `value` increments made since the window
/// opened, which closes at `expires_at`.
#[derive(Clone, Copy, Debug)]
pub struct WindowCount {
    pub value: i64,
    pub expires_at: DateTime<Utc>,
}

/// Keys are printable text (no control characters): callers build them from
/// values they have already parsed.
#[async_trait]
pub trait KeyValueStore: Send + Sync + 'static {
    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>>;
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> anyhow::Result<()>;
    /// Writes only if the key is absent or expired; tells whether it wrote.
    async fn put_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> anyhow::Result<bool>;
    async fn delete(&self, key: &str) -> anyhow::Result<()>;
    /// Adds one to the counter at `key`, opening a new window of length `ttl` when
    /// there is none or the last one has closed.
    async fn increment(&self, key: &str, ttl: Duration) -> anyhow::Result<WindowCount>;
    /// Reads a counter without changing it (zero when absent or expired).
    async fn count(&self, key: &str) -> anyhow::Result<WindowCount>;
}

pub struct PgKeyValueStore {
    pool: PgPool,
}

impl PgKeyValueStore {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn ttl_interval(ttl: Duration) -> f64 {
    ttl.as_secs_f64()
}

#[async_trait]
impl KeyValueStore for PgKeyValueStore {
    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let row: Option<(Vec<u8>,)> =
            sqlx::query_as("SELECT value FROM kv_entries WHERE key = $1 AND expires_at > now()")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(v,)| v))
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO kv_entries (key, value, counter, expires_at)
             VALUES ($1, $2, 0, now() + make_interval(secs => $3))
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, counter = 0,
                 expires_at = EXCLUDED.expires_at",
        )
        .bind(key)
        .bind(value)
        .bind(ttl_interval(ttl))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn put_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> anyhow::Result<bool> {
        let written = sqlx::query(
            "INSERT INTO kv_entries (key, value, counter, expires_at)
             VALUES ($1, $2, 0, now() + make_interval(secs => $3))
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, counter = 0,
                 expires_at = EXCLUDED.expires_at
             WHERE kv_entries.expires_at <= now()",
        )
        .bind(key)
        .bind(value)
        .bind(ttl_interval(ttl))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(written == 1)
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM kv_entries WHERE key = $1").bind(key).execute(&self.pool).await?;
        Ok(())
    }

    async fn increment(&self, key: &str, ttl: Duration) -> anyhow::Result<WindowCount> {
        // One statement, so concurrent increments serialise on the row lock and
        // none is lost.
        let (value, expires_at): (i64, DateTime<Utc>) = sqlx::query_as(
            "INSERT INTO kv_entries (key, counter, expires_at)
             VALUES ($1, 1, now() + make_interval(secs => $2))
             ON CONFLICT (key) DO UPDATE SET
                 counter = CASE WHEN kv_entries.expires_at <= now() THEN 1 ELSE kv_entries.counter + 1 END,
                 expires_at = CASE WHEN kv_entries.expires_at <= now() THEN EXCLUDED.expires_at
                                   ELSE kv_entries.expires_at END
             RETURNING counter, expires_at",
        )
        .bind(key)
        .bind(ttl_interval(ttl))
        .fetch_one(&self.pool)
        .await?;
        Ok(WindowCount { value, expires_at })
    }

    async fn count(&self, key: &str) -> anyhow::Result<WindowCount> {
        let row: Option<(i64, DateTime<Utc>)> = sqlx::query_as(
            "SELECT counter, expires_at FROM kv_entries WHERE key = $1 AND expires_at > now()",
        )
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map_or(WindowCount { value: 0, expires_at: Utc::now() }, |(value, expires_at)| {
            WindowCount { value, expires_at }
        }))
    }
}
