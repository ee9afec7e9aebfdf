//! The curated feed and `GET /api/feed`.
//!
//! A scheduled job (the local server's scheduler, `functions/curate-feed.rs`
//! on an EventBridge schedule, or Vercel's cron calling `/api/cron/curate`)
//! ranks public works by trending interactions, freshness and listing quality,
//! spreads artists and categories across each page, and stores the pages in
//! the key-value port. Visitors page through them; signed-in collectors get a
//! blend of their recommendations, curated and fresh works, fixed for the
//! session so no work repeats across pages.

use std::{collections::HashSet, time::Duration};

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::store::{self, Scored};
use crate::{
    app::AppContext,
    auth::MaybePrincipal,
    platform::{
        http::error::{ApiError, ApiResult},
        http::rate_limit::{self, Limit},
        http::{ApiQuery, bearer_matches},
    },
    search::cards::{ArtworkCard, visible_cards},
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new().routes(rate_limit::limited(Limit::Feed, routes!(feed))).routes(routes!(cron_curate))
}

pub const PAGE_SIZE: usize = 24;
const CURATED_PAGES: usize = 20;
/// Stored pages outlive several scheduled runs, so a missed run is harmless.
const CURATED_TTL: Duration = Duration::from_secs(2 * 24 * 3600);
/// A signed-in collector's blended feed is fixed for this long.
const SESSION_TTL: Duration = Duration::from_secs(3600);
const CURATED_KEY: &str = "feed:curated";
/// On one page: at most one work per artist and four per category.
const PER_ARTIST_PER_PAGE: usize = 1;
const PER_CATEGORY_PER_PAGE: usize = 4;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct StoredFeed {
    computed_at: chrono::DateTime<chrono::Utc>,
    /// Ordered artwork ids with the source and reason of each.
    entries: Vec<FeedEntry>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct FeedEntry {
    id: Uuid,
    source: String,
    reason: Option<String>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct CurationReport {
    pub works: usize,
    pub pages: usize,
}

/// Ranks every public work and stores the curated pages.
pub async fn curate(ctx: &AppContext) -> anyhow::Result<CurationReport> {
    let scored = store::scored_public_works(&ctx.db).await?;
    let max_trending = scored.iter().map(|s| s.trending).fold(0.0, f64::max);
    let mut ranked: Vec<(f64, &Scored)> = scored
        .iter()
        .map(|s| {
            let trending = if max_trending > 0.0 { (s.trending / max_trending).max(0.0) } else { 0.0 };
            (0.45 * trending + 0.3 * s.freshness + 0.25 * s.quality, s)
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.id.cmp(&a.1.id)));
    let entries = spread(ranked.into_iter().map(|(_, s)| s).collect(), CURATED_PAGES * PAGE_SIZE)
        .into_iter()
        .map(|s| FeedEntry {
            id: s.id,
            source: "curated".to_owned(),
            reason: (s.trending > 0.0).then(|| "Trending now".to_owned()),
        })
        .collect::<Vec<_>>();
    let report = CurationReport { works: entries.len(), pages: entries.len().div_ceil(PAGE_SIZE) };
    let stored = StoredFeed { computed_at: chrono::Utc::now(), entries };
    ctx.kv.put(CURATED_KEY, &serde_json::to_vec(&stored)?, CURATED_TTL).await?;
    tracing::info!(works = report.works, pages = report.pages, "curated feed stored");
    Ok(report)
}

/// Fills pages in rank order, deferring a work to a later page when its
/// artist or category already has its share of the current one.
fn spread(ranked: Vec<&Scored>, max: usize) -> Vec<&Scored> {
    let mut out: Vec<&Scored> = Vec::with_capacity(max.min(ranked.len()));
    let mut waiting = ranked;
    while out.len() < max && !waiting.is_empty() {
        let page_start = out.len() - out.len() % PAGE_SIZE;
        let on_page = &out[page_start..];
        let fits = |s: &&Scored| {
            on_page.iter().filter(|o| o.artist_id == s.artist_id).count() < PER_ARTIST_PER_PAGE
                && on_page.iter().filter(|o| o.category == s.category).count() < PER_CATEGORY_PER_PAGE
        };
        // When nothing fits the page's spread, the best remaining work goes anyway.
        let index = waiting.iter().position(fits).unwrap_or(0);
        out.push(waiting.remove(index));
    }
    out
}

async fn curated(ctx: &AppContext) -> anyhow::Result<StoredFeed> {
    if let Some(bytes) = ctx.kv.get(CURATED_KEY).await?
        && let Ok(feed) = serde_json::from_slice::<StoredFeed>(&bytes)
    {
        return Ok(feed);
    }
    // First request before the first scheduled run.
    curate(ctx).await?;
    let bytes = ctx.kv.get(CURATED_KEY).await?.ok_or_else(|| anyhow::anyhow!("the curated feed was not stored"))?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// A signed-in collector's feed for this session: per page about half
/// recommendations, a third curated and the rest the freshest listings,
/// each work once.
async fn blended(ctx: &AppContext, user_id: Uuid) -> anyhow::Result<Vec<FeedEntry>> {
    let personal = super::recommendations::recommend(ctx, user_id, 50).await?;
    let curated = curated(ctx).await?.entries;
    let fresh = store::freshest_public_works(&ctx.db).await?;
    let mut personal = personal.items.into_iter().map(|r| FeedEntry {
        id: r.card.id,
        source: "recommended".to_owned(),
        reason: Some(r.reason),
    });
    let mut curated = curated.into_iter();
    let mut fresh = fresh.into_iter().map(|id| FeedEntry {
        id,
        source: "fresh".to_owned(),
        reason: Some("Just listed".to_owned()),
    });
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    // A repeating pattern of twelve slots: 6 recommended, 4 curated, 2 fresh;
    // a source that runs dry gives its slot to the next.
    let pattern = [0, 1, 0, 2, 0, 1, 0, 1, 0, 2, 0, 1];
    let mut slot = 0;
    let mut dry = [false; 3];
    while out.len() < CURATED_PAGES * PAGE_SIZE && !dry.iter().all(|d| *d) {
        let wanted = pattern[slot % pattern.len()];
        slot += 1;
        let order = [wanted, (wanted + 1) % 3, (wanted + 2) % 3];
        for source in order {
            let next = match source {
                0 => personal.find(|e| !seen.contains(&e.id)),
                1 => curated.find(|e| !seen.contains(&e.id)),
                _ => fresh.find(|e| !seen.contains(&e.id)),
            };
            match next {
                Some(entry) => {
                    seen.insert(entry.id);
                    out.push(entry);
                    break;
                }
                None => dry[source] = true,
            }
        }
    }
    Ok(out)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// From the previous page's `next_cursor`: the page, and for signed-in
    /// collectors the feed session it belongs to.
    #[param(pattern = r"^1?[0-9](\.[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})?$")]
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FeedItem {
    #[serde(flatten)]
    pub card: ArtworkCard,
    /// `recommended`, `curated` or `fresh`.
    pub source: String,
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FeedPage {
    pub items: Vec<FeedItem>,
    pub next_cursor: Option<String>,
}

/// A signed-in collector's blended feed, and the session its cursors name.
#[derive(Serialize, Deserialize)]
struct SessionFeed {
    session: Uuid,
    entries: Vec<FeedEntry>,
}

/// Where a reader is in the feed, written `{page}` or `{page}.{session}`.
struct Cursor {
    /// The blended session's key, for signed-in collectors.
    session: Option<Uuid>,
    page: usize,
}

impl Cursor {
    fn encode(&self) -> String {
        match self.session {
            Some(session) => format!("{}.{session}", self.page),
            None => self.page.to_string(),
        }
    }

    /// Accepts exactly what the document's pattern for feed cursors does: a
    /// page below [`CURATED_PAGES`] (one or two digits, the first of two a 1),
    /// then optionally a dot and a hyphenated session id.
    fn decode(raw: &str) -> Option<Self> {
        let (page, session) = match raw.split_once('.') {
            Some((page, session)) => (page, Some(session)),
            None => (raw, None),
        };
        let digits = page.bytes().all(|b| b.is_ascii_digit());
        let canonical = page.len() == 1 || (page.len() == 2 && page.starts_with('1'));
        let page = page.parse().ok().filter(|page| digits && canonical && *page < CURATED_PAGES)?;
        let session = match session {
            Some(id) if id.len() == 36 => Some(Uuid::try_parse(id).ok()?),
            Some(_) => return None,
            None => None,
        };
        Some(Self { session, page })
    }
}

/// The home feed: curated pages for visitors; for signed-in collectors a blend
/// of their recommendations, curated and fresh works. No work repeats across
/// the pages of one feed.
#[utoipa::path(get, path = "/api/feed", tag = "recommendations", security((), ("bearer" = [])), params(FeedQuery),
    responses(
        (status = 200, body = FeedPage),
        (status = 422),
    ))]
async fn feed(
    State(ctx): State<AppContext>,
    MaybePrincipal(principal): MaybePrincipal,
    ApiQuery(query): ApiQuery<FeedQuery>,
) -> ApiResult<Json<FeedPage>> {
    let cursor = match query.cursor.as_deref() {
        None => Cursor { session: None, page: 0 },
        Some(raw) => {
            Cursor::decode(raw).ok_or_else(|| ApiError::field("cursor", "is not a cursor from a previous page"))?
        }
    };
    let (entries, session) = match principal {
        None => (curated(&ctx).await?.entries, None),
        Some(principal) => {
            // One stored feed per collector, replaced by each new first page:
            // reloading the home page cannot pile up entries in the store.
            let key = format!("feed:session:{}", principal.user_id);
            let stored = match cursor.session {
                Some(session) => ctx
                    .kv
                    .get(&key)
                    .await?
                    .and_then(|b| serde_json::from_slice::<SessionFeed>(&b).ok())
                    .filter(|stored| stored.session == session),
                None => None,
            };
            match stored {
                Some(stored) => (stored.entries, Some(stored.session)),
                // A new feed, or an expired or replaced one: start over.
                None => {
                    let stored =
                        SessionFeed { session: Uuid::now_v7(), entries: blended(&ctx, principal.user_id).await? };
                    ctx.kv.put(&key, &serde_json::to_vec(&stored).map_err(anyhow::Error::from)?, SESSION_TTL).await?;
                    (stored.entries, Some(stored.session))
                }
            }
        }
    };
    let page: Vec<&FeedEntry> = entries.iter().skip(cursor.page * PAGE_SIZE).take(PAGE_SIZE).collect();
    let ids: Vec<Uuid> = page.iter().map(|e| e.id).collect();
    let mut conn = ctx.db.acquire().await?;
    let mut cards = visible_cards(&mut conn, ctx.objects.as_ref(), &ids).await?;
    let items = page
        .into_iter()
        .filter_map(|e| {
            Some(FeedItem { card: cards.remove(&e.id)?, source: e.source.clone(), reason: e.reason.clone() })
        })
        .collect();
    let more = entries.len() > (cursor.page + 1) * PAGE_SIZE;
    let next_cursor = more.then(|| Cursor { session, page: cursor.page + 1 }.encode());
    Ok(Json(FeedPage { items, next_cursor }))
}

#[derive(Serialize, ToSchema)]
pub struct CurationRun {
    pub works: usize,
    pub pages: usize,
}

/// Recompute the curated feed, purge old search queries and sweep stalled mail (Vercel Cron). Requires `Authorization: Bearer
/// <CRON_SECRET>`; without a configured secret the route does not exist.
#[utoipa::path(get, path = "/api/cron/curate", tag = "recommendations",
    responses(
        (status = 200, body = CurationRun),
        (status = 401),
        (status = 404),
    ))]
async fn cron_curate(State(ctx): State<AppContext>, headers: HeaderMap) -> ApiResult<(StatusCode, Json<CurationRun>)> {
    let Some(secret) = ctx.config.cron_secret.as_ref() else {
        return Err(ApiError::NotFound("no such route".to_owned()));
    };
    if !bearer_matches(&headers, secret) {
        return Err(ApiError::Unauthorized("the cron secret is missing or wrong".to_owned()));
    }
    let report = curate(&ctx).await?;
    // The one scheduled run of upkeep Vercel has: it keeps search analytics
    // within their retention and queues stalled mail again too.
    crate::search::purge_old_queries(&ctx).await?;
    crate::mail::sweep(&ctx).await?;
    Ok((StatusCode::OK, Json(CurationRun { works: report.works, pages: report.pages })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_name_a_page_and_the_session() {
        let session = Uuid::now_v7();
        let cursor = Cursor::decode(&Cursor { session: Some(session), page: 19 }.encode()).unwrap();
        assert_eq!((cursor.session, cursor.page), (Some(session), 19));
        assert_eq!(Cursor::decode("0").map(|c| (c.session, c.page)), Some((None, 0)));
        for bad in ["", "20", "05", "+1", "1.", &format!("1.{}", session.simple()), "garbage"] {
            assert!(Cursor::decode(bad).is_none(), "{bad:?}");
        }
    }
}
