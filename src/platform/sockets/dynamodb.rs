//! DynamoDB adapter of the sockets registry: one table of its own, partition
//! key `pk` and sort key `sk` (both String), with DynamoDB's TTL on
//! `expires_at` (epoch seconds). TTL deletion runs up to days late, so reads
//! also treat an expired item as absent.
//!
//! Items:
//! - a connection: `pk` = `conn#{id}`, `sk` = `#`, with `user_id`,
//!   `session_id` and `channels` (a string set of its subscriptions);
//! - a subscription: `pk` = `chan#{channel}`, `sk` = the connection id, with
//!   `sent_offset` and `user_id`, so one Query lists a channel's subscribers.

use std::{collections::HashMap, time::Duration};

use anyhow::Context;
use async_trait::async_trait;
use aws_sdk_dynamodb::{
    Client,
    types::{AttributeValue, DeleteRequest, WriteRequest},
};
use uuid::Uuid;

use super::{CONNECTION_TTL, SocketConnection, SocketRegistry, SubscriberPage, Subscription};

type Item = HashMap<String, AttributeValue>;

/// DynamoDB takes at most this many writes in one BatchWriteItem.
const BATCH: usize = 25;

pub struct DynamoSocketRegistry {
    client: Client,
    table: String,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn connection_key(id: &str) -> Item {
    HashMap::from([("pk".to_owned(), s(format!("conn#{id}"))), ("sk".to_owned(), s("#"))])
}

fn subscription_key(id: &str, channel: &str) -> Item {
    HashMap::from([("pk".to_owned(), s(format!("chan#{channel}"))), ("sk".to_owned(), s(id))])
}

fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

fn uuid(item: &Item, name: &str) -> Option<Uuid> {
    item.get(name)?.as_s().ok()?.parse().ok()
}

fn live(item: &Item) -> bool {
    number(item, "expires_at").is_some_and(|at| at > now())
}

fn is_condition_failed<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(error: &E) -> bool {
    error.code() == Some("ConditionalCheckFailedException")
}

impl DynamoSocketRegistry {
    pub fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    async fn delete_all(&self, keys: Vec<Item>) -> anyhow::Result<()> {
        for chunk in keys.chunks(BATCH) {
            let mut pending: Vec<WriteRequest> = chunk
                .iter()
                .map(|key| {
                    let delete = DeleteRequest::builder().set_key(Some(key.clone())).build().expect("a key is set");
                    WriteRequest::builder().delete_request(delete).build()
                })
                .collect();
            // Unprocessed writes (throttling) are sent again, a few times.
            for round in 0..5u32 {
                if pending.is_empty() {
                    break;
                }
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .context("DynamoDB BatchWriteItem")?;
                pending = out.unprocessed_items.and_then(|mut u| u.remove(&self.table)).unwrap_or_default();
                if !pending.is_empty() {
                    tokio::time::sleep(Duration::from_millis(50 << round)).await;
                }
            }
        }
        Ok(())
    }
}

#[async_trait]
impl SocketRegistry for DynamoSocketRegistry {
    async fn open(&self, id: &str, user_id: Option<Uuid>, session_id: Option<Uuid>) -> anyhow::Result<()> {
        let mut item = connection_key(id);
        item.insert("expires_at".to_owned(), n(now() + CONNECTION_TTL.as_secs() as i64));
        if let (Some(user_id), Some(session_id)) = (user_id, session_id) {
            item.insert("user_id".to_owned(), s(user_id.to_string()));
            item.insert("session_id".to_owned(), s(session_id.to_string()));
        }
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.context("DynamoDB PutItem")?;
        Ok(())
    }

