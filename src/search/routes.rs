//! `GET /api/search`: keyword, semantic or hybrid search with filters, facets
//! and the reason each result matched.

use axum::{Json, extract::State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    SearchFilter,
    cards::{ArtworkCard, visible_cards},
    fusion::{Fused, reciprocal_rank_fusion},
    keyword,
    store::{self, LoggedQuery},
    vector_filter,
};
use crate::{
    app::AppContext,
    auth::MaybePrincipal,
    catalog::{artists, artworks::store as artwork_store, domain::Slug},
    collections::{self, views::CollectionSummary},
    platform::{
        http::ApiQuery,
        http::error::{ApiError, ApiResult, FieldErrors},
        http::rate_limit::{self, Limit},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new().routes(rate_limit::limited(Limit::Search, routes!(search)))
}

/// Each side contributes at most this many candidates; results and facets are
/// computed over their union.
const CANDIDATES_PER_SIDE: i64 = 200;
/// Collections shown with the first page of works.
const COLLECTIONS: usize = 5;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SearchMode {
    /// Both sides, fused by rank.
    #[default]
    Hybrid,
    /// Words only: full text with typo tolerance.
    Keyword,
    /// Meaning only: nearest neighbours of the query's embedding.
    Semantic,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What the collector typed; 1–200 characters, not all spaces, no control
    /// characters.
    #[param(max_length = 200, pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$")]
    pub q: String,
    /// hybrid (default), keyword or semantic.
    pub mode: Option<SearchMode>,
    /// Category slug; includes its sub-categories.
    #[param(max_length = 60, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub category: Option<String>,
    /// A style as typed or as its slug.
    #[param(max_length = 40, pattern = r"[\p{L}\p{N}]")]
    pub style: Option<String>,
    /// Artist id or slug.
    #[param(min_length = 1, max_length = 60)]
    pub artist: Option<String>,
    /// In minor units.
    #[param(minimum = 0)]
    pub min_price: Option<i64>,
    /// In minor units.
    #[param(minimum = 0)]
    pub max_price: Option<i64>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    /// 1–50, default 20.
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
    /// The previous page's `next_cursor`: how many results it has passed, up to 10000.
    #[param(pattern = r"^([0-9]{1,4}|10000)$")]
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    #[serde(flatten)]
    pub card: ArtworkCard,
    /// Fused relevance; only comparable within one response.
    pub score: f32,
    /// Which sides found it: `keyword`, `semantic` or both.
    pub matched: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub label: String,
    pub count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PriceBucket {
    pub label: String,
    /// In minor units, inclusive; absent for the open-ended top bucket.
    pub min: i64,
    pub max: Option<i64>,
    pub count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Facets {
    pub categories: Vec<FacetCount>,
    pub styles: Vec<FacetCount>,
    pub prices: Vec<PriceBucket>,
}

/// What kind of thing a result other than a work is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResultKind {
    Collection,
}

/// A public collection whose title matches the query.
#[derive(Serialize, ToSchema)]
pub struct CollectionHit {
    /// Always `collection`.
    pub kind: ResultKind,
    pub collection: CollectionSummary,
}

#[derive(Serialize, ToSchema)]
pub struct SearchPage {
    /// This answer's id: send it with the result the searcher opens
    /// (`POST /api/search/clicks`).
    pub search_id: Uuid,
    pub mode: SearchMode,
    pub items: Vec<SearchHit>,
    /// On the first page only, when any match: up to five public collections
    /// whose title matches the query (editorial ones first), each with works
    /// on view. Filters apply to works, not to these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<CollectionHit>,
    /// Matches across all pages (up to the candidate limit of each side).
    pub total: usize,
    pub facets: Facets,
    pub next_cursor: Option<String>,
}

struct Parsed {
    text: String,
    mode: SearchMode,
    filter: SearchFilter,
    limit: usize,
    offset: usize,
}

async fn parse(ctx: &AppContext, query: SearchQuery) -> ApiResult<Parsed> {
    let mut e = FieldErrors::new();
    let text = query.q.trim().to_owned();
    if text.is_empty() || text.chars().count() > 200 {
        e.push("q", "must be 1–200 characters");
    } else if query.q.chars().any(char::is_control) {
        e.push("q", "must not contain control characters");
    }
    let limit = query.limit.unwrap_or(20);
    if !(1..=50).contains(&limit) {
        e.push("limit", "must be between 1 and 50");
    }
    let offset = match query.cursor.as_deref().map(decode_cursor) {
        None => Some(0),
        Some(Ok(offset)) => Some(offset),
        Some(Err(())) => {
            e.push("cursor", "is not a cursor from a previous page");
            None
        }
    };
    for (field, value) in [("min_price", query.min_price), ("max_price", query.max_price)] {
        if value.is_some_and(|v| v < 0) {
            e.push(field, "must not be negative");
        }
    }
    let category = e.check("category", query.category.as_deref().map(|c| Slug::parse(c.trim(), 60)).transpose());
    let style = e.check("style", query.style.as_deref().map(|s| Slug::from_text(s, 40)).transpose());
    let mut conn = ctx.db.acquire().await?;
    let category_ids = match &category {
        Some(Some(slug)) => {
            let ids = artwork_store::category_with_descendants(&mut conn, slug).await?;
            if ids.is_empty() {
                e.push("category", "no such category");
            }
            Some(ids)
        }
        _ => None,
    };
    let artist_id = match query.artist.as_deref() {
        None => None,
        Some(key) => {
            let found = artists::resolve(&mut conn, key).await?;
            if found.is_none() {
                e.push("artist", "no such artist");
            }
            found
        }
    };
    e.finish(|| {
        Some(Parsed {
            text,
            mode: query.mode.unwrap_or_default(),
            filter: SearchFilter {
                category: category?,
                category_ids,
                style: style?,
                artist_id,
                min_price: query.min_price,
                max_price: query.max_price,
                year_from: query.year_from,
                year_to: query.year_to,
            },
            limit: limit as usize,
            offset: offset?,
        })
    })
}

fn encode_cursor(offset: usize) -> String {
    offset.to_string()
}

/// Accepts exactly what the document's pattern for cursors does.
fn decode_cursor(raw: &str) -> Result<usize, ()> {
    let digits = !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit());
    if digits && (raw.len() <= 4 || raw == "10000") { raw.parse().map_err(|_| ()) } else { Err(()) }
}

/// The fused ranking of a query in a mode: what the route pages through and
/// what the evaluation harness scores.
pub async fn rank(ctx: &AppContext, text: &str, mode: SearchMode, filter: &SearchFilter) -> ApiResult<Vec<Fused>> {
    let keyword_ranking = if mode == SearchMode::Semantic {
        Vec::new()
    } else {
        let mut conn = ctx.db.acquire().await?;
        keyword::ranked(&mut conn, text, filter, CANDIDATES_PER_SIDE).await?
    };
    let semantic = if mode == SearchMode::Keyword { Vec::new() } else { semantic_ranking(ctx, text, filter).await? };
    Ok(reciprocal_rank_fusion(&keyword_ranking, &semantic, ctx.config.search_keyword_weight))
}

/// The semantic side's ranking: nearest neighbours of the query's embedding.
async fn semantic_ranking(ctx: &AppContext, text: &str, filter: &SearchFilter) -> ApiResult<Vec<Uuid>> {
    let embedder = ctx.discovery.embedder().await.map_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "the embedder is unavailable");
        ApiError::Unavailable("semantic search is unavailable right now; try mode=keyword".to_owned())
    })?;
    let vector = embedder.embed(&[text.to_owned()]).await?.pop().ok_or_else(|| anyhow::anyhow!("no query vector"))?;
    let hits = ctx.discovery.vectors.search(&vector, &vector_filter(filter), CANDIDATES_PER_SIDE as usize).await?;
    Ok(hits.into_iter().map(|hit| hit.id).collect())
}

