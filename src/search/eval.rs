//! Offline evaluation of search quality: nDCG@10 and recall@50 of each mode
//! over a fixed query set with relevance judgments written from the Tate
//! catalogue's subjects (`infra/eval`).

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use super::{
    SearchFilter,
    routes::{SearchMode, rank},
};
use crate::app::AppContext;

#[derive(Deserialize)]
struct QueryFile {
    queries: Vec<EvalQuery>,
}

#[derive(Deserialize)]
struct EvalQuery {
    id: String,
    query: String,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Scores {
    pub ndcg_at_10: f64,
    pub recall_at_50: f64,
}

/// nDCG@10 with binary relevance: each relevant result at rank r earns
/// 1 / log2(r + 1), normalised by the best possible ordering.
pub fn ndcg_at_10(ranked: &[&str], relevant: &HashSet<&str>) -> f64 {
    let gain = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
    let dcg: f64 =
        ranked.iter().take(10).enumerate().filter(|(_, id)| relevant.contains(*id)).map(|(rank, _)| gain(rank)).sum();
    let ideal: f64 = (0..relevant.len().min(10)).map(gain).sum();
    if ideal == 0.0 { 0.0 } else { dcg / ideal }
}

pub fn recall_at_50(ranked: &[&str], relevant: &HashSet<&str>) -> f64 {
    if relevant.is_empty() {
        return 0.0;
    }
    ranked.iter().take(50).filter(|id| relevant.contains(*id)).count() as f64 / relevant.len() as f64
}

pub struct Evaluation {
    pub per_query: Vec<(String, [Scores; 3])>,
    pub mean: [Scores; 3],
}

pub const MODES: [SearchMode; 3] = [SearchMode::Keyword, SearchMode::Semantic, SearchMode::Hybrid];

/// Runs every query in every mode against the current database and index.
pub async fn evaluate(ctx: &AppContext, queries: &str, judgments: &str) -> anyhow::Result<Evaluation> {
    let queries: QueryFile = serde_json::from_str(queries)?;
    let judgments: HashMap<String, Vec<String>> = serde_json::from_str(judgments)?;
    let refs: HashMap<uuid::Uuid, String> = sqlx::query_as::<_, (uuid::Uuid, String)>(
        "SELECT id, external_ref FROM artworks WHERE external_ref IS NOT NULL",
    )
    .fetch_all(&ctx.db)
    .await?
    .into_iter()
    .collect();
    let mut per_query = Vec::new();
    for query in &queries.queries {
        let relevant: HashSet<&str> = judgments
            .get(&query.id)
            .ok_or_else(|| anyhow::anyhow!("no judgments for query {}", query.id))?
            .iter()
            .map(String::as_str)
            .collect();
        let mut scores = [Scores::default(); 3];
        for (slot, mode) in MODES.iter().enumerate() {
            let fused =
                rank(ctx, &query.query, *mode, &SearchFilter::default()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            let ranked: Vec<&str> = fused.iter().filter_map(|f| refs.get(&f.id).map(String::as_str)).collect();
            scores[slot] =
                Scores { ndcg_at_10: ndcg_at_10(&ranked, &relevant), recall_at_50: recall_at_50(&ranked, &relevant) };
        }
        per_query.push((query.id.clone(), scores));
    }
    let n = per_query.len().max(1) as f64;
    let mut mean = [Scores::default(); 3];
    for (_, scores) in &per_query {
        for (slot, s) in scores.iter().enumerate() {
            mean[slot].ndcg_at_10 += s.ndcg_at_10 / n;
            mean[slot].recall_at_50 += s.recall_at_50 / n;
        }
    }
    Ok(Evaluation { per_query, mean })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_match_hand_computed_values() {
        let relevant: HashSet<&str> = ["a", "b", "c"].into_iter().collect();
        assert!((ndcg_at_10(&["a", "b", "c"], &relevant) - 1.0).abs() < 1e-12);
        // Hits at ranks 2 and 3 of 3 relevant: (1/log2 3 + 1/log2 4) / (1 + 1/log2 3 + 1/log2 4).
        let expected = (1.0 / 3f64.log2() + 0.5) / (1.0 + 1.0 / 3f64.log2() + 0.5);
        assert!((ndcg_at_10(&["x", "a", "b"], &relevant) - expected).abs() < 1e-12);
        assert_eq!(ndcg_at_10(&["x", "y"], &relevant), 0.0);
        assert!((recall_at_50(&["a", "x", "c"], &relevant) - 2.0 / 3.0).abs() < 1e-12);
    }
}
