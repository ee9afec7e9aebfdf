//! `/api/me/insights`: an artist's dashboard over a period, overall and per
//! work, read from the daily rollups only.

use std::collections::{BTreeMap, HashMap};

use axum::{Json, extract::State};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    domain::{Conversion, Counts, Metrics, Period, revenue},
    store::{self, DayRevenue, DayRow},
};
use crate::{
    app::AppContext,
    auth::{Permission, Principal},
    catalog::{artists::artist_of_user, artworks::store as artworks, domain::ArtworkStatus},
    platform::http::{
        ApiPath, ApiQuery,
        error::{ApiError, ApiResult},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(routes!(my_insights))
        .routes(routes!(my_work_insights_page))
        .routes(routes!(my_work_insights))
}

/// How many of the works the overall dashboard lists.
const TOP_WORKS: usize = 10;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// First day (UTC), `YYYY-MM-DD`; defaults to 29 days before `to`.
    pub from: Option<NaiveDate>,
    /// Last day (UTC), included; defaults to today. At most 366 days after `from`.
    pub to: Option<NaiveDate>,
}

/// One day of a series; days without activity are there, with zeros.
#[derive(Serialize, ToSchema)]
pub struct DayMetrics {
    pub day: NaiveDate,
    #[serde(flatten)]
    pub metrics: Metrics,
}

/// One work's numbers over the period.
#[derive(Serialize, ToSchema)]
pub struct WorkInsights {
    pub artwork_id: Uuid,
    pub title: String,
    pub status: ArtworkStatus,
    #[serde(flatten)]
    pub metrics: Metrics,
    pub conversion: Conversion,
}

/// The signed-in artist's dashboard.
#[derive(Serialize, ToSchema)]
pub struct ArtistInsights {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// When the numbers were last rolled up (they are refreshed every few
    /// minutes); null if none of the period's days ever were.
    pub as_of: Option<DateTime<Utc>>,
    /// All the artist's works over the whole period. `orders` counts each
    /// order once, however many works it holds.
    pub totals: Metrics,
    pub conversion: Conversion,
    /// Every day of the period, in order.
    pub daily: Vec<DayMetrics>,
    /// The works most viewed in the period, at most ten; the whole list is
    /// `GET /api/me/insights/works`.
    pub top_works: Vec<WorkInsights>,
}

/// Which number a list of works is ordered by, largest first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkSort {
    #[default]
    Views,
    Likes,
    Saves,
    Shares,
    SearchImpressions,
    SearchClicks,
    Offers,
    Orders,
}

