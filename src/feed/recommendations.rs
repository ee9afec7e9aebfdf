//! Personal recommendations, and the onboarding preferences that seed them
//! before a collector has any history.

use std::collections::{HashMap, HashSet};

use axum::{Json, extract::State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema, openapi::Array};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    store,
    taste::{self, Signal},
};
use crate::{
    app::AppContext,
    auth::{Permission, Principal},
    catalog::domain::{Slug, labels_schema},
    platform::{
        http::error::{ApiError, ApiResult, FieldErrors},
        http::rate_limit::{self, Limit},
        http::{ApiJson, ApiQuery},
        vectors::{VectorFilter, dot},
    },
    search::cards::{ArtworkCard, visible_cards},
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(routes!(get_preferences, put_preferences))
        .routes(rate_limit::limited(Limit::Feed, routes!(recommendations)))
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct Preferences {
    #[serde(default)]
    #[schema(schema_with = category_preferences)]
    pub categories: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = style_preferences)]
    pub styles: Vec<String>,
    /// In minor units.
    #[schema(minimum = 0)]
    pub min_price: Option<i64>,
    /// In minor units; not below `min_price`.
    #[schema(minimum = 0)]
    pub max_price: Option<i64>,
}

/// Preferences hold at most this many categories, and as many styles.
const MAX_PREFERENCES: usize = 20;

fn category_preferences() -> Array {
    labels_schema(MAX_PREFERENCES, 60, "Categories from `GET /api/categories`, by slug or name.").build()
}

fn style_preferences() -> Array {
    labels_schema(MAX_PREFERENCES, 40, "Styles as typed or as their slugs.").build()
}

/// What you told us you like.
#[utoipa::path(get, path = "/api/me/preferences", tag = "recommendations", security(("bearer" = [])),
    responses((status = 200, body = Preferences)))]
async fn get_preferences(State(ctx): State<AppContext>, principal: Principal) -> ApiResult<Json<Preferences>> {
    let stored = store::preferences(&ctx.db, principal.user_id).await?;
    Ok(Json(stored.unwrap_or_default()))
}

/// Say what you like: categories, styles and a price range. Recommendations
/// use it until your interactions say more.
#[utoipa::path(put, path = "/api/me/preferences", tag = "recommendations", security(("bearer" = [])), request_body = Preferences,
    responses(
        (status = 200, body = Preferences),
    ))]
async fn put_preferences(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiJson(req): ApiJson<Preferences>,
) -> ApiResult<Json<Preferences>> {
    principal.require(Permission::Interact)?;
    let mut e = FieldErrors::new();
    let mut slugs = |field: &str, raw: &[String], max: usize| -> Vec<String> {
        if raw.len() > MAX_PREFERENCES {
            e.push(field, format!("at most {MAX_PREFERENCES} entries"));
        }
        let mut seen = Vec::new();
        for value in raw {
            match Slug::from_text(value, max) {
                Ok(slug) if !seen.contains(&slug.as_str().to_owned()) => seen.push(slug.into_string()),
                Ok(_) => {}
                Err(message) => e.push(field, message),
            }
        }
        seen
    };
    let categories = slugs("categories", &req.categories, 60);
    let styles = slugs("styles", &req.styles, 40);
    for (field, value) in [("min_price", req.min_price), ("max_price", req.max_price)] {
        if value.is_some_and(|v| v < 0) {
            e.push(field, "must not be negative");
        }
    }
    if let (Some(min), Some(max)) = (req.min_price, req.max_price)
        && min > max
    {
        e.push("max_price", "must not be below min_price");
    }
    let known = store::known_categories(&ctx.db, &categories).await?;
    if let Some(unknown) = categories.iter().find(|c| !known.contains(c)) {
        e.push("categories", format!("no such category: {unknown}"));
    }
    let preferences =
        e.finish(|| Some(Preferences { categories, styles, min_price: req.min_price, max_price: req.max_price }))?;
    store::put_preferences(&ctx.db, principal.user_id, &preferences).await?;
    Ok(Json(preferences))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecommendationQuery {
    /// 1–50, default 10.
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct Recommendation {
    #[serde(flatten)]
    pub card: ArtworkCard,
    /// Why it is here, in words for the collector.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecommendationPage {
    pub items: Vec<Recommendation>,
    /// `taste` when learnt from your interactions, `cold_start` when from your
    /// preferences and what is trending.
    pub source: String,
}

/// How many candidates diversification chooses from.
const CANDIDATES: usize = 120;
/// Works seen more recently than this are not recommended again.
const SEEN_DAYS: i32 = 14;
/// At most this many works by one artist among the first ten.
const PER_ARTIST_IN_TOP_TEN: usize = 2;
/// Relevance against novelty in maximal marginal relevance: 1 is pure relevance.
const MMR_LAMBDA: f32 = 0.7;

struct Candidate {
    id: Uuid,
    relevance: f32,
    reason: String,
}

/// Works picked for you: near your taste (learnt from what you viewed, liked,
/// saved and bought), or from your preferences and what is trending when there
/// is no history yet. Seen, owned and dismissed works are left out; no artist
/// takes more than two of the first ten places.
#[utoipa::path(get, path = "/api/me/recommendations", tag = "recommendations", security(("bearer" = [])), params(RecommendationQuery),
    responses(
        (status = 200, body = RecommendationPage),
        (status = 422),
    ))]
