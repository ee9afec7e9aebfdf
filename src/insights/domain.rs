//! Insights' values: the counts rolled up per work (or artist) and day, the
//! period a dashboard covers, and what the dashboard derives from counts.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    commerce::domain::{Money, OrderStatus},
    platform::http::error::{ApiError, ApiResult},
};

/// The counted metrics, in the order of [`Counts::to_array`]: the names of
/// their columns in the rollup tables (and, with `_to_date`, of their running
/// totals).
pub const METRICS: [&str; 9] =
    ["views", "likes", "saves", "shares", "impressions", "clicks", "position_sum", "offers", "orders"];

/// What happened to a work (or to all of an artist's works) over a span of
/// days. Days are UTC days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Counts {
    /// Views in the interaction memory, which records one per collector, work
    /// and day at most.
    pub views: i64,
    /// Likes still standing: a like taken back before its day was rolled up
    /// is not counted.
    pub likes: i64,
    /// Saves, as interactions: a collector saving the same work again the
    /// next day counts again; unsaving later does not take one back.
    pub saves: i64,
    pub shares: i64,
    /// Search answers that showed the work.
    pub impressions: i64,
    /// Of those, how many the searcher opened it from (counted on the day of
    /// the search).
    pub clicks: i64,
    /// Sum of the impressions' positions (1 is first), for their average.
    pub position_sum: i64,
    /// Negotiations started: first offers made on the work that reached the
    /// artist (not those below the work's floor, declined unseen).
    pub offers: i64,
    /// Orders paid that day, whatever became of them since. For a work, the
    /// orders holding it; for an artist, their orders, each once.
    pub orders: i64,
}

impl Counts {
    pub fn to_array(self) -> [i64; 9] {
        [
            self.views,
            self.likes,
            self.saves,
            self.shares,
            self.impressions,
            self.clicks,
            self.position_sum,
            self.offers,
            self.orders,
        ]
    }

    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }

    /// These counts and `other`'s, metric by metric.
    pub fn plus(self, other: Self) -> Self {
        let (a, b) = (self.to_array(), other.to_array());
        let [views, likes, saves, shares, impressions, clicks, position_sum, offers, orders] =
            std::array::from_fn(|i| a[i] + b[i]);
        Self { views, likes, saves, shares, impressions, clicks, position_sum, offers, orders }
    }
}

/// Whether a paid order's works count as sold, for revenue: until the order
/// ends without the sale (declined, lapsed, cancelled or refunded in full). A
/// disputed order still counts: its money has not been given back, and the
/// dispute may be won. Partial refunds are not taken off.
pub fn earns(status: OrderStatus) -> bool {
    use OrderStatus::*;
    match status {
        Paid | Accepted | Shipped | Received | Completed | Disputed => true,
        PendingPayment | PaymentExpired | Declined | Lapsed | Cancelled | Refunded => false,
    }
}

/// The days a dashboard covers, first and last included: at most
/// [`Period::MAX_DAYS`], the last not before the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

impl Period {
    /// A leap year's days.
    pub const MAX_DAYS: i64 = 366;
    /// Without `from`: the 30 days ending with `to`.
    const DEFAULT_DAYS: i64 = 30;

    /// The period asked for; `to` defaults to `today`.
    pub fn parse(from: Option<NaiveDate>, to: Option<NaiveDate>, today: NaiveDate) -> ApiResult<Self> {
        let to = to.unwrap_or(today);
        let from = match from {
            Some(from) => from,
            None => to
                .checked_sub_days(chrono::Days::new(Self::DEFAULT_DAYS as u64 - 1))
                .ok_or_else(|| ApiError::field("to", "is too early"))?,
        };
        if from > to {
            return Err(ApiError::field("from", "must not be after `to`"));
        }
        if (to - from).num_days() + 1 > Self::MAX_DAYS {
            return Err(ApiError::field("to", format!("a period is at most {} days", Self::MAX_DAYS)));
        }
        Ok(Self { from, to })
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }

    pub fn days(&self) -> impl Iterator<Item = NaiveDate> {
        self.from.iter_days().take_while(|day| *day <= self.to)
    }
}

/// `numerator / denominator`; none without a denominator.
fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// Amounts per currency as the API shows money, in the order of the codes.
pub fn revenue(amounts: &BTreeMap<String, i64>) -> Vec<Money> {
    amounts.iter().filter(|(_, amount)| **amount > 0).map(|(currency, amount)| Money::new(*amount, currency)).collect()
}

