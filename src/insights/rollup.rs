//! The rollup job: counts each day's raw events (the interaction memory,
//! search impressions, offers and paid orders) into the daily tables the
//! dashboard reads. The local scheduler, the `insights-rollup` function on a
//! schedule and Vercel's cron (`GET /api/cron/insights`) run [`run`].
//!
//! A run recomputes whole days from the raw events as they stand, so running
//! it again changes nothing, and a late run catches up. By default it
//! recomputes today, yesterday, every day since the last day it rolled up (at
//! most [`CATCH_UP_DAYS`] back), and the day each order that changed since
//! then was paid (a refund takes back revenue counted on that day). An
//! operator may add older days (`atelier rollup-insights`). A day rolled up
//! before whose search impressions may have been purged (older than
//! `SEARCH_HISTORY_RETENTION_DAYS`) keeps the search counts it has.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    domain::{Counts, earns},
    store::{self, RevenueRow},
};
use crate::{
    app::AppContext,
    catalog::artworks::store as artworks,
    commerce::store::{self as commerce, PaidLine},
    feed::{self, InteractionCounts},
    platform::http::{
        bearer_matches,
        error::{ApiError, ApiResult},
    },
    search::{self, ImpressionCounts},
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new().routes(routes!(cron_insights))
}

/// After an outage the scheduled run recomputes at most this many days back;
/// older ones wait for an operator.
pub const CATCH_UP_DAYS: u64 = 31;
/// At most this many days in one run (one transaction): a year and a bit.
pub const MAX_DAYS_PER_RUN: usize = 400;

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct RollupReport {
    /// The days recomputed, in order.
    pub days: Vec<NaiveDate>,
    /// Rows of works with activity on those days.
    pub work_days: usize,
    /// Rows of artists with activity on those days.
    pub artist_days: usize,
    /// Works whose numbers changed: none when nothing happened since the last run.
    pub changed_works: usize,
}

/// One day's rollup, computed from its raw events.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DayRollup {
    pub works: BTreeMap<Uuid, Counts>,
    pub artists: BTreeMap<Uuid, Counts>,
    pub revenue: Vec<RevenueRow>,
}

/// Rolls one day's raw counts up per work and per artist. Works whose artist
/// is unknown (gone from the catalog since) are left out.
pub fn roll_up(
    interactions: &[InteractionCounts],
    impressions: &[ImpressionCounts],
    offers: &[(Uuid, i64)],
    paid: &[PaidLine],
    artist_of: &HashMap<Uuid, Uuid>,
) -> DayRollup {
    let mut works: BTreeMap<Uuid, Counts> = BTreeMap::new();
    for i in interactions {
        let counts = Counts { views: i.views, likes: i.likes, saves: i.saves, shares: i.shares, ..Counts::default() };
        add(&mut works, i.artwork_id, counts);
    }
    for i in impressions {
        let counts =
            Counts { impressions: i.impressions, clicks: i.clicks, position_sum: i.position_sum, ..Counts::default() };
        add(&mut works, i.artwork_id, counts);
    }
    for (artwork_id, started) in offers {
        add(&mut works, *artwork_id, Counts { offers: *started, ..Counts::default() });
    }
    // An order has one line per work, so each line is one order of its work.
    for line in paid {
        add(&mut works, line.artwork_id, Counts { orders: 1, ..Counts::default() });
    }
    works.retain(|id, counts| artist_of.contains_key(id) && !counts.is_zero());

    let mut artists: BTreeMap<Uuid, Counts> = BTreeMap::new();
    for (id, counts) in &works {
        add(&mut artists, artist_of[id], Counts { orders: 0, ..*counts });
    }
    let orders: BTreeSet<(Uuid, Uuid)> = paid
        .iter()
        .filter(|line| works.contains_key(&line.artwork_id))
        .map(|line| (artist_of[&line.artwork_id], line.order_id))
        .collect();
    for (artist_id, _) in orders {
        add(&mut artists, artist_id, Counts { orders: 1, ..Counts::default() });
    }

    let mut revenue: BTreeMap<(Uuid, String), i64> = BTreeMap::new();
    for line in paid.iter().filter(|line| earns(line.status) && works.contains_key(&line.artwork_id)) {
        *revenue.entry((line.artwork_id, line.currency.trim().to_owned())).or_default() += line.amount_minor;
    }
    let revenue = revenue
        .into_iter()
        .map(|((artwork_id, currency), amount_minor)| RevenueRow {
            artwork_id,
            artist_id: artist_of[&artwork_id],
            currency,
            amount_minor,
        })
        .collect();
    DayRollup { works, artists, revenue }
}

