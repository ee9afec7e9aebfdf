//! The job-queue port: at-least-once delivery with a visibility timeout, a
//! receive limit that dead-letters poison messages, and delayed retries. The
//! embedded default is a PostgreSQL table; the cloud adapter is SQS, and
//! `lambda` turns the SQS events a Lambda function receives into jobs.

pub mod lambda;
pub mod postgres;
pub mod sqs;

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use serde_json::Value;
use sqlx::PgPool;

pub use self::{
    postgres::PgJobQueue,
    sqs::{SqsJobQueue, sqs_client},
};
use super::{
    aws::LazyAwsConfig,
    config::{QueueBackend, QueueConfig},
};

#[derive(Clone, Debug)]
pub struct Job {
    /// Opaque: a UUID in PostgreSQL, a message id in SQS.
    pub id: String,
    pub kind: String,
    pub payload: Value,
    /// How many times the job has been handed out, this time included.
    pub receive_count: i32,
    /// Proof of the current claim; deleting or retrying needs it.
    pub receipt: String,
}

#[derive(Clone, Debug)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: Value,
    /// Jobs with the same key are enqueued once. Backends that cannot enforce
    /// it (SQS standard queues) treat it as advisory: handlers must be
    /// idempotent anyway, since delivery is at least once.
    pub dedup_key: Option<&'a str>,
    pub delay: Duration,
}

#[async_trait]
pub trait JobQueue: Send + Sync + 'static {
    /// Enqueues a job; returns false when a job with the same dedup key exists
    /// and the backend can tell (SQS cannot: it drops the duplicate silently).
    async fn send(&self, job: NewJob<'_>) -> anyhow::Result<bool>;
    /// Claims up to `max` visible jobs, hiding them for `visibility`. Jobs that
    /// have already been received the maximum number of times are dead-lettered
    /// instead of returned.
    async fn receive(&self, max: i64, visibility: Duration) -> anyhow::Result<Vec<Job>>;
    /// Acknowledges a job. A stale receipt (the claim expired and someone else
    /// holds the job now) is not an error: PostgreSQL then deletes nothing and
    /// returns false; SQS may still delete the message, as its documentation
    /// allows for late acknowledgements, and reports true since it cannot tell.
    async fn delete(&self, job: &Job) -> anyhow::Result<bool>;
    /// Gives a job back after a transient failure, visible again after `delay`.
    /// A stale receipt changes nothing: the job is visible again already.
    async fn retry_later(&self, job: &Job, delay: Duration, error: &str) -> anyhow::Result<()>;
    /// Up to `max` jobs that were dead-lettered, for inspection and redrive
    /// tooling; reading them does not remove them.
    async fn dead_letters(&self, max: i64) -> anyhow::Result<Vec<Job>>;
}

/// The adapter `config` selects.
pub async fn from_config(config: &QueueConfig, db: &PgPool, aws: &LazyAwsConfig) -> Arc<dyn JobQueue> {
    match &config.backend {
        QueueBackend::Postgres => Arc::new(PgJobQueue::new(db.clone(), config.max_receives)),
        QueueBackend::Sqs { media_queue_url, embed_queue_url, realtime_queue_url, endpoint_url } => {
            let routes = vec![
                ("media.".to_owned(), media_queue_url.clone()),
                ("embed.".to_owned(), embed_queue_url.clone()),
                ("notify.".to_owned(), realtime_queue_url.clone()),
                ("realtime.".to_owned(), realtime_queue_url.clone()),
                // Mail is delivering to people too, on the same worker.
                ("mail.".to_owned(), realtime_queue_url.clone()),
            ];
            // The in-process worker polls the media queue; embeddings are
            // consumed by their own function through its event source mapping.
            Arc::new(SqsJobQueue::new(
                sqs_client(aws.get().await, endpoint_url.as_deref()),
                routes,
                media_queue_url.clone(),
            ))
        }
    }
}
