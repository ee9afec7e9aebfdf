//! Turns a Lambda SQS event into jobs and reports partial batch failures, so a
//! batch with one bad message retries only that message (the event source
//! mapping needs `ReportBatchItemFailures`). The queue also carries S3's
//! ObjectCreated notifications, which become `media.object_created` jobs.

use std::future::Future;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use serde::Deserialize;
use serde_json::json;

use super::{Job, sqs::to_job};

pub const OBJECT_CREATED_KIND: &str = "media.object_created";

/// Runs `handler` on every job in the event. A record fails, and is named in
/// the response for redelivery, when its body is neither a job envelope nor an
/// S3 notification, or when the handler fails on any job it carries.
pub async fn handle_sqs_batch<F, Fut>(event: SqsEvent, handler: F) -> SqsBatchResponse
where
    F: Fn(Job) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let mut response = SqsBatchResponse::default();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let outcome = match jobs_of(&record) {
            Ok(jobs) => run_all(jobs, &handler).await,
            Err(e) => Err(e),
        };
        if let Err(e) = outcome {
            tracing::warn!(message_id = %id, error = format!("{e:#}"), "SQS record failed");
            response.add_failure(id);
        }
    }
    response
}

async fn run_all<F, Fut>(jobs: Vec<Job>, handler: &F) -> anyhow::Result<()>
where
    F: Fn(Job) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    for job in jobs {
        handler(job).await?;
    }
    Ok(())
}

fn jobs_of(record: &SqsMessage) -> anyhow::Result<Vec<Job>> {
    let body = record.body.as_deref().unwrap_or_default();
    let receive_count = record.attributes.get("ApproximateReceiveCount").and_then(|c| c.parse().ok()).unwrap_or(1);
    if let Ok(notification) = serde_json::from_str::<S3Notification>(body) {
        // S3 sends this once, when the notification is configured.
        if notification.event.as_deref() == Some("s3:TestEvent") {
            return Ok(Vec::new());
        }
        if let Some(records) = notification.records {
            return Ok(object_created_jobs(records, record, receive_count));
        }
    }
    to_job(record.message_id.as_deref(), record.receipt_handle.as_deref(), Some(body), receive_count)
        .map(|job| vec![job])
}

/// The parts of an S3 event notification this service reads.
#[derive(Deserialize)]
struct S3Notification {
    #[serde(rename = "Records")]
    records: Option<Vec<S3Record>>,
    #[serde(rename = "Event")]
    event: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct S3Record {
    event_source: String,
    event_name: Option<String>,
    s3: S3Entity,
}

#[derive(Deserialize)]
struct S3Entity {
    object: S3Object,
}

#[derive(Deserialize)]
struct S3Object {
    key: String,
}

fn object_created_jobs(records: Vec<S3Record>, message: &SqsMessage, receive_count: i32) -> Vec<Job> {
    let id = message.message_id.clone().unwrap_or_default();
    records
        .into_iter()
        .filter(|r| {
            r.event_source == "aws:s3" && r.event_name.as_deref().is_none_or(|n| n.starts_with("ObjectCreated:"))
        })
        .enumerate()
        .map(|(i, r)| Job {
            id: format!("{id}/{i}"),
            kind: OBJECT_CREATED_KIND.to_owned(),
            payload: json!({"key": decode_key(&r.s3.object.key)}),
            receive_count,
            receipt: message.receipt_handle.clone().unwrap_or_default(),
        })
        .collect()
}

/// S3 writes keys in notifications form-encoded: `+` for a space, `%XX` for
/// the rest.
fn decode_key(key: &str) -> String {
    percent_encoding::percent_decode_str(&key.replace('+', " ")).decode_utf8_lossy().into_owned()
}
