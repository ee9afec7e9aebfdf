//! The key-value port's embedded default: a PostgreSQL table with a time to live per row.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{Decision, KeyValueStore, TokenBucket, WindowCount};

/// Expired rows are invisible to every read but would otherwise stay in the
/// table for good (DynamoDB deletes expired items itself). Every
/// `sweep_every`-th write also deletes a bounded batch of them, so the table
/// stays small without a scheduled job on any host, and no single write pays
/// for a large backlog.
pub struct PgKeyValueStore {
    pool: PgPool,
    writes: AtomicU64,
    sweep_every: u64,
}

const SWEEP_BATCH: i64 = 500;

impl PgKeyValueStore {
    pub fn new(pool: PgPool) -> Self {
        Self::with_sweep_every(pool, 200)
    }

    pub fn with_sweep_every(pool: PgPool, sweep_every: u64) -> Self {
        Self { pool, writes: AtomicU64::new(0), sweep_every: sweep_every.max(1) }
    }

    async fn wrote(&self) {
        if !(self.writes.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(self.sweep_every) {
            return;
        }
        // SKIP LOCKED: a sweep never waits on, or blocks, a live write.
        let swept = sqlx::query(
            "DELETE FROM kv_entries WHERE key IN (
                 SELECT key FROM kv_entries WHERE expires_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED)",
        )
        .bind(SWEEP_BATCH)
        .execute(&self.pool)
        .await;
        // The write itself succeeded; a failed sweep only leaves garbage for the next one.
        if let Err(e) = swept {
            tracing::warn!(error = %e, "sweeping expired key-value entries failed");
        }
    }
}

fn ttl_interval(ttl: Duration) -> f64 {
    ttl.as_secs_f64()
}

/// A bucket's level now, from its stored state: $2 is the capacity, $3 the
/// refill per second.
const BUCKET_LEVEL: &str = "CASE WHEN kv_entries.tokens IS NULL OR kv_entries.expires_at <= now() THEN $2
     ELSE least($2, kv_entries.tokens + extract(epoch FROM now() - kv_entries.refilled_at)::float8 * $3) END";

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
        self.wrote().await;
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
        self.wrote().await;
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
        self.wrote().await;
        Ok(WindowCount { value, expires_at })
    }

    async fn count(&self, key: &str) -> anyhow::Result<WindowCount> {
        let row: Option<(i64, DateTime<Utc>)> =
            sqlx::query_as("SELECT counter, expires_at FROM kv_entries WHERE key = $1 AND expires_at > now()")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map_or(WindowCount { value: 0, expires_at: Utc::now() }, |(value, expires_at)| WindowCount {
            value,
            expires_at,
        }))
    }

    async fn take_token(&self, key: &str, bucket: TokenBucket) -> anyhow::Result<Decision> {
        let capacity = f64::from(bucket.capacity());
        // One statement: the row lock serialises concurrent takes, and the
        // update happens only when a token is there, so no row means refused.
        //
        // A bucket keyed by a busy address takes every one of its requests.
        // Writing `expires_at` (indexed, for the sweep) on each take would make
        // every update a non-HOT one that adds index entries for the same key;
        // whenever a snapshot held elsewhere kept them from being pruned,
        // each take had to step over all the dead ones, and under load the
        // whole API stalled for seconds. So the row is given twice the time
        // it needs to refill and that is renewed only once less than one
        // refill is left: the row still outlives any partly spent bucket, and
        // most takes change no indexed column.
        let taken: Option<(f64,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO kv_entries (key, tokens, refilled_at, expires_at)
             VALUES ($1, $2 - 1, now(), now() + make_interval(secs => 2 * $4))
             ON CONFLICT (key) DO UPDATE SET
                 tokens = ({BUCKET_LEVEL}) - 1, refilled_at = now(),
                 expires_at = CASE WHEN kv_entries.expires_at >= now() + make_interval(secs => $4)
                                   THEN kv_entries.expires_at ELSE EXCLUDED.expires_at END
             WHERE ({BUCKET_LEVEL}) >= 1
             RETURNING tokens"
        )))
        .bind(key)
        .bind(capacity)
        .bind(bucket.refill_per_sec())
        .bind(ttl_interval(bucket.full_after()))
        .fetch_optional(&self.pool)
        .await?;
        self.wrote().await;
        if taken.is_some() {
            return Ok(Decision { allowed: true, retry_after: Duration::ZERO });
        }
        // Only the hint is read apart from the take; a slightly stale level
        // makes it a little early or late, never wrong about the refusal.
        let level: Option<(f64,)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {BUCKET_LEVEL} FROM kv_entries WHERE key = $1")))
                .bind(key)
                .bind(capacity)
                .bind(bucket.refill_per_sec())
                .fetch_optional(&self.pool)
                .await?;
        let level = level.map_or(capacity, |(level,)| level);
        Ok(Decision { allowed: false, retry_after: bucket.wait_for_token(level) })
    }
}