/// Search the catalogue by words, by meaning, or both (the default). Filters
/// apply to both sides; facets count the whole filtered result set. The
/// first page also names public collections whose title matches.
#[utoipa::path(get, path = "/api/search", tag = "search", security((), ("bearer" = [])), params(SearchQuery),
    responses(
        (status = 200, body = SearchPage),
        (status = 422),
        (status = 503, description = "Semantic search is unavailable"),
    ))]
async fn search(
    State(ctx): State<AppContext>,
    MaybePrincipal(principal): MaybePrincipal,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<SearchPage>> {
    let started = std::time::Instant::now();
    let search_id = Uuid::now_v7();
    let parsed = parse(&ctx, query).await?;
    let fused = rank(&ctx, &parsed.text, parsed.mode, &parsed.filter).await?;
    let mut conn = ctx.db.acquire().await?;
    let candidate_ids: Vec<Uuid> = fused.iter().map(|f| f.id).collect();
    let mut cards = visible_cards(&mut conn, ctx.objects.as_ref(), &candidate_ids).await?;
    let visible: Vec<_> = fused.into_iter().filter(|f| cards.contains_key(&f.id)).collect();
    let visible_ids: Vec<Uuid> = visible.iter().map(|f| f.id).collect();
    let facets = facets(&mut conn, &visible_ids).await?;
    let items: Vec<SearchHit> = visible
        .iter()
        .skip(parsed.offset)
        .take(parsed.limit)
        .filter_map(|f| {
            let matched = [(f.keyword, "keyword"), (f.semantic, "semantic")]
                .into_iter()
                .filter(|(hit, _)| *hit)
                .map(|(_, side)| side.to_owned())
                .collect();
            Some(SearchHit { card: cards.remove(&f.id)?, score: f.score, matched })
        })
        .collect();
    let total = visible_ids.len();
    let next_offset = parsed.offset + items.len();
    let shown: Vec<Uuid> = items.iter().map(|hit| hit.card.id).collect();
    let collections = if parsed.offset == 0 {
        collections::search_public(&mut conn, ctx.objects.as_ref(), &parsed.text, principal.as_ref(), COLLECTIONS)
            .await?
            .into_iter()
            .map(|collection| CollectionHit { kind: ResultKind::Collection, collection })
            .collect()
    } else {
        Vec::new()
    };
    let page = SearchPage {
        search_id,
        mode: parsed.mode,
        collections,
        next_cursor: (next_offset < total).then(|| encode_cursor(next_offset)),
        items,
        total,
        facets,
    };
    let logged = Logged { search_id, user_id: principal.map(|p| p.user_id), results: total, shown: &shown };
    log_query(&ctx, &parsed, logged, started.elapsed()).await;
    Ok(Json(page))
}

async fn facets(conn: &mut sqlx::PgConnection, ids: &[Uuid]) -> sqlx::Result<Facets> {
    let categories = store::category_counts(conn, ids).await?;
    let styles = store::style_counts(conn, ids).await?;
    // Bucket edges in minor units: under 500, 500–2,000, 2,000–10,000, over 10,000.
    const EDGES: [(i64, Option<i64>, &str); 4] = [
        (0, Some(49_999), "Under 500"),
        (50_000, Some(199_999), "500 – 2,000"),
        (200_000, Some(999_999), "2,000 – 10,000"),
        (1_000_000, None, "Over 10,000"),
    ];
    let prices = store::prices(conn, ids).await?;
    Ok(Facets {
        categories: categories.into_iter().map(|(value, label, count)| FacetCount { value, label, count }).collect(),
        styles: styles
            .into_iter()
            .map(|(value, count)| FacetCount { label: value.replace('-', " "), value, count })
            .collect(),
        prices: EDGES
            .iter()
            .map(|(min, max, label)| PriceBucket {
                label: (*label).to_owned(),
                min: *min,
                max: *max,
                count: prices.iter().filter(|p| **p >= *min && max.is_none_or(|m| **p <= m)).count() as i64,
            })
            .collect(),
    })
}

/// What one answer showed, for the query log.
struct Logged<'a> {
    search_id: Uuid,
    user_id: Option<Uuid>,
    results: usize,
    shown: &'a [Uuid],
}

