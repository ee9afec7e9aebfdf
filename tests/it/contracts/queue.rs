//! The job-queue port's contract, run against the PostgreSQL queue and against
//! the SQS queue on moto (fresh queues per test, dead-lettering through a
//! RedrivePolicy).

use std::{collections::HashSet, sync::Arc, time::Duration};

use atelier::platform::{
    queue::sqs::{SqsJobQueue, sqs_client},
    queue::{JobQueue, NewJob, PgJobQueue},
};
use serde_json::json;

use crate::{
    contracts::standins::{moto_config, moto_queue, moto_url},
    support::spawn_app,
};

fn job(kind: &str, n: i64) -> NewJob<'_> {
    NewJob { kind, payload: json!({"n": n}), dedup_key: None, delay: Duration::ZERO }
}

const LONG: Duration = Duration::from_secs(300);
/// SQS counts visibility in whole seconds, so one second is the shortest claim
/// both backends can express.
const SHORT: Duration = Duration::from_secs(1);

/// Where the backends legitimately differ.
#[derive(Clone, Copy)]
struct Backend {
    /// PostgreSQL knows a receipt is stale and refuses it; SQS may honour it.
    refuses_stale_receipts: bool,
    /// PostgreSQL reports a deduplicated send; SQS drops it silently.
    reports_duplicates: bool,
}

const POSTGRES: Backend = Backend { refuses_stale_receipts: true, reports_duplicates: true };
const SQS: Backend = Backend { refuses_stale_receipts: false, reports_duplicates: false };

async fn delivered_once_while_claimed_and_gone_once_deleted(queue: &dyn JobQueue) {
    for n in 0..5 {
        assert!(queue.send(job("media.process", n)).await.unwrap());
    }
    let first = queue.receive(3, LONG).await.unwrap();
    let second = queue.receive(10, LONG).await.unwrap();
    assert_eq!((first.len(), second.len()), (3, 2));
    let ids: HashSet<_> = first.iter().chain(&second).map(|j| j.id.clone()).collect();
    assert_eq!(ids.len(), 5, "a claimed job was handed out twice");
    assert!(queue.receive(10, LONG).await.unwrap().is_empty());
    let mut payloads: Vec<_> = first.iter().chain(&second).map(|j| j.payload["n"].as_i64().unwrap()).collect();
    payloads.sort();
    assert_eq!(payloads, (0..5).collect::<Vec<_>>());
    for job in first.iter().chain(&second) {
        assert_eq!(job.kind, "media.process");
        assert_eq!(job.receive_count, 1);
        assert!(queue.delete(job).await.unwrap());
    }
}