async fn recommendations(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiQuery(query): ApiQuery<RecommendationQuery>,
) -> ApiResult<Json<RecommendationPage>> {
    let limit = query.limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 50"));
    }
    Ok(Json(recommend(&ctx, principal.user_id, limit).await?))
}

/// Up to `limit` recommendations for a collector, best first.
pub async fn recommend(ctx: &AppContext, user_id: Uuid, limit: usize) -> anyhow::Result<RecommendationPage> {
    let vectors = ctx.discovery.vectors.clone();
    let mut conn = ctx.db.acquire().await?;
    let taste = taste::current(&mut conn, vectors.as_ref(), user_id).await?;
    let preferences = store::preferences(&mut *conn, user_id).await?.unwrap_or_default();
    let excluded = store::excluded_artworks(&mut conn, user_id, SEEN_DAYS).await?;
    let filter = VectorFilter {
        min_price: preferences.min_price,
        max_price: preferences.max_price,
        statuses: vec!["published".to_owned()],
        exclude: excluded.clone(),
        ..VectorFilter::default()
    };
    let (candidates, source) = match &taste.vector {
        Some(vector) => {
            let hits = vectors.search(vector, &filter, CANDIDATES).await?;
            let ids: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
            let known = vectors.vectors(&ids).await?;
            let signal_vectors =
                vectors.vectors(&taste.signals.iter().map(|s| s.artwork_id).collect::<Vec<_>>()).await?;
            let candidates = hits
                .into_iter()
                .map(|hit| Candidate {
                    id: hit.id,
                    relevance: hit.score,
                    reason: known.get(&hit.id).map_or_else(
                        || "Picked for your taste".to_owned(),
                        |v| because(v, &taste.signals, &signal_vectors),
                    ),
                })
                .collect();
            (candidates, "taste")
        }
        None => (cold_start(&mut conn, &preferences, &excluded).await?, "cold_start"),
    };
    let ids: Vec<Uuid> = candidates.iter().map(|c| c.id).collect();
    let mut cards = visible_cards(&mut conn, ctx.objects.as_ref(), &ids).await?;
    let candidate_vectors = vectors.vectors(&ids).await?;
    let picked = diversify(
        candidates.into_iter().filter(|c| cards.contains_key(&c.id)).collect(),
        &candidate_vectors,
        &cards,
        limit,
    );
    let items = picked
        .into_iter()
        .filter_map(|c| Some(Recommendation { card: cards.remove(&c.id)?, reason: c.reason }))
        .collect();
    Ok(RecommendationPage { items, source: source.to_owned() })
}