/// The counts of a work or an artist over some days, as the dashboard shows them.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Metrics {
    pub views: i64,
    pub likes: i64,
    pub saves: i64,
    pub shares: i64,
    /// Search answers that showed the work (for an artist: any of their works).
    pub search_impressions: i64,
    /// Of those, how many the searcher opened it from.
    pub search_clicks: i64,
    /// The mean position in those answers, 1 being the first result; null
    /// without impressions.
    pub average_position: Option<f64>,
    /// `search_clicks / search_impressions`; null without impressions.
    pub click_through_rate: Option<f64>,
    /// First offers made (negotiations started), leaving out those below
    /// the work's floor, which were declined without reaching the artist.
    pub offers: i64,
    /// Orders paid, whatever became of them since.
    pub orders: i64,
    /// What the works of the orders paid (not shipping), in each currency
    /// sold in, leaving out orders that ended without the sale (declined,
    /// lapsed, cancelled, refunded). Empty without sales.
    pub revenue: Vec<Money>,
}

impl Metrics {
    pub fn new(counts: Counts, revenue: Vec<Money>) -> Self {
        Self {
            views: counts.views,
            likes: counts.likes,
            saves: counts.saves,
            shares: counts.shares,
            search_impressions: counts.impressions,
            search_clicks: counts.clicks,
            average_position: ratio(counts.position_sum, counts.impressions),
            click_through_rate: ratio(counts.clicks, counts.impressions),
            offers: counts.offers,
            orders: counts.orders,
            revenue,
        }
    }
}

/// How often one step led to the next; null where the first step never happened.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Conversion {
    /// `saves / views`.
    pub view_to_save: Option<f64>,
    /// `orders / saves`.
    pub save_to_order: Option<f64>,
    /// `orders / views`.
    pub view_to_order: Option<f64>,
}

impl From<Counts> for Conversion {
    fn from(counts: Counts) -> Self {
        Self {
            view_to_save: ratio(counts.saves, counts.views),
            save_to_order: ratio(counts.orders, counts.saves),
            view_to_order: ratio(counts.orders, counts.views),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_period_defaults_to_the_thirty_days_ending_today_and_is_at_most_a_leap_year() {
        let today = day("2026-03-31");
        let default = Period::parse(None, None, today).unwrap();
        assert_eq!((default.from(), default.to()), (day("2026-03-02"), today));
        assert_eq!(default.days().count(), 30);
        let leap = Period::parse(Some(day("2024-01-01")), Some(day("2024-12-31")), today).unwrap();
        assert_eq!(leap.days().count(), 366);
        assert!(Period::parse(Some(day("2024-01-01")), Some(day("2025-01-01")), today).is_err());
        assert!(Period::parse(Some(day("2026-03-02")), Some(day("2026-03-01")), today).is_err());
        let one = Period::parse(Some(today), Some(today), today).unwrap();
        assert_eq!(one.days().collect::<Vec<_>>(), [today]);
    }

    #[test]
    fn rates_are_absent_without_a_denominator() {
        let counts = Counts {
            views: 200,
            saves: 10,
            orders: 2,
            impressions: 4,
            clicks: 1,
            position_sum: 10,
            ..Counts::default()
        };
        let conversion = Conversion::from(counts);
        assert_eq!(conversion.view_to_save, Some(0.05));
        assert_eq!(conversion.save_to_order, Some(0.2));
        assert_eq!(conversion.view_to_order, Some(0.01));
        let metrics = Metrics::new(counts, Vec::new());
        assert_eq!((metrics.average_position, metrics.click_through_rate), (Some(2.5), Some(0.25)));
        let nothing = Metrics::new(Counts::default(), Vec::new());
        assert_eq!((nothing.average_position, nothing.click_through_rate), (None, None));
        assert_eq!(Conversion::from(Counts::default()).view_to_save, None);
    }

    #[test]
    fn counts_add_metric_by_metric() {
        let a = Counts { views: 1, orders: 2, ..Counts::default() };
        let b = Counts { views: 3, position_sum: 7, ..Counts::default() };
        assert_eq!(a.plus(b), Counts { views: 4, position_sum: 7, orders: 2, ..Counts::default() });
        assert!(Counts::default().is_zero() && !a.is_zero());
    }

    #[test]
    fn only_orders_that_kept_their_sale_earn() {
        assert!(earns(OrderStatus::Paid) && earns(OrderStatus::Completed) && earns(OrderStatus::Disputed));
        assert!(!earns(OrderStatus::Refunded) && !earns(OrderStatus::Declined) && !earns(OrderStatus::Lapsed));
    }
}