fn add(map: &mut BTreeMap<Uuid, Counts>, id: Uuid, counts: Counts) {
    let entry = map.entry(id).or_default();
    *entry = entry.plus(counts);
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// Rolls up the default days as of `now`, and `extra` days as well.
pub async fn run(ctx: &AppContext, now: DateTime<Utc>, extra: &[NaiveDate]) -> anyhow::Result<RollupReport> {
    let today = now.date_naive();
    if let Some(future) = extra.iter().find(|day| **day > today) {
        anyhow::bail!("{future} has not happened yet");
    }
    let mut tx = ctx.db.begin().await?;
    store::lock_rollup(&mut tx).await?;
    let yesterday = today - Days::new(1);
    let earliest = today - Days::new(CATCH_UP_DAYS);
    let first = store::last_rolled_up_day(&mut tx).await?.map_or(yesterday, |last| last.min(yesterday)).max(earliest);
    let mut days: BTreeSet<NaiveDate> = first.iter_days().take_while(|day| *day <= today).collect();
    days.extend(extra);
    for paid_at in commerce::paid_times_of_orders_changed_since(&mut tx, start_of(first)).await? {
        days.insert(paid_at.date_naive());
    }
    if days.len() > MAX_DAYS_PER_RUN {
        anyhow::bail!("{} days to roll up; at most {MAX_DAYS_PER_RUN} at a time", days.len());
    }
    // Impressions of this day and before are purged, or about to be: a day
    // rolled up already keeps the search counts it has (they no longer change
    // once its clicks are in).
    let search_kept_after = (now - ctx.config.search_history_retention).date_naive();
    let mut report = RollupReport::default();
    let mut changed: BTreeMap<Uuid, NaiveDate> = BTreeMap::new();
    for &day in &days {
        let (start, end) = (start_of(day), start_of(day + Days::new(1)));
        let interactions = feed::interaction_counts(&mut tx, start, end).await?;
        let impressions = if day <= search_kept_after && store::was_rolled_up(&mut tx, day).await? {
            store::stored_search_counts(&mut tx, day).await?
        } else {
            search::impression_counts(&mut tx, start, end).await?
        };
        let offers = commerce::offers_started(&mut tx, start, end).await?;
        let paid = commerce::paid_lines(&mut tx, start, end).await?;
        let ids: BTreeSet<Uuid> = interactions
            .iter()
            .map(|i| i.artwork_id)
            .chain(impressions.iter().map(|i| i.artwork_id))
            .chain(offers.iter().map(|(id, _)| *id))
            .chain(paid.iter().map(|line| line.artwork_id))
            .collect();
        let ids: Vec<Uuid> = ids.into_iter().collect();
        let artist_of: HashMap<Uuid, Uuid> = artworks::artists_of(&mut tx, &ids).await?.into_iter().collect();
        let rollup = roll_up(&interactions, &impressions, &offers, &paid, &artist_of);

        let works: Vec<(Uuid, Counts)> = rollup.works.into_iter().collect();
        for id in store::replace_work_day(&mut tx, day, &works).await? {
            // Days run in order, so the first is the earliest.
            changed.entry(id).or_insert(day);
        }
        let artists: Vec<(Uuid, Counts)> = rollup.artists.into_iter().collect();
        store::replace_artist_day(&mut tx, day, &artists).await?;
        store::replace_revenue_day(&mut tx, day, &rollup.revenue).await?;
        report.work_days += works.len();
        report.artist_days += artists.len();
    }
    let changed: Vec<(Uuid, NaiveDate)> = changed.into_iter().collect();
    store::rebase_running_totals(&mut tx, &changed).await?;
    report.days = days.into_iter().collect();
    store::mark_rolled_up(&mut tx, &report.days, now).await?;
    tx.commit().await?;
    report.changed_works = changed.len();
    Ok(report)
}

/// Roll up artist insights for today and the days since the last run (Vercel
/// Cron). Requires `Authorization: Bearer <CRON_SECRET>`; without a configured
/// secret the route does not exist.
#[utoipa::path(get, path = "/api/cron/insights", tag = "insights",
    responses(
        (status = 200, body = RollupReport),
        (status = 401),
        (status = 404),
    ))]