impl WorkSort {
    fn key(self, counts: &Counts) -> i64 {
        match self {
            Self::Views => counts.views,
            Self::Likes => counts.likes,
            Self::Saves => counts.saves,
            Self::Shares => counts.shares,
            Self::SearchImpressions => counts.impressions,
            Self::SearchClicks => counts.clicks,
            Self::Offers => counts.offers,
            Self::Orders => counts.orders,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorksQuery {
    /// First day (UTC), `YYYY-MM-DD`; defaults to 29 days before `to`.
    pub from: Option<NaiveDate>,
    /// Last day (UTC), included; defaults to today. At most 366 days after `from`.
    pub to: Option<NaiveDate>,
    /// What to order by, largest first (default `views`); ties by work.
    #[param(inline)]
    pub sort: Option<WorkSort>,
    /// 1–100, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The previous page's `next_cursor`.
    #[param(pattern = r"^[0-9]{1,6}$")]
    pub cursor: Option<String>,
}

/// Every one of the artist's works, whatever its status, with its numbers.
#[derive(Serialize, ToSchema)]
pub struct WorkInsightsPage {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub as_of: Option<DateTime<Utc>>,
    pub sort: WorkSort,
    pub items: Vec<WorkInsights>,
    /// How many works the artist has.
    pub total: usize,
    pub next_cursor: Option<String>,
}

/// One work's dashboard.
#[derive(Serialize, ToSchema)]
pub struct ArtworkInsights {
    pub artwork_id: Uuid,
    pub title: String,
    pub status: ArtworkStatus,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub as_of: Option<DateTime<Utc>>,
    pub totals: Metrics,
    pub conversion: Conversion,
    /// Every day of the period, in order.
    pub daily: Vec<DayMetrics>,
}

/// The caller's artist profile, if they have made one. Only artists have insights.
async fn my_artist(ctx: &AppContext, principal: &Principal) -> ApiResult<Option<Uuid>> {
    principal.require(Permission::SellArtworks)?;
    let mut conn = ctx.db.acquire().await?;
    Ok(artist_of_user(&mut conn, principal.user_id).await?)
}

fn period(from: Option<NaiveDate>, to: Option<NaiveDate>) -> ApiResult<Period> {
    Period::parse(from, to, Utc::now().date_naive())
}

/// A series with a row for every day of the period, and its total.
fn series(period: Period, days: Vec<DayRow>, revenues: &[DayRevenue]) -> (Vec<DayMetrics>, Counts) {
    let mut by_day: HashMap<NaiveDate, Counts> = days.into_iter().map(|row| (row.day, row.counts)).collect();
    let mut revenue_by_day: HashMap<NaiveDate, BTreeMap<String, i64>> = HashMap::new();
    for r in revenues {
        *revenue_by_day.entry(r.day).or_default().entry(r.currency.clone()).or_default() += r.amount_minor;
    }
    let mut total = Counts::default();
    let daily = period
        .days()
        .map(|day| {
            let counts = by_day.remove(&day).unwrap_or_default();
            total = total.plus(counts);
            let earned = revenue_by_day.get(&day).map(revenue).unwrap_or_default();
            DayMetrics { day, metrics: Metrics::new(counts, earned) }
        })
        .collect();
    (daily, total)
}

fn total_revenue(revenues: &[DayRevenue]) -> BTreeMap<String, i64> {
    let mut total = BTreeMap::new();
    for r in revenues {
        *total.entry(r.currency.clone()).or_default() += r.amount_minor;
    }
    total
}

/// Every work of the artist with its numbers over the period, in `sort` order.
async fn works(ctx: &AppContext, artist_id: Uuid, period: Period, sort: WorkSort) -> ApiResult<Vec<WorkInsights>> {
    let mut conn = ctx.db.acquire().await?;
    let works = artworks::works_of_artist(&mut conn, artist_id).await?;
    let ids: Vec<Uuid> = works.iter().map(|w| w.id).collect();
    let mut totals: HashMap<Uuid, Counts> = store::work_totals(&mut conn, &ids, period.from(), period.to())
        .await?
        .into_iter()
        .map(|row| (row.artwork_id, row.counts))
        .collect();
    let mut earned: HashMap<Uuid, BTreeMap<String, i64>> = HashMap::new();
    for row in store::works_revenue(&mut conn, artist_id, period.from(), period.to()).await? {
        earned.entry(row.artwork_id).or_default().insert(row.currency, row.amount_minor);
    }
    let mut rows: Vec<(Counts, WorkInsights)> = works
        .into_iter()
        .map(|work| {
            let counts = totals.remove(&work.id).unwrap_or_default();
            let money = earned.get(&work.id).map(revenue).unwrap_or_default();
            let insights = WorkInsights {
                artwork_id: work.id,
                title: work.title,
                status: work.status,
                metrics: Metrics::new(counts, money),
                conversion: Conversion::from(counts),
            };
            (counts, insights)
        })
        .collect();
    rows.sort_by(|(a, wa), (b, wb)| sort.key(b).cmp(&sort.key(a)).then(wa.artwork_id.cmp(&wb.artwork_id)));
    Ok(rows.into_iter().map(|(_, insights)| insights).collect())
}

/// Your insights as an artist over a period: totals, a daily series of every
/// number, conversion from view to save to order, and your most viewed works.
/// Counts come from daily rollups refreshed every few minutes; days are UTC.
#[utoipa::path(get, path = "/api/me/insights", tag = "insights", security(("bearer" = [])), params(PeriodQuery),
    responses(
        (status = 200, body = ArtistInsights),
        (status = 403, description = "Not an artist account"),
        (status = 422, description = "`from` after `to`, or a period longer than 366 days"),
    ))]
async fn my_insights(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<ArtistInsights>> {
    let artist = my_artist(&ctx, &principal).await?;
    let period = period(query.from, query.to)?;
    let (days, revenues, top_works) = match artist {
        Some(artist_id) => {
            let mut conn = ctx.db.acquire().await?;
            let days = store::artist_days(&mut conn, artist_id, period.from(), period.to()).await?;
            let revenues = store::artist_revenue_days(&mut conn, artist_id, period.from(), period.to()).await?;
            drop(conn);
            let mut top = works(&ctx, artist_id, period, WorkSort::Views).await?;
            top.truncate(TOP_WORKS);
            (days, revenues, top)
        }
        None => Default::default(),
    };
    let mut conn = ctx.db.acquire().await?;
    let as_of = store::as_of(&mut conn, period.from(), period.to()).await?;
    let (daily, total) = series(period, days, &revenues);
    Ok(Json(ArtistInsights {
        from: period.from(),
        to: period.to(),
        as_of,
        totals: Metrics::new(total, revenue(&total_revenue(&revenues))),
        conversion: Conversion::from(total),
        daily,
        top_works,
    }))
}

fn decode_cursor(raw: &str) -> ApiResult<usize> {
    let valid = (1..=6).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit());
    valid
        .then(|| raw.parse().ok())
        .flatten()
        .ok_or_else(|| ApiError::field("cursor", "is not a cursor from a previous page"))
}

/// Every one of your works with its numbers over a period, ordered by one
/// of them: the dashboard's table.
#[utoipa::path(get, path = "/api/me/insights/works", tag = "insights", security(("bearer" = [])), params(WorksQuery),
    responses(
        (status = 200, body = WorkInsightsPage),
        (status = 403, description = "Not an artist account"),
        (status = 422, description = "A bad period, limit or cursor"),
    ))]
