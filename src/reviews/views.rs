//! What the reviews API answers: an order's two reviews as one of its
//! parties sees them, public pages of reviews with their rating summary,
//! and reviews and reports as moderators see them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    domain::{Party, WindowState},
    store::{Outcome, ReportRow, ReviewRow},
};

/// Someone named in a review: an artist by their profile, a collector by
/// their display name.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Person {
    pub name: String,
    /// The artist's profile, when the person is the artist.
    pub artist_slug: Option<String>,
    /// The collector's account, when the person is the buyer and the reader
    /// may follow it to their reviews (the order's artist, moderators);
    /// never in public lists.
    pub collector_id: Option<Uuid>,
}

impl Person {
    pub fn artist(name: &str, slug: &str) -> Self {
        Self { name: name.to_owned(), artist_slug: Some(slug.to_owned()), collector_id: None }
    }

    pub fn collector(name: &str, id: Option<Uuid>) -> Self {
        Self { name: name.to_owned(), artist_slug: None, collector_id: id }
    }
}

/// Who reads a review, which decides what of it they see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// Its author: everything, a hiding's reason included.
    Author,
    /// A moderator: the same as its author.
    Moderator,
    /// The other party to the order.
    Counterpart,
}

/// A moderator took the review out of view.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HiddenView {
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// A review as the order's parties and moderators see it. `body` is plain
/// text: show it as text, never as markup.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReviewView {
    pub id: Uuid,
    pub order_id: Uuid,
    /// Which side wrote it: the buyer (about the artist) or the artist (about the buyer).
    pub author_party: Party,
    pub reviewer: Person,
    /// Who the review is about.
    pub subject: Person,
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i16,
    pub body: String,
    /// The works of the order, as bought.
    pub works: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// From when the other party and the public can read it; absent while it
    /// is sealed (the other party has not written and the window is open).
    pub published_at: Option<DateTime<Utc>>,
    /// Set when a moderator hid it; only its author and moderators see this.
    pub hidden: Option<HiddenView>,
}

impl ReviewView {
    pub fn new(row: &ReviewRow, works: &[String], reader: Reader, now: DateTime<Utc>) -> Self {
        let artist = Person::artist(&row.artist_name, &row.artist_slug);
        let buyer = Person::collector(&row.buyer_name, Some(row.buyer_id));
        let (reviewer, subject) = match row.author_party {
            Party::Buyer => (buyer, artist),
            Party::Artist => (artist, buyer),
        };
        let hidden = match (reader, row.hidden_at, &row.hidden_reason) {
            (Reader::Author | Reader::Moderator, Some(at), Some(reason)) => {
                Some(HiddenView { at, reason: reason.clone() })
            }
            _ => None,
        };
        Self {
            id: row.id,
            order_id: row.order_id,
            author_party: row.author_party,
            reviewer,
            subject,
            rating: row.rating,
            body: row.body.clone(),
            works: works.to_vec(),
            created_at: row.created_at,
            published_at: super::domain::is_published(row.published_at, now).then_some(row.published_at),
            hidden,
        }
    }
}

/// What the other party's review is to you.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TheirReview {
    /// They have not written one (and, once the window closes, never will).
    NotWritten,
    /// They have written one; you read it once you have written yours or
    /// when the window closes.
    Sealed,
    /// Readable: it is in `theirs`.
    Published,
    /// A moderator hid it.
    Hidden,
}

/// The time the order's parties have to review each other.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WindowView {
    pub state: WindowState,
    /// When the order first completed; absent until it has.
    pub opens_at: Option<DateTime<Utc>>,
    /// The last moment to write; what was written is published then.
    pub closes_at: Option<DateTime<Utc>>,
}

/// An order's reviews as one of its parties sees them.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OrderReviews {
    pub order_id: Uuid,
    /// Your side of the order.
    pub you_are: Party,
    pub other_party: Person,
    /// The works of the order, as bought.
    pub works: Vec<String>,
    pub window: WindowView,
    /// Whether you may write your review now: the window is open and you
    /// have not written one.
    pub can_write: bool,
    /// Your review, which you always see.
    pub mine: Option<ReviewView>,
    pub their_review: TheirReview,
    /// The other party's review, once it is published and not hidden.
    pub theirs: Option<ReviewView>,
}

