//! The vector-index port: artwork embeddings with the payload search filters on,
//! nearest-neighbour search and recommendation by example. The embedded default
//! keeps every vector in memory for exact search and persists them in
//! PostgreSQL; the cloud adapter is Qdrant.

pub mod postgres;
pub mod qdrant;

use std::{collections::HashMap, sync::Arc};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use self::{
    postgres::PgVectorIndex,
    qdrant::{QdrantSettings, QdrantVectorIndex},
};
use super::config::VectorIndexConfig;

/// Length of the text embedder's vectors (all-MiniLM-L6-v2).
pub const DEFAULT_DIMENSION: u64 = 384;

/// What searches filter on, stored beside each vector.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VectorPayload {
    /// The artwork's category and its ancestors, so filtering by a parent
    /// category finds works filed under its children.
    pub categories: Vec<String>,
    pub styles: Vec<String>,
    pub artist_id: Uuid,
    pub price_minor: i64,
    pub status: String,
    pub year: Option<i32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct VectorPoint {
    pub id: Uuid,
    /// Unit length.
    pub vector: Vec<f32>,
    pub payload: VectorPayload,
}

/// Every condition must hold; `None` or empty means "any".
#[derive(Clone, Debug, Default)]
pub struct VectorFilter {
    pub category: Option<String>,
    pub style: Option<String>,
    pub artist_id: Option<Uuid>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    pub statuses: Vec<String>,
    pub exclude: Vec<Uuid>,
}

impl VectorFilter {
    pub fn matches(&self, id: Uuid, payload: &VectorPayload) -> bool {
        self.category.as_ref().is_none_or(|c| payload.categories.contains(c))
            && self.style.as_ref().is_none_or(|s| payload.styles.contains(s))
            && self.artist_id.is_none_or(|a| payload.artist_id == a)
            && self.min_price.is_none_or(|min| payload.price_minor >= min)
            && self.max_price.is_none_or(|max| payload.price_minor <= max)
            && self.year_from.is_none_or(|from| payload.year.is_some_and(|y| y >= from))
            && self.year_to.is_none_or(|to| payload.year.is_some_and(|y| y <= to))
            && (self.statuses.is_empty() || self.statuses.contains(&payload.status))
            && !self.exclude.contains(&id)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    pub id: Uuid,
    /// Cosine similarity, -1 to 1.
    pub score: f32,
}

#[async_trait]
pub trait VectorIndex: Send + Sync + 'static {
    /// Inserts or replaces points by id.
    async fn upsert(&self, points: Vec<VectorPoint>) -> anyhow::Result<()>;
    /// Removing an absent id is not an error.
    async fn delete(&self, ids: &[Uuid]) -> anyhow::Result<()>;
    /// The `limit` points most similar to `vector` among those matching `filter`, best first.
    async fn search(&self, vector: &[f32], filter: &VectorFilter, limit: usize) -> anyhow::Result<Vec<Hit>>;
    /// Points like the `positive` examples and unlike the `negative` ones (the
    /// examples themselves excluded), best first.
    async fn recommend(
        &self,
        positive: &[Uuid],
        negative: &[Uuid],
        filter: &VectorFilter,
        limit: usize,
    ) -> anyhow::Result<Vec<Hit>>;
    /// The stored vectors of `ids` that exist.
    async fn vectors(&self, ids: &[Uuid]) -> anyhow::Result<HashMap<Uuid, Vec<f32>>>;
}

pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Scales to unit length; a zero vector stays zero.
pub fn normalised(mut vector: Vec<f32>) -> Vec<f32> {
    let norm = dot(&vector, &vector).sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|x| *x /= norm);
    }
    vector
}

/// The query vector of a recommendation, by Qdrant's "average vector" rule
/// (`avg_pos + avg_pos - avg_neg`, or `avg_pos` alone without negatives), so
/// both adapters rank alike.
pub fn example_query(positive: &[Vec<f32>], negative: &[Vec<f32>]) -> Option<Vec<f32>> {
    let mean = |vectors: &[Vec<f32>]| -> Option<Vec<f32>> {
        let mut sum = vec![0.0f32; vectors.first()?.len()];
        for vector in vectors {
            sum.iter_mut().zip(vector).for_each(|(s, x)| *s += x / vectors.len() as f32);
        }
        Some(sum)
    };
    let positive = mean(positive)?;
    let query = match mean(negative) {
        Some(negative) => positive.iter().zip(&negative).map(|(p, n)| 2.0 * p - n).collect(),
        None => positive,
    };
    Some(normalised(query))
}

/// The adapter `config` selects. `dimension` is the embedder's vector length;
/// Qdrant fixes it per collection, so a mismatch fails here rather than at the
/// first write.
pub async fn from_config(
    config: &VectorIndexConfig,
    db: &PgPool,
    dimension: u64,
) -> anyhow::Result<Arc<dyn VectorIndex>> {
    Ok(match config {
        VectorIndexConfig::Postgres => Arc::new(PgVectorIndex::new(db.clone())),
        VectorIndexConfig::Qdrant { url, api_key, collection } => Arc::new(
            QdrantVectorIndex::connect(QdrantSettings {
                url: url.clone(),
                api_key: api_key.clone(),
                collection: collection.clone(),
                dimension,
            })
            .await?,
        ),
    })
}
