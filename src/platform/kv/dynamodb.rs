//! DynamoDB adapter of the key-value port. One table, partition key `pk`
//! (String), with DynamoDB's TTL on `expires_at` (epoch seconds). TTL deletion
//! runs lazily, up to days late, so every read also treats an item whose
//! `expires_at` has passed as absent, and every conditional write treats it as
//! free.
//!
//! Attributes: `val` (Binary) for values, `counter` (Number) for windowed
//! counters, and `tokens`, `refilled_at` (epoch milliseconds) and `version` for
//! token buckets.

use std::{collections::HashMap, time::Duration};

use anyhow::Context;
use async_trait::async_trait;
use aws_sdk_dynamodb::{
    Client,
    error::SdkError,
    primitives::Blob,
    types::{AttributeValue, ReturnValue},
};
use chrono::{DateTime, Utc};
use rand::Rng;

use super::{Decision, KeyValueStore, TokenBucket, WindowCount};

/// Expression placeholders for every attribute, so none can collide with one
/// of DynamoDB's reserved words.
const NAMES: [(&str, &str); 7] = [
    ("#pk", "pk"),
    ("#val", "val"),
    ("#counter", "counter"),
    ("#exp", "expires_at"),
    ("#tokens", "tokens"),
    ("#refilled", "refilled_at"),
    ("#version", "version"),
];

/// Rounds of optimistic concurrency a take or an increment may lose before it
/// gives up; each lost round means another caller's write succeeded.
const MAX_ROUNDS: u32 = 64;

type Item = HashMap<String, AttributeValue>;

pub struct DynamoKeyValueStore {
    client: Client,
    table: String,
}

/// A client for `endpoint_url` when given (a local stand-in), else for AWS.
pub fn dynamodb_client(sdk: &aws_config::SdkConfig, endpoint_url: Option<&str>) -> Client {
    let mut config = aws_sdk_dynamodb::config::Builder::from(sdk);
    if let Some(endpoint) = endpoint_url {
        config = config.endpoint_url(endpoint);
    }
    Client::from_conf(config.build())
}

impl DynamoKeyValueStore {
    pub fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    /// A consistent read of the item at `key`, expired or not.
    async fn read(&self, key: &str) -> anyhow::Result<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(key.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .context("DynamoDB GetItem")?;
        Ok(out.item)
    }

    /// Takes a token already stored in the bucket, in one atomic update; false
    /// when none is (or there is no live bucket). The refill earned since
    /// `refilled_at` is left owed, not lost: the next full computation counts
    /// it. This keeps a busy bucket clear of the read-then-write races of
    /// [`KeyValueStore::take_token`]'s slow path.
    async fn take_stored_token(&self, key: &str) -> anyhow::Result<bool> {
        let take = "SET #tokens = #tokens - :one ADD #version :one";
        let stored = "#tokens >= :one AND #exp > :now";
        let taken = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(key.to_owned()))
            .update_expression(take)
            .condition_expression(stored)
            .set_expression_attribute_names(Some(names_for(&format!("{take} {stored}"))))
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":now", number(now_secs()))
            .send()
            .await;
        match taken {
            Ok(_) => Ok(true),
            Err(e) if condition_failed(&e, |e| e.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(anyhow::Error::new(e).context("DynamoDB UpdateItem")),
        }
    }

    async fn live(&self, key: &str) -> anyhow::Result<Option<Item>> {
        let now = now_secs();
        Ok(self.read(key).await?.filter(|item| expires_at(item).is_some_and(|at| at > now)))
    }
}

fn now_millis() -> i64 {
    Utc::now().timestamp_millis()
}

fn now_secs() -> f64 {
    now_millis() as f64 / 1000.0
}

/// The TTL attribute in whole seconds (what DynamoDB's TTL reads), rounded up
/// so an entry never dies early.
fn expiry_after(ttl: Duration) -> i64 {
    (now_secs() + ttl.as_secs_f64()).ceil() as i64
}

fn number(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn number_of(item: &Item, name: &str) -> Option<f64> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok())
}

fn expires_at(item: &Item) -> Option<f64> {
    number_of(item, "expires_at")
}

fn timestamp(epoch_secs: f64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis((epoch_secs * 1000.0) as i64).unwrap_or_else(Utc::now)
}

fn window_count(item: &Item) -> anyhow::Result<WindowCount> {
    let value = number_of(item, "counter").context("a counter item without a counter")? as i64;
    let expires_at = expires_at(item).context("a counter item without expires_at")?;
    Ok(WindowCount { value, expires_at: timestamp(expires_at) })
}

fn names_for(expression: &str) -> HashMap<String, String> {
    NAMES
        .iter()
        .filter(|(placeholder, _)| expression.contains(placeholder))
        .map(|(placeholder, name)| ((*placeholder).to_owned(), (*name).to_owned()))
        .collect()
}

/// Whether a write was refused by its condition rather than failing.
fn condition_failed<E, R>(error: &SdkError<E, R>, is_condition: impl Fn(&E) -> bool) -> bool {
    error.as_service_error().is_some_and(is_condition)
}

/// A short random pause after losing a race, so the losers do not collide again
/// in lockstep.
async fn back_off(round: u32) {
    let ceiling = 2u64 << round.min(5);
    let pause = rand::thread_rng().gen_range(1..=ceiling);
    tokio::time::sleep(Duration::from_millis(pause)).await;
}