async fn my_work_insights_page(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiQuery(query): ApiQuery<WorksQuery>,
) -> ApiResult<Json<WorkInsightsPage>> {
    let artist = my_artist(&ctx, &principal).await?;
    let period = period(query.from, query.to)?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 100"));
    }
    let offset = query.cursor.as_deref().map(decode_cursor).transpose()?.unwrap_or(0);
    let sort = query.sort.unwrap_or_default();
    let all = match artist {
        Some(artist_id) => works(&ctx, artist_id, period, sort).await?,
        None => Vec::new(),
    };
    let total = all.len();
    let items: Vec<WorkInsights> = all.into_iter().skip(offset).take(limit as usize).collect();
    let next = offset + items.len();
    let mut conn = ctx.db.acquire().await?;
    Ok(Json(WorkInsightsPage {
        from: period.from(),
        to: period.to(),
        as_of: store::as_of(&mut conn, period.from(), period.to()).await?,
        sort,
        next_cursor: (next < total && !items.is_empty()).then(|| next.to_string()),
        items,
        total,
    }))
}

/// One of your works over a period: totals, a daily series of every number
/// and its conversion.
#[utoipa::path(get, path = "/api/me/insights/works/{artwork_id}", tag = "insights", security(("bearer" = [])),
    params(("artwork_id" = Uuid, Path), PeriodQuery),
    responses(
        (status = 200, body = ArtworkInsights),
        (status = 403, description = "Not an artist account"),
        (status = 404, description = "No such work of yours"),
        (status = 422, description = "`from` after `to`, or a period longer than 366 days"),
    ))]
async fn my_work_insights(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(artwork_id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<ArtworkInsights>> {
    let artist = my_artist(&ctx, &principal).await?;
    let period = period(query.from, query.to)?;
    let mut conn = ctx.db.acquire().await?;
    let work = match (artist, artworks::get(&mut conn, artwork_id).await?) {
        (Some(artist_id), Some(work)) if work.artist_id == artist_id => work,
        _ => return Err(ApiError::NotFound("no such work of yours".to_owned())),
    };
    let days = store::work_days(&mut conn, artwork_id, period.from(), period.to()).await?;
    let revenues = store::work_revenue_days(&mut conn, artwork_id, period.from(), period.to()).await?;
    let as_of = store::as_of(&mut conn, period.from(), period.to()).await?;
    let (daily, total) = series(period, days, &revenues);
    Ok(Json(ArtworkInsights {
        artwork_id,
        title: work.title,
        status: work.status,
        from: period.from(),
        to: period.to(),
        as_of,
        totals: Metrics::new(total, revenue(&total_revenue(&revenues))),
        conversion: Conversion::from(total),
        daily,
    }))
}
