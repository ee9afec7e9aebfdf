//! Embedded default of the vector-index port: exact cosine search over vectors
//! held in memory, persisted in PostgreSQL. Exact search over 100k 384-d
//! vectors is a few tens of milliseconds on one core, which is enough for a
//! catalogue of that size; larger ones use Qdrant.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::PgPool;
use tokio::sync::RwLock;
use uuid::Uuid;

use super::{Hit, VectorFilter, VectorIndex, VectorPayload, VectorPoint, dot, example_query};

/// A row of `vector_points`: id, vector and payload (both absent once
/// deleted), and its change sequence number.
type StoredPoint = (Uuid, Option<Vec<f32>>, Option<sqlx::types::Json<VectorPayload>>, i64);

pub struct PgVectorIndex {
    pool: PgPool,
    state: RwLock<State>,
}

#[derive(Default)]
struct State {
    points: HashMap<Uuid, (Vec<f32>, VectorPayload)>,
    last_seq: i64,
}

impl PgVectorIndex {
    pub fn new(pool: PgPool) -> Self {
        Self { pool, state: RwLock::new(State::default()) }
    }

    /// Applies every change stored since the last call, this process's and
    /// other processes' alike. With nothing new it costs one indexed query.
    async fn catch_up(&self) -> anyhow::Result<()> {
        let last_seq = self.state.read().await.last_seq;
        let changes: Vec<StoredPoint> =
            sqlx::query_as("SELECT id, vector, payload, seq FROM vector_points WHERE seq > $1 ORDER BY seq")
                .bind(last_seq)
                .fetch_all(&self.pool)
                .await?;
        if changes.is_empty() {
            return Ok(());
        }
        let mut state = self.state.write().await;
        for (id, vector, payload, seq) in changes {
            // Another task may have applied a later batch meanwhile.
            if seq <= state.last_seq {
                continue;
            }
            match (vector, payload) {
                (Some(vector), Some(payload)) => {
                    state.points.insert(id, (vector, payload.0));
                }
                _ => {
                    state.points.remove(&id);
                }
            }
            state.last_seq = seq;
        }
        Ok(())
    }

    async fn ranked(&self, query: &[f32], filter: &VectorFilter, limit: usize) -> anyhow::Result<Vec<Hit>> {
        self.catch_up().await?;
        let state = self.state.read().await;
        let mut hits: Vec<Hit> = state
            .points
            .iter()
            .filter(|(id, (vector, payload))| vector.len() == query.len() && filter.matches(**id, payload))
            .map(|(id, (vector, _))| Hit { id: *id, score: dot(query, vector) })
            .collect();
        let by_score = |a: &Hit, b: &Hit| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id));
        if limit == 0 {
            return Ok(Vec::new());
        }
        if hits.len() > limit {
            hits.select_nth_unstable_by(limit - 1, by_score);
            hits.truncate(limit);
        }
        hits.sort_by(by_score);
        Ok(hits)
    }
}

#[async_trait]
impl VectorIndex for PgVectorIndex {
    async fn upsert(&self, points: Vec<VectorPoint>) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        for point in &points {
            sqlx::query(
                "INSERT INTO vector_points (id, vector, payload) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET vector = $2, payload = $3, seq = nextval('vector_points_seq')",
            )
            .bind(point.id)
            .bind(&point.vector)
            .bind(sqlx::types::Json(&point.payload))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete(&self, ids: &[Uuid]) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE vector_points SET vector = NULL, payload = NULL, seq = nextval('vector_points_seq')
             WHERE id = ANY($1) AND vector IS NOT NULL",
        )
        .bind(ids)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn search(&self, vector: &[f32], filter: &VectorFilter, limit: usize) -> anyhow::Result<Vec<Hit>> {
        self.ranked(vector, filter, limit).await
    }

    async fn recommend(
        &self,
        positive: &[Uuid],
        negative: &[Uuid],
        filter: &VectorFilter,
        limit: usize,
    ) -> anyhow::Result<Vec<Hit>> {
        let examples = self.vectors(&[positive, negative].concat()).await?;
        let pick = |ids: &[Uuid]| ids.iter().filter_map(|id| examples.get(id).cloned()).collect::<Vec<_>>();
        let Some(query) = example_query(&pick(positive), &pick(negative)) else {
            return Ok(Vec::new());
        };
        let mut filter = filter.clone();
        filter.exclude.extend(positive.iter().chain(negative).copied());
        self.ranked(&query, &filter, limit).await
    }

    async fn vectors(&self, ids: &[Uuid]) -> anyhow::Result<HashMap<Uuid, Vec<f32>>> {
        self.catch_up().await?;
        let state = self.state.read().await;
        Ok(ids.iter().filter_map(|id| state.points.get(id).map(|(vector, _)| (*id, vector.clone()))).collect())
    }
}
