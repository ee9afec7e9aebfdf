//! Every background job, dispatched by kind, and the worker loop the local
//! server runs. Cloud workers (SQS-triggered functions) call [`Jobs::run`] too,
//! so a job behaves the same wherever it runs.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use serde::de::DeserializeOwned;
use tokio::sync::watch;

use crate::{
    app::AppContext,
    media::{
        self,
        jobs::{DuplicateIndex, ObjectCreatedPayload, ProcessPayload},
    },
    platform::queue::Job,
    search::{self, indexing::EmbedPayload},
};

/// What job handlers share across jobs in one process.
#[derive(Clone)]
pub struct Jobs {
    pub ctx: AppContext,
    duplicates: Arc<DuplicateIndex>,
}

fn payload<T: DeserializeOwned>(job: &Job) -> anyhow::Result<T> {
    serde_json::from_value(job.payload.clone()).with_context(|| format!("malformed {} payload", job.kind))
}

impl Jobs {
    pub fn new(ctx: AppContext) -> Self {
        // Image jobs share one memory budget per process, however many run at
        // once (`WORKER_CONCURRENCY`, or a function's batch); sized here from
        // the configuration before the first job reserves from it.
        media::pipeline::MemoryBudget::process_wide(ctx.config.media.memory_budget_mb);
        Self { ctx, duplicates: Arc::new(DuplicateIndex::default()) }
    }

    /// Runs every job in a Lambda SQS event; the response names the messages
    /// to redeliver.
    pub async fn run_sqs_event(
        &self,
        event: aws_lambda_events::event::sqs::SqsEvent,
    ) -> aws_lambda_events::event::sqs::SqsBatchResponse {
        // Boxed: under the Lambda runtime's layers the job futures nest deeper
        // than rustc's query depth allows when it lays out a release build's
        // `main` future; the box gives the job futures a layout of their own.
        crate::platform::queue::lambda::handle_sqs_batch(event, |job| async move { Box::pin(self.run(&job)).await })
            .await
    }

    /// Runs one job. An error means "try again later"; the queue dead-letters a
    /// job that keeps failing.
    pub async fn run(&self, job: &Job) -> anyhow::Result<()> {
        crate::realtime::push::delivering(&self.ctx, self.dispatch(job)).await
    }

    async fn dispatch(&self, job: &Job) -> anyhow::Result<()> {
        match job.kind.as_str() {
            media::jobs::PROCESS => {
                let ProcessPayload { upload_id } = payload(job)?;
                media::jobs::process_upload(&self.ctx, &self.duplicates, upload_id).await
            }
            media::jobs::OBJECT_CREATED => {
                let ObjectCreatedPayload { key } = payload(job)?;
                media::uploads::object_created(&self.ctx, &key).await
            }
            search::indexing::EMBED_ARTWORK => {
                let EmbedPayload { artwork_id } = payload(job)?;
                let embedder = self.ctx.discovery.embedder().await?;
                let outcome = search::indexing::embed_artwork(
                    &self.ctx,
                    embedder.as_ref(),
                    self.ctx.discovery.vectors.as_ref(),
                    artwork_id,
                )
                .await?;
                tracing::debug!(%artwork_id, ?outcome, "artwork embedding updated");
                Ok(())
            }
            crate::realtime::fanout::FAN_OUT => {
                let fan_out: crate::realtime::fanout::FanOut = payload(job)?;
                let notified = crate::realtime::fanout::run(&self.ctx, &fan_out).await?;
                tracing::debug!(subject = fan_out.subject, notified, "notifications fanned out");
                Ok(())
            }
            crate::realtime::push::DELIVER => {
                let crate::realtime::push::Deliver { channels } = payload(job)?;
                let sockets =
                    self.ctx.sockets.as_deref().context("no socket gateway is configured (SOCKET_GATEWAY_URL)")?;
                let delivered = crate::realtime::push::deliver_all(&self.ctx, sockets, &channels).await?;
                tracing::debug!(channels = channels.len(), ?delivered, "live events posted");
                Ok(())
            }
            crate::auth::recovery::SEND_PASSWORD_RESET => {
                let crate::auth::recovery::PasswordResetPayload { email } = payload(job)?;
                crate::auth::recovery::send_password_reset(&self.ctx, &email).await
            }
            crate::mail::SEND => {
                let crate::mail::SendPayload { message_id } = payload(job)?;
                crate::mail::send(&self.ctx, message_id).await
            }
            other => anyhow::bail!("no handler for job kind {other:?}"),
        }
    }
}

/// Delay before a failed job is tried again: doubling from 2 s, capped at 5 min.
pub fn retry_delay(receive_count: i32) -> Duration {
    Duration::from_secs(2u64.saturating_pow(receive_count.clamp(1, 16) as u32).min(300))
}

/// The local server's worker: claims up to `concurrency` jobs at a time, runs
/// them, and acknowledges or schedules a retry for each. Stops taking new jobs
/// when `shutdown` turns true and returns after the running ones finish.
pub async fn run_worker(jobs: Jobs, concurrency: usize, mut shutdown: watch::Receiver<bool>) {
    const IDLE_POLL: Duration = Duration::from_millis(500);
    let queue = jobs.ctx.queue.clone();
    let visibility = jobs.ctx.config.queue.visibility_timeout;
    while !*shutdown.borrow() {
        let claimed = match queue.receive(concurrency.max(1) as i64, visibility).await {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "receiving jobs failed");
                Vec::new()
            }
        };
        if claimed.is_empty() {
            tokio::select! {
                () = tokio::time::sleep(IDLE_POLL) => {}
                _ = shutdown.changed() => {}
            }
            continue;
        }
        let runs = claimed.into_iter().map(|job| {
            let (jobs, queue) = (jobs.clone(), queue.clone());
            async move {
                let started = std::time::Instant::now();
                let outcome = jobs.run(&job).await;
                let elapsed_ms = started.elapsed().as_millis() as u64;
                let acknowledged = match &outcome {
                    Ok(()) => {
                        tracing::info!(kind = %job.kind, job_id = %job.id, elapsed_ms, "job done");
                        queue.delete(&job).await.map(|_| ())
                    }
                    Err(e) => {
                        let error = format!("{e:#}");
                        tracing::warn!(kind = %job.kind, job_id = %job.id, attempt = job.receive_count, error, "job failed");
                        queue.retry_later(&job, retry_delay(job.receive_count), &error).await
                    }
                };
                if let Err(e) = acknowledged {
                    // The job reappears after its visibility timeout and runs again.
                    tracing::warn!(job_id = %job.id, error = %format!("{e:#}"), "acknowledging a job failed");
                }
            }
        });
        futures::future::join_all(runs).await;
    }
}