/// Query analytics, and the impressions of the page answered. A failure to
/// log never fails the search.
async fn log_query(ctx: &AppContext, parsed: &Parsed, logged: Logged<'_>, latency: std::time::Duration) {
    let filter = &parsed.filter;
    let filters = serde_json::json!({
        "category": filter.category.as_ref().map(Slug::as_str),
        "style": filter.style.as_ref().map(Slug::as_str),
        "artist_id": filter.artist_id,
        "min_price": filter.min_price,
        "max_price": filter.max_price,
        "year_from": filter.year_from,
        "year_to": filter.year_to,
    });
    let mode = serde_json::to_value(parsed.mode).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let written = store::log_query(
        &ctx.db,
        LoggedQuery {
            id: logged.search_id,
            user_id: logged.user_id,
            query: &parsed.text,
            mode,
            filters,
            result_count: logged.results as i32,
            latency_ms: latency.as_millis() as i32,
            shown: logged.shown,
            // Cursors are offsets of at most 10,000.
            first_position: parsed.offset as i32 + 1,
        },
    )
    .await;
    if let Err(e) = written {
        tracing::warn!(error = %e, "logging a search query failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_offsets_up_to_ten_thousand() {
        assert_eq!(decode_cursor(&encode_cursor(24)), Ok(24));
        assert_eq!(decode_cursor("10000"), Ok(10_000));
        for bad in ["", "10001", "00001", "+5", "nonsense"] {
            assert!(decode_cursor(bad).is_err(), "{bad:?}");
        }
    }
}