#[async_trait]
impl KeyValueStore for DynamoKeyValueStore {
    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(self
            .live(key)
            .await?
            .and_then(|item| item.get("val").and_then(|v| v.as_b().ok()).map(|b| b.as_ref().to_vec())))
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> anyhow::Result<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(key.to_owned()))
            .item("val", AttributeValue::B(Blob::new(value)))
            .item("expires_at", number(expiry_after(ttl)))
            .send()
            .await
            .context("DynamoDB PutItem")?;
        Ok(())
    }

    async fn put_if_absent(&self, key: &str, value: &[u8], ttl: Duration) -> anyhow::Result<bool> {
        let condition = "attribute_not_exists(#pk) OR #exp <= :now";
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(key.to_owned()))
            .item("val", AttributeValue::B(Blob::new(value)))
            .item("expires_at", number(expiry_after(ttl)))
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names_for(condition)))
            .expression_attribute_values(":now", number(now_secs()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if condition_failed(&e, |e| e.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(anyhow::Error::new(e).context("DynamoDB PutItem")),
        }
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(key.to_owned()))
            .send()
            .await
            .context("DynamoDB DeleteItem")?;
        Ok(())
    }

    async fn increment(&self, key: &str, ttl: Duration) -> anyhow::Result<WindowCount> {
        // Two conditional updates whose conditions exclude each other: ADD in a
        // live window, or open a new window where there is none. Whichever
        // applies is atomic; losing both races only means another caller moved
        // the item from one case to the other in between, so try again.
        let add = "ADD #counter :one";
        let in_window = "#exp > :now";
        let open = "SET #counter = :one, #exp = :exp";
        let no_window = "attribute_not_exists(#pk) OR #exp <= :now";
        for _ in 0..MAX_ROUNDS {
            let now = number(now_secs());
            let added = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("pk", AttributeValue::S(key.to_owned()))
                .update_expression(add)
                .condition_expression(in_window)
                .set_expression_attribute_names(Some(names_for(&format!("{add} {in_window}"))))
                .expression_attribute_values(":one", number(1))
                .expression_attribute_values(":now", now.clone())
                .return_values(ReturnValue::AllNew)
                .send()
                .await;
            match added {
                Ok(out) => return window_count(&out.attributes.unwrap_or_default()),
                Err(e) if condition_failed(&e, |e| e.is_conditional_check_failed_exception()) => {}
                Err(e) => return Err(anyhow::Error::new(e).context("DynamoDB UpdateItem")),
            }
            let opened = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("pk", AttributeValue::S(key.to_owned()))
                .update_expression(open)
                .condition_expression(no_window)
                .set_expression_attribute_names(Some(names_for(&format!("{open} {no_window}"))))
                .expression_attribute_values(":one", number(1))
                .expression_attribute_values(":now", now)
                .expression_attribute_values(":exp", number(expiry_after(ttl)))
                .return_values(ReturnValue::AllNew)
                .send()
                .await;
            match opened {
                Ok(out) => return window_count(&out.attributes.unwrap_or_default()),
                Err(e) if condition_failed(&e, |e| e.is_conditional_check_failed_exception()) => {}
                Err(e) => return Err(anyhow::Error::new(e).context("DynamoDB UpdateItem")),
            }
        }
        anyhow::bail!("increment of {key:?} lost {MAX_ROUNDS} races in a row")
    }

    async fn count(&self, key: &str) -> anyhow::Result<WindowCount> {
        match self.live(key).await? {
            Some(item) if item.contains_key("counter") => window_count(&item),
            _ => Ok(WindowCount { value: 0, expires_at: Utc::now() }),
        }
    }

    async fn take_token(&self, key: &str, bucket: TokenBucket) -> anyhow::Result<Decision> {
        for round in 0..MAX_ROUNDS {
            if self.take_stored_token(key).await? {
                return Ok(Decision { allowed: true, retry_after: Duration::ZERO });
            }
            // Optimistic concurrency: read the bucket, compute its level with
            // the refill, and write the level less one on condition that nobody
            // wrote in between (the version is unchanged). A refusal writes
            // nothing.
            let item = self.read(key).await?;
            let now_ms = now_millis();
            let version = item.as_ref().and_then(|item| number_of(item, "version")).map(|v| v as i64);
            let stored = item.as_ref().filter(|item| expires_at(item).is_some_and(|at| at > now_ms as f64 / 1000.0));
            let level =
                match stored.and_then(|item| Some((number_of(item, "tokens")?, number_of(item, "refilled_at")?))) {
                    Some((tokens, refilled_ms)) => bucket.refilled(tokens, (now_ms as f64 - refilled_ms) / 1000.0),
                    None => f64::from(bucket.capacity()),
                };
            if level < 1.0 {
                return Ok(Decision { allowed: false, retry_after: bucket.wait_for_token(level) });
            }
            let condition = match version {
                Some(_) => "#version = :version",
                None => "attribute_not_exists(#version)",
            };
            let mut put = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("pk", AttributeValue::S(key.to_owned()))
                .item("tokens", number(level - 1.0))
                .item("refilled_at", number(now_ms))
                .item("version", number(version.unwrap_or(0) + 1))
                .item("expires_at", number(expiry_after(bucket.full_after())))
                .condition_expression(condition)
                .set_expression_attribute_names(Some(names_for(condition)));
            if let Some(version) = version {
                put = put.expression_attribute_values(":version", number(version));
            }
            match put.send().await {
                Ok(_) => return Ok(Decision { allowed: true, retry_after: Duration::ZERO }),
                Err(e) if condition_failed(&e, |e| e.is_conditional_check_failed_exception()) => back_off(round).await,
                Err(e) => return Err(anyhow::Error::new(e).context("DynamoDB PutItem")),
            }
        }
        anyhow::bail!("token take on {key:?} lost {MAX_ROUNDS} races in a row")
    }
}
