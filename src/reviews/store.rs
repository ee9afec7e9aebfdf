//! The SQL of reviews and their reports. Names come from users' display
//! names and artists' profiles; no query here reads an e-mail address, and
//! orders are known only through what commerce tells (see
//! `commerce::store::order_facts`).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::domain::{Draft, Party};

/// Serialises the writes of one order's reviews, so two parties writing at
/// once each see the other's review and publication never misses one.
pub async fn lock_order(conn: &mut PgConnection, order_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("reviews:{order_id}"))
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReviewRow {
    pub id: Uuid,
    pub order_id: Uuid,
    pub author_party: Party,
    pub author_id: Option<Uuid>,
    pub artist_id: Uuid,
    pub buyer_id: Uuid,
    pub rating: i16,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub published_at: DateTime<Utc>,
    pub hidden_at: Option<DateTime<Utc>>,
    pub hidden_reason: Option<String>,
    pub artist_name: String,
    pub artist_slug: String,
    pub buyer_name: String,
}

const REVIEW: &str = "
    SELECT r.id, r.order_id, r.author_party, r.author_id, r.artist_id, r.buyer_id, r.rating, r.body, r.created_at,
           r.published_at, r.hidden_at, r.hidden_reason,
           ar.name AS artist_name, ar.slug AS artist_slug, u.display_name AS buyer_name
    FROM reviews r JOIN artists ar ON ar.id = r.artist_id JOIN users u ON u.id = r.buyer_id";

pub struct NewReview<'a> {
    pub order_id: Uuid,
    pub author_party: Party,
    pub author_id: Uuid,
    pub artist_id: Uuid,
    pub buyer_id: Uuid,
    pub draft: &'a Draft,
    pub created_at: DateTime<Utc>,
    pub published_at: DateTime<Utc>,
}

/// A second review by the same party of the same order violates
/// `reviews_one_per_party`.
pub async fn insert(conn: &mut PgConnection, new: &NewReview<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO reviews (id, order_id, author_party, author_id, artist_id, buyer_id, rating, body, created_at,
                              published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(Uuid::now_v7())
    .bind(new.order_id)
    .bind(new.author_party)
    .bind(new.author_id)
    .bind(new.artist_id)
    .bind(new.buyer_id)
    .bind(new.draft.rating.stars())
    .bind(new.draft.text.as_str())
    .bind(new.created_at)
    .bind(new.published_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Publishes every review of the order at `at` at the latest: the second
/// review of an order lifts the first one's blind.
pub async fn publish_order(conn: &mut PgConnection, order_id: Uuid, at: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE reviews SET published_at = LEAST(published_at, $2) WHERE order_id = $1")
        .bind(order_id)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// The order's reviews: none, one, or one per party.
pub async fn of_order(conn: &mut PgConnection, order_id: Uuid) -> sqlx::Result<Vec<ReviewRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{REVIEW} WHERE r.order_id = $1 ORDER BY r.id")))
        .bind(order_id)
        .fetch_all(conn)
        .await
}

pub async fn by_id(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<ReviewRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{REVIEW} WHERE r.id = $1"))).bind(id).fetch_optional(conn).await
}

pub async fn by_ids(conn: &mut PgConnection, ids: &[Uuid]) -> sqlx::Result<Vec<ReviewRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{REVIEW} WHERE r.id = ANY($1)"))).bind(ids).fetch_all(conn).await
}

/// The names an order's parties go by: the artist's profile name and slug,
/// and the buyer's display name.
pub async fn names(conn: &mut PgConnection, artist_id: Uuid, buyer_id: Uuid) -> sqlx::Result<(String, String, String)> {
    sqlx::query_as(
        "SELECT ar.name, ar.slug, u.display_name FROM artists ar CROSS JOIN users u WHERE ar.id = $1 AND u.id = $2",
    )
    .bind(artist_id)
    .bind(buyer_id)
    .fetch_one(conn)
    .await
}

/// Whose reviews a public list shows: the buyers' of an artist, or the
/// artists' of a collector.
#[derive(Clone, Copy, Debug)]
pub enum Subject {
    Artist(Uuid),
    Collector(Uuid),
}

impl Subject {
    /// The condition picking the subject's published, unhidden reviews at
    /// `$2`; `$1` is the subject. It matches the partial indexes.
    fn condition(self) -> &'static str {
        match self {
            Self::Artist(_) => {
                "r.artist_id = $1 AND r.author_party = 'buyer' AND r.hidden_at IS NULL AND r.published_at <= $2"
            }
            Self::Collector(_) => {
                "r.buyer_id = $1 AND r.author_party = 'artist' AND r.hidden_at IS NULL AND r.published_at <= $2"
            }
        }
    }

    fn id(self) -> Uuid {
        match self {
            Self::Artist(id) | Self::Collector(id) => id,
        }
    }
}

/// A page of the subject's reviews readable at `now`, the latest published
/// first, after the cursor (the last row's publication and id).
pub async fn page(
    conn: &mut PgConnection,
    subject: Subject,
    now: DateTime<Utc>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> sqlx::Result<Vec<ReviewRow>> {
    let (at, id) = after.map_or((None, None), |(at, id)| (Some(at), Some(id)));
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{REVIEW} WHERE {} AND ($3::timestamptz IS NULL OR (r.published_at, r.id) < ($3, $4))
         ORDER BY r.published_at DESC, r.id DESC LIMIT $5",
        subject.condition()
    )))
    .bind(subject.id())
    .bind(now)
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// How many of the subject's readable reviews gave each number of stars,
/// one star first.
pub async fn star_counts(conn: &mut PgConnection, subject: Subject, now: DateTime<Utc>) -> sqlx::Result<[i64; 5]> {
    let (one, two, three, four, five): (i64, i64, i64, i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FILTER (WHERE r.rating = 1), count(*) FILTER (WHERE r.rating = 2),
                count(*) FILTER (WHERE r.rating = 3), count(*) FILTER (WHERE r.rating = 4),
                count(*) FILTER (WHERE r.rating = 5)
         FROM reviews r WHERE {}",
        subject.condition()
    )))
    .bind(subject.id())
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok([one, two, three, four, five])
}