    async fn connection(&self, id: &str) -> anyhow::Result<Option<SocketConnection>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(connection_key(id)))
            .consistent_read(true)
            .send()
            .await
            .context("DynamoDB GetItem")?;
        Ok(out.item.filter(live).map(|item| {
            let mut channels = item.get("channels").and_then(|c| c.as_ss().ok()).cloned().unwrap_or_default();
            channels.sort();
            SocketConnection {
                id: id.to_owned(),
                user_id: uuid(&item, "user_id"),
                session_id: uuid(&item, "session_id"),
                channels,
            }
        }))
    }

    async fn close(&self, id: &str) -> anyhow::Result<()> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(connection_key(id)))
            .consistent_read(true)
            .send()
            .await
            .context("DynamoDB GetItem")?;
        let Some(item) = out.item else { return Ok(()) };
        let channels = item.get("channels").and_then(|c| c.as_ss().ok()).cloned().unwrap_or_default();
        let mut keys: Vec<Item> = channels.iter().map(|channel| subscription_key(id, channel)).collect();
        // The connection goes last, so a failure part-way leaves it to try again.
        keys.push(connection_key(id));
        self.delete_all(keys).await
    }

    async fn subscribe(&self, id: &str, channel: &str, offset: i64) -> anyhow::Result<bool> {
        let recorded = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(connection_key(id)))
            .update_expression("ADD channels :channel")
            .condition_expression("attribute_exists(pk) AND expires_at > :now")
            .expression_attribute_values(":channel", AttributeValue::Ss(vec![channel.to_owned()]))
            .expression_attribute_values(":now", n(now()))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await;
        let connection = match recorded {
            Ok(out) => out.attributes.unwrap_or_default(),
            Err(e) if e.as_service_error().is_some_and(is_condition_failed) => return Ok(false),
            Err(e) => return Err(e).context("DynamoDB UpdateItem"),
        };
        let mut item = subscription_key(id, channel);
        item.insert("sent_offset".to_owned(), n(offset));
        item.insert("expires_at".to_owned(), n(number(&connection, "expires_at").unwrap_or_else(now)));
        if let Some(user_id) = uuid(&connection, "user_id") {
            item.insert("user_id".to_owned(), s(user_id.to_string()));
        }
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.context("DynamoDB PutItem")?;
        Ok(true)
    }

    async fn unsubscribe(&self, id: &str, channel: &str) -> anyhow::Result<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(subscription_key(id, channel)))
            .send()
            .await
            .context("DynamoDB DeleteItem")?;
        let removed = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(connection_key(id)))
            .update_expression("DELETE channels :channel")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":channel", AttributeValue::Ss(vec![channel.to_owned()]))
            .send()
            .await;
        match removed {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(is_condition_failed) => Ok(()),
            Err(e) => Err(e).context("DynamoDB UpdateItem"),
        }
    }

    async fn subscribers(&self, channel: &str, after: Option<&str>, limit: u32) -> anyhow::Result<SubscriberPage> {
        let pk = format!("chan#{channel}");
        let start = after.map(|after| subscription_key(after, channel));
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(pk))
            .set_exclusive_start_key(start)
            .limit(limit.clamp(1, 1000) as i32)
            .consistent_read(true)
            .send()
            .await
            .context("DynamoDB Query")?;
        let subscriptions = out
            .items
            .unwrap_or_default()
            .into_iter()
            .filter(live)
            .filter_map(|item| {
                Some(Subscription {
                    connection_id: item.get("sk")?.as_s().ok()?.clone(),
                    user_id: uuid(&item, "user_id"),
                    offset: number(&item, "sent_offset")?,
                })
            })
            .collect();
        let next = out.last_evaluated_key.and_then(|key| key.get("sk")?.as_s().ok().cloned());
        Ok(SubscriberPage { subscriptions, next })
    }

    async fn advance(&self, id: &str, channel: &str, offset: i64) -> anyhow::Result<()> {
        let moved = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(subscription_key(id, channel)))
            .update_expression("SET sent_offset = :offset")
            .condition_expression("attribute_exists(pk) AND sent_offset < :offset")
            .expression_attribute_values(":offset", n(offset))
            .send()
            .await;
        match moved {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(is_condition_failed) => Ok(()),
            Err(e) => Err(e).context("DynamoDB UpdateItem"),
        }
    }
}