/// Every job reaches a consumer. PostgreSQL's `SKIP LOCKED` hands each to
/// exactly one; an SQS standard queue promises at least once (and moto, like
/// SQS, now and then gives one message to two concurrent receives), which is
/// why every job is idempotent.
async fn concurrent_consumers_get_every_job(queue: Arc<dyn JobQueue>, exactly_once: bool) {
    for n in 0..40 {
        queue.send(job("embed.artwork", n)).await.unwrap();
    }
    let consumers: Vec<_> = (0..4)
        .map(|_| {
            let queue = queue.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                // SQS may answer a short poll with nothing while messages remain
                // (it samples a subset of its servers), so one empty answer is
                // not the end of the queue.
                let mut empty_answers = 0;
                loop {
                    let batch = queue.receive(3, LONG).await.unwrap();
                    if batch.is_empty() {
                        empty_answers += 1;
                        if empty_answers == 3 {
                            break got;
                        }
                        continue;
                    }
                    empty_answers = 0;
                    got.extend(batch.into_iter().map(|j| j.payload["n"].as_i64().unwrap()));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for consumer in consumers {
        all.extend(consumer.await.unwrap());
    }
    all.sort();
    if !exactly_once {
        all.dedup();
    }
    assert_eq!(all, (0..40).collect::<Vec<_>>());
}

async fn an_unacknowledged_job_returns_after_its_visibility_timeout(queue: &dyn JobQueue, backend: Backend) {
    queue.send(job("media.process", 1)).await.unwrap();
    // A worker claims the job and stalls past its claim.
    let stalled = queue.receive(1, SHORT).await.unwrap().remove(0);
    assert!(queue.receive(1, LONG).await.unwrap().is_empty());
    tokio::time::sleep(SHORT + Duration::from_millis(700)).await;
    let redelivered = queue.receive(1, LONG).await.unwrap().remove(0);
    assert_eq!(redelivered.id, stalled.id);
    assert_eq!(redelivered.receive_count, 2);
    assert_ne!(redelivered.receipt, stalled.receipt);
    // The stalled worker's late acknowledgement is not an error, and the live
    // claim's acknowledgement still succeeds.
    let stale = queue.delete(&stalled).await.unwrap();
    if backend.refuses_stale_receipts {
        assert!(!stale, "a stale receipt deleted the job");
    }
    assert!(queue.delete(&redelivered).await.unwrap());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(queue.receive(10, LONG).await.unwrap().is_empty(), "an acknowledged job came back");
}

/// Expects a queue that dead-letters after two receives.
async fn a_poison_job_is_dead_lettered_after_the_receive_limit(queue: &dyn JobQueue) {
    queue.send(job("media.process", 7)).await.unwrap();
    for attempt in 1..=2 {
        let claimed = queue.receive(1, LONG).await.unwrap().remove(0);
        assert_eq!(claimed.receive_count, attempt);
        queue.retry_later(&claimed, Duration::ZERO, "decoder exploded").await.unwrap();
    }
    assert!(queue.receive(1, LONG).await.unwrap().is_empty());
    let dead = queue.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].kind, "media.process");
    assert_eq!(dead[0].payload, json!({"n": 7}));
    assert!(dead[0].receive_count >= 2, "{dead:?}");
    assert_eq!(queue.dead_letters(10).await.unwrap().len(), 1, "reading dead letters removed them");
}

async fn delays_and_retries_are_honoured(queue: &dyn JobQueue) {
    queue.send(NewJob { delay: LONG, ..job("media.process", 2) }).await.unwrap();
    queue.send(job("media.process", 1)).await.unwrap();
    let visible = queue.receive(10, LONG).await.unwrap();
    assert_eq!(visible.len(), 1, "the delayed job was visible early");
    assert_eq!(visible[0].payload, json!({"n": 1}));
    queue.retry_later(&visible[0], LONG, "transient").await.unwrap();
    assert!(queue.receive(10, LONG).await.unwrap().is_empty(), "a job retried later came back at once");
    // A short retry does come back, counted as another receive.
    queue.send(job("media.process", 3)).await.unwrap();
    let claimed = queue.receive(1, LONG).await.unwrap().remove(0);
    queue.retry_later(&claimed, SHORT, "transient").await.unwrap();
    assert!(queue.receive(1, LONG).await.unwrap().is_empty());
    tokio::time::sleep(SHORT + Duration::from_millis(700)).await;
    let again = queue.receive(1, LONG).await.unwrap().remove(0);
    assert_eq!((again.id, again.receive_count), (claimed.id, 2));
}

async fn a_dedup_key_enqueues_once(queue: &dyn JobQueue, backend: Backend) {
    let keyed =
        NewJob { kind: "media.process", payload: json!({}), dedup_key: Some("upload:42"), delay: Duration::ZERO };
    assert!(queue.send(keyed.clone()).await.unwrap());
    let second = queue.send(keyed).await.unwrap();
    if backend.reports_duplicates {
        assert!(!second, "the duplicate send was reported as enqueued");
    }
    queue.send(job("media.process", 5)).await.unwrap();
    let received = queue.receive(10, LONG).await.unwrap();
    assert_eq!(received.len(), 2, "the same upload was enqueued twice: {received:?}");
}

mod postgres {
    use super::*;

    async fn queue(max_receives: i32) -> (crate::support::TestApp, PgJobQueue) {
        let app = spawn_app().await;
        let queue = PgJobQueue::new(app.ctx.db.clone(), max_receives);
        (app, queue)
    }

    #[tokio::test]
    async fn jobs_are_delivered_once_while_claimed_and_gone_once_deleted() {
        let (app, queue) = queue(3).await;
        delivered_once_while_claimed_and_gone_once_deleted(&queue).await;
        let (remaining,): (i64,) = sqlx::query_as("SELECT count(*) FROM jobs").fetch_one(&app.ctx.db).await.unwrap();
        assert_eq!(remaining, 0);
    }

    #[tokio::test]
    async fn concurrent_consumers_get_every_job() {
        let (_app, queue) = queue(3).await;
        super::concurrent_consumers_get_every_job(Arc::new(queue), true).await;
    }

    #[tokio::test]
    async fn an_unacknowledged_job_returns_after_its_visibility_timeout() {
        let (_app, queue) = queue(5).await;
        super::an_unacknowledged_job_returns_after_its_visibility_timeout(&queue, POSTGRES).await;
    }

    #[tokio::test]
    async fn a_poison_job_is_dead_lettered_after_the_receive_limit() {
        let (app, queue) = queue(2).await;
        super::a_poison_job_is_dead_lettered_after_the_receive_limit(&queue).await;
        let (error, receives): (Option<String>, i32) =
            sqlx::query_as("SELECT last_error, receive_count FROM dead_jobs").fetch_one(&app.ctx.db).await.unwrap();
        assert_eq!(error.as_deref(), Some("decoder exploded"));
        assert_eq!(receives, 2);
    }

    #[tokio::test]
    async fn delays_and_retries_are_honoured() {
        let (_app, queue) = queue(3).await;
        super::delays_and_retries_are_honoured(&queue).await;
    }

    #[tokio::test]
    async fn a_dedup_key_enqueues_once() {
        let (_app, queue) = queue(3).await;
        super::a_dedup_key_enqueues_once(&queue, POSTGRES).await;
    }
}

mod sqs {
    use super::*;

    /// A queue on moto that both job families route to and that this process
    /// consumes.
    async fn queue(max_receives: i32, fifo: bool) -> SqsJobQueue {
        let client = sqs_client(&moto_config().await, Some(&moto_url()));
        let queue = moto_queue(&client, max_receives, fifo).await;
        let routes = vec![("media.".to_owned(), queue.clone()), ("embed.".to_owned(), queue.clone())];
        SqsJobQueue::new(client, routes, queue)
    }

    #[tokio::test]
    async fn jobs_are_delivered_once_while_claimed_and_gone_once_deleted() {
        delivered_once_while_claimed_and_gone_once_deleted(&queue(3, false).await).await;
    }

    #[tokio::test]
    async fn concurrent_consumers_get_every_job() {
        super::concurrent_consumers_get_every_job(Arc::new(queue(3, false).await), false).await;
    }

    #[tokio::test]
    async fn an_unacknowledged_job_returns_after_its_visibility_timeout() {
        super::an_unacknowledged_job_returns_after_its_visibility_timeout(&queue(5, false).await, SQS).await;
    }

    #[tokio::test]
    async fn a_poison_job_is_dead_lettered_after_the_receive_limit() {
        super::a_poison_job_is_dead_lettered_after_the_receive_limit(&queue(2, false).await).await;
    }

    #[tokio::test]
    async fn delays_and_retries_are_honoured() {
        super::delays_and_retries_are_honoured(&queue(3, false).await).await;
    }

    #[tokio::test]
    async fn a_dedup_key_enqueues_once_on_a_fifo_queue() {
        super::a_dedup_key_enqueues_once(&queue(3, true).await, SQS).await;
    }

    #[tokio::test]
    async fn jobs_route_to_their_family_queue() {
        let client = sqs_client(&moto_config().await, Some(&moto_url()));
        let media = moto_queue(&client, 3, false).await;
        let embed = moto_queue(&client, 3, false).await;
        let routes = vec![("media.".to_owned(), media.clone()), ("embed.".to_owned(), embed.clone())];
        let producer = SqsJobQueue::new(client.clone(), routes.clone(), media.clone());
        producer.send(job("media.process", 1)).await.unwrap();
        producer.send(job("embed.artwork", 2)).await.unwrap();
        let error = producer.send(job("mail.send", 3)).await.unwrap_err();
        assert!(error.to_string().contains("mail.send"), "{error}");
        let from_media = producer.receive(10, LONG).await.unwrap();
        let from_embed = SqsJobQueue::new(client, routes, embed).receive(10, LONG).await.unwrap();
        assert_eq!(from_media.iter().map(|j| j.kind.as_str()).collect::<Vec<_>>(), ["media.process"]);
        assert_eq!(from_embed.iter().map(|j| j.kind.as_str()).collect::<Vec<_>>(), ["embed.artwork"]);
    }
}
