//! The job queue's embedded default: a PostgreSQL table claimed with
//! `FOR UPDATE SKIP LOCKED`.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::{Job, JobQueue, NewJob};

pub struct PgJobQueue {
    pool: PgPool,
    max_receives: i32,
}

impl PgJobQueue {
    pub fn new(pool: PgPool, max_receives: i32) -> Self {
        Self { pool, max_receives }
    }
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: Uuid,
    kind: String,
    payload: Value,
    receive_count: i32,
    receipt: Uuid,
}

#[async_trait]
impl JobQueue for PgJobQueue {
    async fn send(&self, job: NewJob<'_>) -> anyhow::Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO jobs (id, kind, payload, dedup_key, visible_at)
             VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
             ON CONFLICT (dedup_key) DO NOTHING",
        )
        .bind(Uuid::now_v7())
        .bind(job.kind)
        .bind(&job.payload)
        .bind(job.dedup_key)
        .bind(job.delay.as_secs_f64())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    async fn receive(&self, max: i64, visibility: Duration) -> anyhow::Result<Vec<Job>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "WITH dead AS (
                 DELETE FROM jobs WHERE id IN (
                     SELECT id FROM jobs WHERE visible_at <= now() AND receive_count >= $1
                     FOR UPDATE SKIP LOCKED)
                 RETURNING id, kind, payload, dedup_key, receive_count, last_error, created_at)
             INSERT INTO dead_jobs (id, kind, payload, dedup_key, receive_count, last_error, created_at)
             SELECT * FROM dead",
        )
        .bind(self.max_receives)
        .execute(&mut *tx)
        .await?;
        let rows: Vec<JobRow> = sqlx::query_as(
            "UPDATE jobs j SET receive_count = j.receive_count + 1,
                 visible_at = now() + make_interval(secs => $2), receipt = gen_random_uuid()
             FROM (SELECT id FROM jobs WHERE visible_at <= now() ORDER BY visible_at LIMIT $1
                   FOR UPDATE SKIP LOCKED) picked
             WHERE j.id = picked.id
             RETURNING j.id, j.kind, j.payload, j.receive_count, j.receipt",
        )
        .bind(max)
        .bind(visibility.as_secs_f64())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|r| Job {
                id: r.id.to_string(),
                kind: r.kind,
                payload: r.payload,
                receive_count: r.receive_count,
                receipt: r.receipt.to_string(),
            })
            .collect())
    }

    async fn delete(&self, job: &Job) -> anyhow::Result<bool> {
        let Some((id, receipt)) = claim_of(job) else { return Ok(false) };
        let deleted = sqlx::query("DELETE FROM jobs WHERE id = $1 AND receipt = $2")
            .bind(id)
            .bind(receipt)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(deleted == 1)
    }

    async fn retry_later(&self, job: &Job, delay: Duration, error: &str) -> anyhow::Result<()> {
        let Some((id, receipt)) = claim_of(job) else { return Ok(()) };
        sqlx::query(
            "UPDATE jobs SET visible_at = now() + make_interval(secs => $3), last_error = $4
             WHERE id = $1 AND receipt = $2",
        )
        .bind(id)
        .bind(receipt)
        .bind(delay.as_secs_f64())
        .bind(error.chars().take(2000).collect::<String>())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn dead_letters(&self, max: i64) -> anyhow::Result<Vec<Job>> {
        let rows: Vec<(Uuid, String, Value, i32)> =
            sqlx::query_as("SELECT id, kind, payload, receive_count FROM dead_jobs ORDER BY died_at, id LIMIT $1")
                .bind(max)
                .fetch_all(&self.pool)
                .await?;
        // A dead letter has no claim to prove; its id stands in for the receipt.
        Ok(rows
            .into_iter()
            .map(|(id, kind, payload, receive_count)| Job {
                id: id.to_string(),
                kind,
                payload,
                receive_count,
                receipt: id.to_string(),
            })
            .collect())
    }
}

/// The job's id and receipt as this queue issued them; a job from another
/// backend (unparsable ids) holds no claim here.
fn claim_of(job: &Job) -> Option<(Uuid, Uuid)> {
    Some((job.id.parse().ok()?, job.receipt.parse().ok()?))
}