/// The remembered work most like the recommendation, named with what the
/// collector did with it.
fn because(vector: &[f32], signals: &[Signal], signal_vectors: &HashMap<Uuid, Vec<f32>>) -> String {
    let closest = signals
        .iter()
        .filter(|s| s.weight > 0.0)
        .filter_map(|s| signal_vectors.get(&s.artwork_id).map(|v| (s, dot(vector, v))))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match closest {
        Some((signal, _)) => {
            let verb = match signal.kind.as_str() {
                "purchase" => "bought",
                "save" => "saved",
                "like" => "liked",
                "share" => "shared",
                _ => "viewed",
            };
            format!("Because you {verb} “{}”", signal.title)
        }
        None => "Picked for your taste".to_owned(),
    }
}

/// Without history: works in the collector's preferred categories and styles
/// that others have engaged with lately, then the newest in them, then what is
/// trending anywhere.
async fn cold_start(
    conn: &mut sqlx::PgConnection,
    preferences: &Preferences,
    excluded: &[Uuid],
) -> anyhow::Result<Vec<Candidate>> {
    let rows = store::cold_start_candidates(conn, preferences, excluded, CANDIDATES as i64).await?;
    let has_preferences = !preferences.categories.is_empty() || !preferences.styles.is_empty();
    let count = rows.len().max(1) as f32;
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(rank, store::ColdStartRow { id, category_name: category, heat, preferred })| Candidate {
            id,
            relevance: 1.0 - rank as f32 / count,
            reason: match (preferred && has_preferences, heat > 0.0) {
                (true, true) => format!("Trending in {}, which you follow", category.to_lowercase()),
                (true, false) => format!("New in {}, which you follow", category.to_lowercase()),
                (false, true) => format!("Trending in {}", category.to_lowercase()),
                (false, false) => format!("New in {}", category.to_lowercase()),
            },
        })
        .collect())
}

/// Maximal marginal relevance with an artist cap: each pick balances its
/// relevance against its similarity to what is already picked, and no artist
/// gets more than two of the first ten places.
fn diversify(
    mut pool: Vec<Candidate>,
    vectors: &HashMap<Uuid, Vec<f32>>,
    cards: &HashMap<Uuid, ArtworkCard>,
    limit: usize,
) -> Vec<Candidate> {
    let mut picked: Vec<Candidate> = Vec::with_capacity(limit);
    let mut per_artist: HashMap<Uuid, usize> = HashMap::new();
    let mut seen: HashSet<Uuid> = HashSet::new();
    while picked.len() < limit && !pool.is_empty() {
        let in_top_ten = picked.len() < 10;
        let best = pool
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                let artist = cards.get(&c.id).map(|card| card.artist.id);
                !in_top_ten || artist.is_none_or(|a| per_artist.get(&a).copied().unwrap_or(0) < PER_ARTIST_IN_TOP_TEN)
            })
            .map(|(index, c)| {
                let redundancy = vectors.get(&c.id).map_or(0.0, |v| {
                    picked.iter().filter_map(|p| vectors.get(&p.id)).map(|w| dot(v, w)).fold(0.0f32, f32::max)
                });
                (index, MMR_LAMBDA * c.relevance - (1.0 - MMR_LAMBDA) * redundancy)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(index, _)| index);
        let Some(index) = best else {
            // Only over-represented artists remain for the top ten; take the rest
            // in relevance order.
            pool.sort_by(|a, b| b.relevance.total_cmp(&a.relevance));
            picked.extend(pool.drain(..).filter(|c| seen.insert(c.id)).take(limit - picked.len()));
            break;
        };
        let chosen = pool.swap_remove(index);
        if let Some(artist) = cards.get(&chosen.id).map(|card| card.artist.id) {
            *per_artist.entry(artist).or_default() += 1;
        }
        seen.insert(chosen.id);
        picked.push(chosen);
    }
    picked
}
