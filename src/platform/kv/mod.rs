//! The key-value port: short-lived state with a time to live (throttling counters,
//! rate-limit buckets, feed pages, idempotency records). The embedded default is
//! a PostgreSQL table; the cloud adapter is DynamoDB.

pub mod dynamodb;
pub mod postgres;

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

pub use self::{
    dynamodb::{DynamoKeyValueStore, dynamodb_client},
    postgres::PgKeyValueStore,
};
use super::{aws::LazyAwsConfig, config::KvBackend};

/// A counter inside a fixed window: `value` increments made since the window
/// opened, which closes at `expires_at`.
#[derive(Clone, Copy, Debug)]
pub struct WindowCount {
    pub value: i64,
    pub expires_at: DateTime<Utc>,
}

/// A token bucket: holds up to `capacity` tokens and gains `refill_per_sec`
/// tokens a second; each allowed request takes one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TokenBucket {
    capacity: u32,
    refill_per_sec: f64,
}

impl TokenBucket {
    pub fn new(capacity: u32, refill_per_sec: f64) -> anyhow::Result<Self> {
        if capacity == 0 {
            anyhow::bail!("a token bucket must hold at least one token");
        }
        if !(refill_per_sec.is_finite() && refill_per_sec > 0.0) {
            anyhow::bail!("a token bucket must refill at a positive, finite rate");
        }
        Ok(Self { capacity, refill_per_sec })
    }

    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    pub fn refill_per_sec(&self) -> f64 {
        self.refill_per_sec
    }

    /// A bucket `n` times as deep that refills `n` times as fast: the
    /// allowance of `n` callers shared.
    pub fn times(self, n: u32) -> Self {
        let n = n.max(1);
        Self { capacity: self.capacity.saturating_mul(n), refill_per_sec: self.refill_per_sec * f64::from(n) }
    }

    /// After this long untouched a bucket is full again, which is the same as
    /// absent: its entry may expire then.
    pub fn full_after(&self) -> Duration {
        Duration::from_secs_f64(f64::from(self.capacity) / self.refill_per_sec)
    }

    /// The level at `elapsed_secs` after it was `tokens`.
    pub fn refilled(&self, tokens: f64, elapsed_secs: f64) -> f64 {
        (tokens + elapsed_secs.max(0.0) * self.refill_per_sec).min(f64::from(self.capacity))
    }

    /// How long until a bucket at `level` holds a whole token.
    pub fn wait_for_token(&self, level: f64) -> Duration {
        Duration::from_secs_f64(((1.0 - level) / self.refill_per_sec).max(0.0))
    }
}

/// Parses `capacity,refill_per_sec`, e.g. `30,2`.
impl std::str::FromStr for TokenBucket {
    type Err = anyhow::Error;

    fn from_str(raw: &str) -> anyhow::Result<Self> {
        let (capacity, rate) =
            raw.split_once(',').ok_or_else(|| anyhow::anyhow!("expected CAPACITY,REFILL_PER_SECOND such as 30,2"))?;
        let capacity = capacity.trim().parse().map_err(|e| anyhow::anyhow!("capacity: {e}"))?;
        let rate = rate.trim().parse().map_err(|e| anyhow::anyhow!("refill per second: {e}"))?;
        Self::new(capacity, rate)
    }
}

/// The answer to a token take.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decision {
    pub allowed: bool,
    /// When refused, how long until a token will be there; zero when allowed.
    pub retry_after: Duration,
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
    /// Takes one token from the bucket at `key` (full when absent or expired)
    /// if it holds one. Atomic: concurrent takes never spend the same token.
    async fn take_token(&self, key: &str, bucket: TokenBucket) -> anyhow::Result<Decision>;
}

/// The adapter `config` selects.
pub async fn from_config(config: &KvBackend, db: &PgPool, aws: &LazyAwsConfig) -> Arc<dyn KeyValueStore> {
    match config {
        KvBackend::Postgres => Arc::new(PgKeyValueStore::new(db.clone())),
        KvBackend::DynamoDb { table, endpoint_url } => {
            Arc::new(DynamoKeyValueStore::new(dynamodb_client(aws.get().await, endpoint_url.as_deref()), table.clone()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_parse_from_capacity_and_rate() {
        let bucket: TokenBucket = "30, 2".parse().unwrap();
        assert_eq!((bucket.capacity(), bucket.refill_per_sec()), (30, 2.0));
        assert_eq!(bucket.full_after(), Duration::from_secs(15));
        for bad in ["30", "0,2", "30,0", "30,-1", "30,inf", "x,2", "30,y", "-3,2"] {
            assert!(bad.parse::<TokenBucket>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn a_bucket_refills_at_its_rate_up_to_its_capacity() {
        let bucket = TokenBucket::new(10, 2.0).unwrap();
        assert_eq!(bucket.refilled(0.5, 1.0), 2.5);
        assert_eq!(bucket.refilled(9.0, 60.0), 10.0);
        assert_eq!(bucket.refilled(3.0, -5.0), 3.0, "a clock step backwards must not drain it");
        assert_eq!(bucket.wait_for_token(0.5), Duration::from_millis(250));
        assert_eq!(bucket.wait_for_token(4.0), Duration::ZERO);
    }
}
