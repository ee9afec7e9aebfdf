//! SQS adapter of the job-queue port. Each job family has its own queue (media
//! work must not wait behind a backlog of embeddings), chosen by the prefix of
//! the job's kind; a consumer receives from one queue. Poison messages are
//! dead-lettered by the queue's own RedrivePolicy, not by this code.

use std::time::Duration;

use anyhow::{Context, bail};
use async_trait::async_trait;
use aws_sdk_sqs::{
    Client,
    types::{MessageSystemAttributeName, QueueAttributeName},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::OnceCell;

use super::{Job, JobQueue, NewJob};

/// SQS refuses longer per-message delays.
const MAX_DELAY_SECS: u64 = 900;
/// SQS refuses longer visibility timeouts.
const MAX_VISIBILITY_SECS: u64 = 43_200;
/// SQS returns at most this many messages per receive.
const MAX_BATCH: i64 = 10;

/// The message body: the job's kind travels with its payload so one queue can
/// carry several kinds and a consumer needs nothing but the body.
#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub kind: String,
    pub payload: Value,
}

pub struct SqsJobQueue {
    client: Client,
    /// (kind prefix, queue URL), matched in order.
    routes: Vec<(String, String)>,
    consume_url: String,
    dead_letter_url: OnceCell<String>,
}

impl SqsJobQueue {
    /// `routes` maps kind prefixes (e.g. `media.`) to queue URLs; `consume_url`
    /// is the queue this process receives from.
    pub fn new(client: Client, routes: Vec<(String, String)>, consume_url: String) -> Self {
        Self { client, routes, consume_url, dead_letter_url: OnceCell::new() }
    }

    fn queue_for(&self, kind: &str) -> anyhow::Result<&str> {
        self.routes
            .iter()
            .find(|(prefix, _)| kind.starts_with(prefix.as_str()))
            .map(|(_, url)| url.as_str())
            .with_context(|| format!("no SQS queue is configured for jobs of kind {kind:?}"))
    }

    /// The dead-letter queue named by the consumed queue's RedrivePolicy, so the
    /// deployment template stays the only place that pairs them.
    async fn dead_letter_url(&self) -> anyhow::Result<&str> {
        self.dead_letter_url
            .get_or_try_init(|| async {
                let attributes = self
                    .client
                    .get_queue_attributes()
                    .queue_url(&self.consume_url)
                    .attribute_names(QueueAttributeName::RedrivePolicy)
                    .send()
                    .await
                    .context("reading the queue's RedrivePolicy")?;
                let policy = attributes
                    .attributes()
                    .and_then(|a| a.get(&QueueAttributeName::RedrivePolicy))
                    .context("the queue has no RedrivePolicy, so nothing is dead-lettered")?;
                let policy: RedrivePolicy = serde_json::from_str(policy).context("parsing the RedrivePolicy")?;
                // arn:aws:sqs:region:account:name
                let mut parts = policy.dead_letter_target_arn.rsplitn(3, ':');
                let (Some(name), Some(account)) = (parts.next(), parts.next()) else {
                    bail!("unexpected dead-letter queue ARN {:?}", policy.dead_letter_target_arn);
                };
                let url = self
                    .client
                    .get_queue_url()
                    .queue_name(name)
                    .queue_owner_aws_account_id(account)
                    .send()
                    .await
                    .context("looking up the dead-letter queue")?;
                url.queue_url().map(str::to_owned).context("SQS returned no dead-letter queue URL")
            })
            .await
            .map(String::as_str)
    }

    async fn receive_from(&self, queue_url: &str, max: i64, visibility: Duration) -> anyhow::Result<Vec<Job>> {
        let output = self
            .client
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(max.clamp(1, MAX_BATCH) as i32)
            .visibility_timeout(whole_seconds(visibility, MAX_VISIBILITY_SECS))
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .context("receiving from SQS")?;
        output
            .messages()
            .iter()
            .map(|message| {
                let receive_count = message
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|count| count.parse().ok())
                    .unwrap_or(1);
                to_job(message.message_id(), message.receipt_handle(), message.body(), receive_count)
            })
            .collect()
    }
}

