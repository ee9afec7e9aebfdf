//! A collector's taste: the weighted, time-decayed mean of the vectors of the
//! works they interacted with. Stronger signals weigh more (view < like <
//! save < purchase), "not interested" pushes away, and a signal's weight halves
//! every 30 days.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::store::{self, Remembered, StoredTaste};
use crate::platform::vectors::{VectorIndex, normalised};

const HALF_LIFE_DAYS: f64 = 30.0;
/// Older interactions than the newest this many add little after decay.
const MEMORY_WINDOW: i64 = 500;

pub fn weight(kind: &str) -> f32 {
    match kind {
        "view" => 1.0,
        "share" => 2.0,
        "like" => 3.0,
        "save" => 4.0,
        "purchase" => 6.0,
        "not_interested" => -4.0,
        _ => 0.0,
    }
}

pub fn decay(at: DateTime<Utc>, now: DateTime<Utc>) -> f32 {
    let days = (now - at).num_seconds().max(0) as f64 / 86_400.0;
    0.5f64.powf(days / HALF_LIFE_DAYS) as f32
}

/// One remembered interaction, for explaining recommendations.
#[derive(Clone, Debug)]
pub struct Signal {
    pub artwork_id: Uuid,
    pub title: String,
    pub kind: String,
    /// Weight after decay; negative for "not interested".
    pub weight: f32,
}

pub struct Taste {
    /// `None` until the collector has interacted with an indexed work.
    pub vector: Option<Vec<f32>>,
    /// Per artwork, its strongest signal.
    pub signals: Vec<Signal>,
}

/// The collector's taste, recomputed first when an interaction arrived since
/// it was last stored.
pub async fn current(conn: &mut PgConnection, vectors: &dyn VectorIndex, user_id: Uuid) -> anyhow::Result<Taste> {
    let rows = store::recent_interactions(conn, user_id, MEMORY_WINDOW).await?;
    let now = Utc::now();
    let mut by_artwork: std::collections::HashMap<Uuid, (Signal, f32)> = std::collections::HashMap::new();
    for Remembered { artwork_id, title, kind, at } in rows {
        let w = weight(&kind) * decay(at, now);
        let entry = by_artwork
            .entry(artwork_id)
            .or_insert_with(|| (Signal { artwork_id, title: title.clone(), kind: kind.clone(), weight: w }, 0.0));
        entry.1 += w;
        if w.abs() > entry.0.weight.abs() {
            entry.0 = Signal { artwork_id, title, kind, weight: w };
        }
    }
    let signals: Vec<Signal> = by_artwork.values().map(|(signal, _)| signal.clone()).collect();
    if let Some(StoredTaste { vector, stale: false }) = store::stored_taste(conn, user_id).await? {
        return Ok(Taste { vector, signals });
    }
    let ids: Vec<Uuid> = by_artwork.keys().copied().collect();
    let known = vectors.vectors(&ids).await?;
    let mut sum: Option<Vec<f32>> = None;
    for (id, (_, total_weight)) in &by_artwork {
        if let Some(vector) = known.get(id) {
            let acc = sum.get_or_insert_with(|| vec![0.0; vector.len()]);
            acc.iter_mut().zip(vector).for_each(|(a, x)| *a += total_weight * x);
        }
    }
    // Only "not interested" signals leave a taste pointing away from everything,
    // which recommends nothing useful; such a taste counts as none.
    let positive = by_artwork.values().any(|(_, w)| *w > 0.0);
    let vector = sum.filter(|_| positive).map(normalised).filter(|v| v.iter().any(|x| *x != 0.0));
    store::store_taste(conn, user_id, &vector).await?;
    Ok(Taste { vector, signals })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stronger_signals_weigh_more_and_fade_with_time() {
        assert!(
            weight("view") < weight("like") && weight("like") < weight("save") && weight("save") < weight("purchase")
        );
        assert!(weight("not_interested") < 0.0);
        let now = Utc::now();
        assert!((decay(now, now) - 1.0).abs() < 1e-6);
        assert!((decay(now - chrono::Duration::days(30), now) - 0.5).abs() < 1e-3);
        assert!((decay(now - chrono::Duration::days(60), now) - 0.25).abs() < 1e-3);
    }
}
