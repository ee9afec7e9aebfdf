//! Merging the keyword and semantic rankings. Reciprocal rank fusion uses only
//! each item's rank on each side, so full-text ranks and cosine similarities,
//! which live on unrelated scales, combine without calibration.

use std::collections::HashMap;

use uuid::Uuid;

/// Damps the weight of the very top ranks. The original RRF paper used 60;
/// on our judged query set (`scripts/eval-search`) 20 ranks better, because
/// collectors judge a result list by its first few works.
const RRF_K: f32 = 20.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fused {
    pub id: Uuid,
    pub score: f32,
    pub keyword: bool,
    pub semantic: bool,
}

/// Every id from either ranking (best first), scored by the sum over the
/// sides it appears on of weight / (k + rank), best first. The semantic side
/// weighs 1; `keyword_weight` sets the keyword side relative to it.
pub fn reciprocal_rank_fusion(keyword: &[Uuid], semantic: &[Uuid], keyword_weight: f32) -> Vec<Fused> {
    let mut fused: HashMap<Uuid, Fused> = HashMap::new();
    for (side, ranking, weight) in [(true, keyword, keyword_weight), (false, semantic, 1.0)] {
        for (rank, id) in ranking.iter().enumerate() {
            let entry = fused.entry(*id).or_insert(Fused { id: *id, score: 0.0, keyword: false, semantic: false });
            entry.score += weight / (RRF_K + rank as f32 + 1.0);
            if side {
                entry.keyword = true;
            } else {
                entry.semantic = true;
            }
        }
    }
    let mut fused: Vec<Fused> = fused.into_values().collect();
    fused.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.id.cmp(&a.id)));
    fused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_found_by_both_sides_rise_above_items_found_by_one() {
        let ids: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
        let keyword = [ids[0], ids[1], ids[2]];
        let semantic = [ids[3], ids[2], ids[4]];
        let fused = reciprocal_rank_fusion(&keyword, &semantic, 1.0);
        assert_eq!(fused.len(), 5);
        assert_eq!(fused[0].id, ids[2], "third and second place on two sides beats first place on one");
        assert!(fused[0].keyword && fused[0].semantic);
        let first_keyword = fused.iter().find(|f| f.id == ids[0]).unwrap();
        assert!(first_keyword.keyword && !first_keyword.semantic);
        assert!((first_keyword.score - 1.0 / (RRF_K + 1.0)).abs() < 1e-6);
    }

    #[test]
    fn one_sided_fusion_keeps_that_sides_order() {
        let ids: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
        let fused = reciprocal_rank_fusion(&ids, &[], 0.5);
        assert_eq!(fused.iter().map(|f| f.id).collect::<Vec<_>>(), ids);
    }
}