async fn cron_insights(
    State(ctx): State<AppContext>,
    headers: HeaderMap,
) -> ApiResult<(StatusCode, Json<RollupReport>)> {
    let Some(secret) = ctx.config.cron_secret.as_ref() else {
        return Err(ApiError::NotFound("no such route".to_owned()));
    };
    if !bearer_matches(&headers, secret) {
        return Err(ApiError::Unauthorized("the cron secret is missing or wrong".to_owned()));
    }
    Ok((StatusCode::OK, Json(run(&ctx, Utc::now(), &[]).await?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commerce::domain::OrderStatus;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn line(order: u128, artwork: u128, status: OrderStatus, currency: &str, amount_minor: i64) -> PaidLine {
        PaidLine {
            order_id: id(order),
            artist_id: id(100),
            artwork_id: id(artwork),
            status,
            currency: currency.to_owned(),
            amount_minor,
        }
    }

    #[test]
    fn an_artist_counts_each_order_once_and_revenue_only_of_orders_that_kept_their_sale() {
        let artist_of: HashMap<Uuid, Uuid> = [(id(1), id(100)), (id(2), id(100))].into();
        let interactions = [InteractionCounts { artwork_id: id(1), views: 5, likes: 1, saves: 2, shares: 0 }];
        let impressions = [ImpressionCounts { artwork_id: id(2), impressions: 3, clicks: 1, position_sum: 7 }];
        let paid = [
            // One order holding both works, and a refunded one in another currency.
            line(10, 1, OrderStatus::Accepted, "GBP", 1_000),
            line(10, 2, OrderStatus::Accepted, "GBP", 500),
            line(11, 2, OrderStatus::Refunded, "EUR", 700),
            line(12, 2, OrderStatus::Paid, "EUR", 300),
        ];
        let rollup = roll_up(&interactions, &impressions, &[(id(1), 2)], &paid, &artist_of);
        assert_eq!(
            rollup.works[&id(1)],
            Counts { views: 5, likes: 1, saves: 2, offers: 2, orders: 1, ..Counts::default() }
        );
        assert_eq!(
            rollup.works[&id(2)],
            Counts { impressions: 3, clicks: 1, position_sum: 7, orders: 3, ..Counts::default() }
        );
        let artist = rollup.artists[&id(100)];
        assert_eq!((artist.orders, artist.views, artist.impressions, artist.offers), (3, 5, 3, 2));
        let revenue: Vec<(Uuid, &str, i64)> =
            rollup.revenue.iter().map(|r| (r.artwork_id, r.currency.as_str(), r.amount_minor)).collect();
        assert_eq!(revenue, [(id(1), "GBP", 1_000), (id(2), "EUR", 300), (id(2), "GBP", 500)]);
    }

    #[test]
    fn works_gone_from_the_catalog_are_left_out() {
        let interactions = [InteractionCounts { artwork_id: id(9), views: 1, likes: 0, saves: 0, shares: 0 }];
        assert_eq!(roll_up(&interactions, &[], &[], &[], &HashMap::new()), DayRollup::default());
    }
}