/// Hides a review with the moderator's reason (a second hide replaces the
/// reason), or shows it again; false when there is no such review.
pub async fn set_hidden(
    conn: &mut PgConnection,
    id: Uuid,
    hidden: Option<(Uuid, &str)>,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let (moderator, reason) = hidden.map_or((None, None), |(m, r)| (Some(m), Some(r)));
    let done = sqlx::query(
        "UPDATE reviews SET hidden_at = CASE WHEN $3::text IS NULL THEN NULL ELSE COALESCE(hidden_at, $4) END,
                            hidden_by = $2, hidden_reason = $3
         WHERE id = $1",
    )
    .bind(id)
    .bind(moderator)
    .bind(reason)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

// ----- reports -----

/// Files a report unless the reporter has one open on the review; answers
/// the open report's id.
pub async fn report(conn: &mut PgConnection, review_id: Uuid, reporter: Uuid, reason: &str) -> sqlx::Result<Uuid> {
    let created: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO review_reports (id, review_id, reporter_id, reason) VALUES ($1, $2, $3, $4)
         ON CONFLICT (review_id, reporter_id) WHERE resolved_at IS NULL DO NOTHING RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(review_id)
    .bind(reporter)
    .bind(reason)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = created {
        return Ok(id);
    }
    sqlx::query_scalar(
        "SELECT id FROM review_reports WHERE review_id = $1 AND reporter_id = $2 AND resolved_at IS NULL",
    )
    .bind(review_id)
    .bind(reporter)
    .fetch_one(conn)
    .await
}

/// How a report was closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ReportOutcome)]
pub enum Outcome {
    /// The review was hidden.
    Hidden,
    /// The review stays as it is.
    Kept,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Hidden => "hidden",
            Self::Kept => "kept",
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReportRow {
    pub id: Uuid,
    pub review_id: Uuid,
    pub reporter_id: Uuid,
    pub reporter_name: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub resolution: Option<String>,
}

impl ReportRow {
    pub fn outcome(&self) -> Option<Outcome> {
        match self.outcome.as_deref() {
            Some("hidden") => Some(Outcome::Hidden),
            Some("kept") => Some(Outcome::Kept),
            _ => None,
        }
    }
}

const REPORT: &str = "SELECT p.id, p.review_id, p.reporter_id, u.display_name AS reporter_name, p.reason, p.created_at,
                             p.resolved_at, p.outcome, p.resolution
                      FROM review_reports p JOIN users u ON u.id = p.reporter_id";

pub async fn report_by_id(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<ReportRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{REPORT} WHERE p.id = $1"))).bind(id).fetch_optional(conn).await
}

/// Open reports, oldest first: the queue moderators work through.
pub async fn open_reports(conn: &mut PgConnection, limit: i64) -> sqlx::Result<Vec<ReportRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{REPORT} WHERE p.resolved_at IS NULL ORDER BY p.created_at, p.id LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Closes one open report; false when there is no such open report.
pub async fn resolve_report(
    conn: &mut PgConnection,
    id: Uuid,
    moderator: Uuid,
    outcome: Outcome,
    resolution: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE review_reports SET resolved_at = now(), resolved_by = $2, outcome = $3, resolution = $4
         WHERE id = $1 AND resolved_at IS NULL",
    )
    .bind(id)
    .bind(moderator)
    .bind(outcome.as_str())
    .bind(resolution)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Closes every open report on a review, as when a moderator hides it.
pub async fn resolve_reports_of(
    conn: &mut PgConnection,
    review_id: Uuid,
    moderator: Uuid,
    outcome: Outcome,
    resolution: &str,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE review_reports SET resolved_at = now(), resolved_by = $2, outcome = $3, resolution = $4
         WHERE review_id = $1 AND resolved_at IS NULL",
    )
    .bind(review_id)
    .bind(moderator)
    .bind(outcome.as_str())
    .bind(resolution)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