/// An SQS client on the shared AWS configuration, pointed at `endpoint_url`
/// when one is given (a local stand-in).
pub fn sqs_client(sdk: &aws_config::SdkConfig, endpoint_url: Option<&str>) -> Client {
    let mut config = aws_sdk_sqs::config::Builder::from(sdk);
    if let Some(endpoint) = endpoint_url {
        config = config.endpoint_url(endpoint);
    }
    Client::from_conf(config.build())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RedrivePolicy {
    dead_letter_target_arn: String,
}

/// Builds a job from the parts of an SQS message, however it arrived (a receive
/// call or a Lambda event).
pub(crate) fn to_job(
    id: Option<&str>,
    receipt: Option<&str>,
    body: Option<&str>,
    receive_count: i32,
) -> anyhow::Result<Job> {
    let id = id.context("the SQS message has no id")?;
    let envelope: Envelope = serde_json::from_str(body.unwrap_or_default())
        .with_context(|| format!("message {id} is not a job envelope"))?;
    Ok(Job {
        id: id.to_owned(),
        kind: envelope.kind,
        payload: envelope.payload,
        receive_count,
        receipt: receipt.context("the SQS message has no receipt handle")?.to_owned(),
    })
}

/// Rounds up: a sub-second visibility must still hide the message.
fn whole_seconds(duration: Duration, cap: u64) -> i32 {
    let seconds = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    seconds.min(cap) as i32
}

#[async_trait]
impl JobQueue for SqsJobQueue {
    async fn send(&self, job: NewJob<'_>) -> anyhow::Result<bool> {
        let queue_url = self.queue_for(job.kind)?;
        let body = serde_json::to_string(&Envelope { kind: job.kind.to_owned(), payload: job.payload })?;
        let mut request = self.client.send_message().queue_url(queue_url).message_body(body);
        if queue_url.ends_with(".fifo") {
            if !job.delay.is_zero() {
                bail!("FIFO queues take no per-message delay; set DelaySeconds on the queue instead");
            }
            // One group per message: the port promises no ordering, and a shared
            // group would let one slow job hold back every other.
            request = request.message_group_id(uuid::Uuid::new_v4().to_string());
            // Without a key every send is a new job, even with the same body.
            let dedup = job.dedup_key.map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
            request = request.message_deduplication_id(dedup);
        } else {
            request = request.delay_seconds(whole_seconds(job.delay, MAX_DELAY_SECS));
        }
        request.send().await.with_context(|| format!("sending a {} job to SQS", job.kind))?;
        Ok(true)
    }

    async fn receive(&self, max: i64, visibility: Duration) -> anyhow::Result<Vec<Job>> {
        self.receive_from(&self.consume_url, max, visibility).await
    }

    async fn delete(&self, job: &Job) -> anyhow::Result<bool> {
        match self.client.delete_message().queue_url(&self.consume_url).receipt_handle(&job.receipt).send().await {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_receipt_handle_is_invalid()) => Ok(false),
            Err(e) => Err(e).with_context(|| format!("deleting message {}", job.id)),
        }
    }

    async fn retry_later(&self, job: &Job, delay: Duration, error: &str) -> anyhow::Result<()> {
        // SQS keeps no error with the message, so the log is where it lives.
        tracing::warn!(job_id = %job.id, kind = %job.kind, receive_count = job.receive_count, error, "job will be retried");
        let result = self
            .client
            .change_message_visibility()
            .queue_url(&self.consume_url)
            .receipt_handle(&job.receipt)
            .visibility_timeout(whole_seconds(delay, MAX_VISIBILITY_SECS))
            .send()
            .await;
        match result {
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_receipt_handle_is_invalid() || e.is_message_not_inflight()) =>
            {
                Ok(())
            }
            other => other.map(drop).with_context(|| format!("delaying message {}", job.id)),
        }
    }

    async fn dead_letters(&self, max: i64) -> anyhow::Result<Vec<Job>> {
        let url = self.dead_letter_url().await?.to_owned();
        // A zero visibility timeout leaves the messages where they are.
        self.receive_from(&url, max, Duration::ZERO).await
    }
}
