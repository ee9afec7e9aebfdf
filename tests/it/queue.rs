//! The PostgreSQL job queue against the port's contract.

use std::{collections::HashSet, time::Duration};

use atelier::platform::queue::{JobQueue, NewJob, PgJobQueue};
use serde_json::json;

use crate::helpers::spawn_app;

fn job(kind: &str, n: i64) -> NewJob<'_> {
    NewJob { kind, payload: json!({"n": n}), dedup_key: None, delay: Duration::ZERO }
}

const LONG: Duration = Duration::from_secs(300);

#[tokio::test]
async fn jobs_are_delivered_once_while_claimed_and_gone_once_deleted() {
    let app = spawn_app().await;
    let queue = PgJobQueue::new(app.ctx.db.clone(), 3);
    for n in 0..5 {
        assert!(queue.send(job("media.process", n)).await.unwrap());
    }
    let first = queue.receive(3, LONG).await.unwrap();
    let second = queue.receive(10, LONG).await.unwrap();
    assert_eq!((first.len(), second.len()), (3, 2));
    let ids: HashSet<_> = first.iter().chain(&second).map(|j| j.id.clone()).collect();
    assert_eq!(ids.len(), 5, "a claimed job was handed out twice");
    assert!(queue.receive(10, LONG).await.unwrap().is_empty());
    for job in first.iter().chain(&second) {
        assert_eq!(job.kind, "media.process");
        assert_eq!(job.receive_count, 1);
        assert!(queue.delete(job).await.unwrap());
    }
    let (remaining,): (i64,) = sqlx::query_as("SELECT count(*) FROM jobs").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(remaining, 0);
}

#[tokio::test]
async fn concurrent_consumers_never_share_a_job() {
    let app = spawn_app().await;
    let queue = std::sync::Arc::new(PgJobQueue::new(app.ctx.db.clone(), 3));
    for n in 0..40 {
        queue.send(job("embed.artwork", n)).await.unwrap();
    }
    let consumers: Vec<_> = (0..4)
        .map(|_| {
            let queue = queue.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    let batch = queue.receive(3, LONG).await.unwrap();
                    if batch.is_empty() {
                        break got;
                    }
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
    assert_eq!(all, (0..40).collect::<Vec<_>>());
}

#[tokio::test]
async fn an_unacknowledged_job_returns_after_its_visibility_timeout() {
    let app = spawn_app().await;
    let queue = PgJobQueue::new(app.ctx.db.clone(), 5);
    queue.send(job("media.process", 1)).await.unwrap();
    // A worker claims the job and dies without deleting it.
    let crashed = queue.receive(1, Duration::from_millis(200)).await.unwrap().remove(0);
    assert!(queue.receive(1, LONG).await.unwrap().is_empty());
    tokio::time::sleep(Duration::from_millis(400)).await;
    let redelivered = queue.receive(1, LONG).await.unwrap().remove(0);
    assert_eq!(redelivered.id, crashed.id);
    assert_eq!(redelivered.receive_count, 2);
    // The dead worker's late acknowledgement must not remove the live claim.
    assert!(!queue.delete(&crashed).await.unwrap());
    assert!(queue.delete(&redelivered).await.unwrap());
}

#[tokio::test]
async fn a_poison_job_is_dead_lettered_after_the_receive_limit() {
    let app = spawn_app().await;
    let queue = PgJobQueue::new(app.ctx.db.clone(), 2);
    queue.send(job("media.process", 7)).await.unwrap();
    for attempt in 1..=2 {
        let claimed = queue.receive(1, LONG).await.unwrap().remove(0);
        assert_eq!(claimed.receive_count, attempt);
        queue.retry_later(&claimed, Duration::ZERO, "decoder exploded").await.unwrap();
    }
    assert!(queue.receive(1, LONG).await.unwrap().is_empty());
    let (payload, error, receives): (serde_json::Value, Option<String>, i32) =
        sqlx::query_as("SELECT payload, last_error, receive_count FROM dead_jobs").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(payload, json!({"n": 7}));
    assert_eq!(error.as_deref(), Some("decoder exploded"));
    assert_eq!(receives, 2);
}

#[tokio::test]
async fn delays_and_dedup_keys_are_honoured() {
    let app = spawn_app().await;
    let queue = PgJobQueue::new(app.ctx.db.clone(), 3);
    let keyed = NewJob { kind: "media.process", payload: json!({}), dedup_key: Some("upload:42"), delay: Duration::ZERO };
    assert!(queue.send(keyed.clone()).await.unwrap());
    assert!(!queue.send(keyed).await.unwrap(), "the same upload was enqueued twice");
    queue.send(NewJob { delay: LONG, ..job("media.process", 2) }).await.unwrap();
    let visible = queue.receive(10, LONG).await.unwrap();
    assert_eq!(visible.len(), 1, "the delayed job was visible early");
    let claimed = &visible[0];
    queue.retry_later(claimed, LONG, "transient").await.unwrap();
    assert!(queue.receive(10, LONG).await.unwrap().is_empty(), "a job retried later came back at once");
}