/// A review on a public list: an artist's (written by buyers) or a
/// collector's (written by artists). `body` is plain text.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PublicReview {
    pub id: Uuid,
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i16,
    pub body: String,
    pub reviewer: Person,
    /// The works of the order reviewed, as bought.
    pub works: Vec<String>,
    /// Written about a completed order between the two: always true, as
    /// nothing else can be reviewed.
    pub verified_purchase: bool,
    pub created_at: DateTime<Utc>,
    pub published_at: DateTime<Utc>,
}

impl PublicReview {
    pub fn new(row: &ReviewRow, works: &[String]) -> Self {
        let reviewer = match row.author_party {
            Party::Buyer => Person::collector(&row.buyer_name, None),
            Party::Artist => Person::artist(&row.artist_name, &row.artist_slug),
        };
        Self {
            id: row.id,
            rating: row.rating,
            body: row.body.clone(),
            reviewer,
            works: works.to_vec(),
            verified_purchase: true,
            created_at: row.created_at,
            published_at: row.published_at,
        }
    }
}

/// The published, unhidden reviews a list counts.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RatingSummary {
    pub count: i64,
    /// The mean rating to one decimal (4.7); absent without reviews.
    pub average: Option<f64>,
    /// How many reviews gave one, two, three, four and five stars, in that order.
    #[schema(min_items = 5, max_items = 5)]
    pub stars: Vec<i64>,
}

impl RatingSummary {
    pub fn of(stars: [i64; 5]) -> Self {
        let count: i64 = stars.iter().sum();
        let total: i64 = stars.iter().zip(1..).map(|(n, s)| n * s).sum();
        // Tenths rounded half up, in integers, so 4.65 shows as 4.7.
        let average = (count > 0).then(|| ((total * 20 + count) / (count * 2)) as f64 / 10.0);
        Self { count, average, stars: stars.to_vec() }
    }
}

/// A page of reviews, the latest published first, with the summary of all
/// of them.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReviewPage {
    pub summary: RatingSummary,
    pub items: Vec<PublicReview>,
    pub next_cursor: Option<String>,
}

/// A report on a review, as moderators and its reporter see it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReviewReportView {
    pub id: Uuid,
    pub review_id: Uuid,
    pub reporter_id: Uuid,
    pub reporter_name: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
    /// The moderator's note: why the review was hidden, or kept.
    pub resolution: Option<String>,
}

impl From<ReportRow> for ReviewReportView {
    fn from(row: ReportRow) -> Self {
        Self {
            outcome: row.outcome(),
            id: row.id,
            review_id: row.review_id,
            reporter_id: row.reporter_id,
            reporter_name: row.reporter_name,
            reason: row.reason,
            created_at: row.created_at,
            resolved_at: row.resolved_at,
            resolution: row.resolution,
        }
    }
}

/// An open report with the review it is about, for moderators.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReportedReview {
    pub report: ReviewReportView,
    pub review: ReviewView,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_average_is_rounded_to_tenths_half_up() {
        let none = RatingSummary::of([0; 5]);
        assert_eq!((none.count, none.average), (0, None));
        assert_eq!(RatingSummary::of([0, 0, 0, 0, 3]).average, Some(5.0));
        // 5 + 4 = 9 over 2: 4.5.
        assert_eq!(RatingSummary::of([0, 0, 0, 1, 1]).average, Some(4.5));
        // 5 + 5 + 4 = 14 over 3: 4.666… shows as 4.7.
        assert_eq!(RatingSummary::of([0, 0, 0, 1, 2]).average, Some(4.7));
        // 1 + 2 + 2 = 5 over 3: 1.666… shows as 1.7; 4.65 rounds up too.
        assert_eq!(RatingSummary::of([1, 2, 0, 0, 0]).average, Some(1.7));
        let summary = RatingSummary::of([0, 0, 0, 7, 13]);
        assert_eq!(summary.count, 20);
        assert_eq!(summary.average, Some(4.7), "4.65");
    }
}
