//! `GET /api/artworks/{id}/similar`: works close in meaning (text vectors),
//! nudged by how alike their pictures' colours are, never the same picture.

use std::collections::HashSet;

use axum::{Json, extract::State};
use palette::{FromColor, Lab, Srgb, white_point::D65};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    cards::{ArtworkCard, visible_cards},
    public_statuses, store,
};
use crate::{
    app::AppContext,
    media::analysis::Swatch,
    platform::{
        http::error::{ApiError, ApiResult},
        http::{ApiPath, ApiQuery},
        vectors::VectorFilter,
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new().routes(routes!(similar))
}

/// Text neighbours considered before re-ranking by colour.
const CANDIDATES: usize = 60;
/// How far colour similarity may move a candidate: a quarter of the score.
const VISUAL_WEIGHT: f32 = 0.25;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SimilarQuery {
    /// 1–48, default 12.
    #[param(minimum = 1, maximum = 48)]
    pub limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct SimilarWork {
    #[serde(flatten)]
    pub card: ArtworkCard,
    /// Blended similarity, 0–1; only comparable within one response.
    pub score: f32,
}

fn lab(hex: &str) -> Option<Lab<D65, f32>> {
    let value = u32::from_str_radix(hex.strip_prefix('#')?, 16).ok()?;
    let rgb = Srgb::new((value >> 16) as u8, (value >> 8) as u8, value as u8).into_format::<f32>();
    Some(Lab::from_color(rgb))
}

/// 1 for the same palette, towards 0 as colours diverge: each colour of one
/// palette is matched to its nearest in the other (CIE76 ΔE), weighted by its
/// share, and the mean distance is mapped through exp(−ΔE / 25).
pub fn palette_similarity(a: &[Swatch], b: &[Swatch]) -> Option<f32> {
    let a: Vec<(Lab<D65, f32>, f32)> = a.iter().filter_map(|s| Some((lab(&s.hex)?, s.share))).collect();
    let b: Vec<(Lab<D65, f32>, f32)> = b.iter().filter_map(|s| Some((lab(&s.hex)?, s.share))).collect();
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let delta =
        |x: &Lab<D65, f32>, y: &Lab<D65, f32>| ((x.l - y.l).powi(2) + (x.a - y.a).powi(2) + (x.b - y.b).powi(2)).sqrt();
    let one_way = |from: &[(Lab<D65, f32>, f32)], to: &[(Lab<D65, f32>, f32)]| {
        let total: f32 = from.iter().map(|(_, share)| share).sum::<f32>().max(f32::EPSILON);
        from.iter().map(|(c, share)| share * to.iter().map(|(d, _)| delta(c, d)).fold(f32::MAX, f32::min)).sum::<f32>()
            / total
    };
    let distance = (one_way(&a, &b) + one_way(&b, &a)) / 2.0;
    Some((-distance / 25.0).exp())
}

/// Works like this one: nearest by meaning, re-ranked a little by colour, with
/// the work itself and copies of its picture left out.
#[utoipa::path(get, path = "/api/artworks/{id}/similar", tag = "search", params(("id" = Uuid, Path), SimilarQuery),
    responses(
        (status = 200, body = Vec<SimilarWork>),
        (status = 422),
    ))]
async fn similar(
    State(ctx): State<AppContext>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<SimilarQuery>,
) -> ApiResult<Json<Vec<SimilarWork>>> {
    let limit = query.limit.unwrap_or(12);
    if !(1..=48).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 48"));
    }
    let mut conn = ctx.db.acquire().await?;
    if visible_cards(&mut conn, ctx.objects.as_ref(), &[id]).await?.is_empty() {
        return Err(ApiError::NotFound("no such artwork".to_owned()));
    }
    let vectors = ctx.discovery.vectors.clone();
    let Some(vector) = vectors.vectors(&[id]).await?.remove(&id) else {
        // Not embedded yet (just published): nothing to compare by meaning.
        return Ok(Json(Vec::new()));
    };
    // Copies of this picture: flagged pairs in either direction.
    let mut exclude = store::flagged_copies(&mut conn, id).await?;
    exclude.push(id);
    let filter = VectorFilter { statuses: public_statuses(), exclude, ..VectorFilter::default() };
    let hits = vectors.search(&vector, &filter, CANDIDATES).await?;
    let mut ids: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
    ids.push(id);
    // Each artwork's cover palette and hash, for colour re-ranking and for
    // dropping the same picture listed without a flag (e.g. by the same artist).
    let covers = store::cover_pictures(&mut conn, &ids).await?;
    let own = covers.get(&id);
    let same_picture: HashSet<Uuid> = match own {
        Some((_, hash)) => covers
            .iter()
            .filter(|(other, (_, other_hash))| {
                **other != id && ((*hash ^ *other_hash) as u64).count_ones() <= ctx.config.media.duplicate_distance
            })
            .map(|(other, _)| *other)
            .collect(),
        None => HashSet::new(),
    };
    let mut scored: Vec<(Uuid, f32)> = hits
        .iter()
        .filter(|hit| !same_picture.contains(&hit.id))
        .map(|hit| {
            let visual = own.zip(covers.get(&hit.id)).and_then(|((a, _), (b, _))| palette_similarity(a, b));
            // Without two pictures to compare, colour neither helps nor hurts.
            let score = hit.score + visual.map_or(0.0, |v| VISUAL_WEIGHT * (v - 0.5));
            (hit.id, score)
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    let top: Vec<Uuid> = scored.iter().map(|(id, _)| *id).collect();
    let mut cards = visible_cards(&mut conn, ctx.objects.as_ref(), &top).await?;
    Ok(Json(
        scored
            .into_iter()
            .filter_map(|(id, score)| Some(SimilarWork { card: cards.remove(&id)?, score: score.clamp(0.0, 1.0) }))
            .take(limit)
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn swatch(hex: &str, share: f32) -> Swatch {
        Swatch { hex: hex.to_owned(), share }
    }

    #[test]
    fn palettes_compare_by_perceived_colour() {
        let sea = [swatch("#1d3557", 0.6), swatch("#457b9d", 0.4)];
        let sea_again = [swatch("#1e3658", 0.5), swatch("#467c9e", 0.5)];
        let desert = [swatch("#e9c46a", 0.7), swatch("#f4a261", 0.3)];
        let same = palette_similarity(&sea, &sea).unwrap();
        assert!((same - 1.0).abs() < 1e-6);
        assert!(palette_similarity(&sea, &sea_again).unwrap() > 0.9);
        assert!(palette_similarity(&sea, &desert).unwrap() < 0.2);
        assert!(palette_similarity(&sea, &[]).is_none());
    }
}
