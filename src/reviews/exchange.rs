//! The exchange of reviews between an order's two parties, and the lists
//! others read. Every function takes the time to act as of, so what is
//! written, sealed or published depends on the clock passed in (the routes
//! pass the real one, tests a later one) and nothing waits for a timer.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    domain::{Draft, Party, Window, WindowState, is_published},
    store::{self, NewReview, ReviewRow, Subject},
    views::{
        OrderReviews, Person, PublicReview, RatingSummary, Reader, ReportedReview, ReviewPage, ReviewView, TheirReview,
        WindowView,
    },
};
use crate::{
    app::AppContext,
    catalog::artists::{account_of_artist, artist_of_user},
    commerce::store::{OrderFacts, completed_since, order_facts},
    platform::http::error::{ApiError, ApiResult, OnConstraint},
    realtime::notifications::{self, Kind},
};

const PAGE_SIZE: i64 = 20;
/// The most orders awaiting someone's review listed at once.
const PENDING_LIMIT: i64 = 50;

fn no_such_order() -> ApiError {
    ApiError::NotFound("no such order".to_owned())
}

async fn facts(conn: &mut PgConnection, order_id: Uuid) -> sqlx::Result<Option<OrderFacts>> {
    Ok(order_facts(conn, &[order_id]).await?.pop())
}

/// The side `user` is on in the order, if any.
async fn side(conn: &mut PgConnection, user: Uuid, order: &OrderFacts) -> sqlx::Result<Option<Party>> {
    if order.buyer_id == user {
        return Ok(Some(Party::Buyer));
    }
    Ok((artist_of_user(conn, user).await? == Some(order.artist_id)).then_some(Party::Artist))
}

/// The order and the caller's side in it; someone else's order answers
/// 404, as if it did not exist.
async fn order_of(conn: &mut PgConnection, user: Uuid, order_id: Uuid) -> ApiResult<(OrderFacts, Party)> {
    let order = facts(conn, order_id).await?.ok_or_else(no_such_order)?;
    let party = side(conn, user, &order).await?.ok_or_else(no_such_order)?;
    Ok((order, party))
}

fn window(ctx: &AppContext, order: &OrderFacts) -> Option<Window> {
    Window::of(order.completed_at, ctx.config.commerce.review_window)
}

/// The account that answers for a side of the order; none for an artist
/// profile nobody holds.
async fn account(conn: &mut PgConnection, order: &OrderFacts, party: Party) -> sqlx::Result<Option<Uuid>> {
    match party {
        Party::Buyer => Ok(Some(order.buyer_id)),
        Party::Artist => account_of_artist(conn, order.artist_id).await,
    }
}

/// Writes `author`'s review of the other party to the order, at `now`. Once
/// written a review cannot be changed. Answers the order's reviews as the
/// author now sees them.
pub async fn write(
    ctx: &AppContext,
    author: Uuid,
    order_id: Uuid,
    draft: &Draft,
    now: DateTime<Utc>,
) -> ApiResult<OrderReviews> {
    let mut tx = ctx.db.begin().await?;
    store::lock_order(&mut tx, order_id).await?;
    let (order, party) = order_of(&mut tx, author, order_id).await?;
    let window = window(ctx, &order);
    let open = match (window, Window::state(window, now)) {
        (Some(open), WindowState::Open) => open,
        (Some(closed), WindowState::Closed) => {
            return Err(ApiError::Conflict(format!(
                "the time to review this order ended at {}",
                closed.closes_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )));
        }
        _ => {
            return Err(ApiError::Conflict(format!(
                "the order is {}: it can be reviewed once it completes",
                order.status.as_str()
            )));
        }
    };
    let written = store::of_order(&mut tx, order_id).await?;
    let already = || ApiError::Conflict("you have reviewed this order already; a review cannot be changed".to_owned());
    if written.iter().any(|r| r.author_party == party) {
        return Err(already());
    }
    let other_has_written = written.iter().any(|r| r.author_party == party.other());
    let published_at = open.publication(now, other_has_written);
    let new = NewReview {
        order_id,
        author_party: party,
        author_id: author,
        artist_id: order.artist_id,
        buyer_id: order.buyer_id,
        draft,
        created_at: now,
        published_at,
    };
    store::insert(&mut tx, &new).await.on_constraint("reviews_one_per_party", already)?;
    if other_has_written {
        store::publish_order(&mut tx, order_id, published_at).await?;
    }
    let rows = store::of_order(&mut tx, order_id).await?;
    tell_the_other_party(&mut tx, &order, party, &rows, other_has_written, open).await?;
    let view = order_view(&mut tx, ctx, &order, party, rows, now).await?;
    tx.commit().await?;
    Ok(view)
}

/// Tells the other party a review of them was written (theirs to write
/// before the window closes to read it), or that both are now published.
async fn tell_the_other_party(
    conn: &mut PgConnection,
    order: &OrderFacts,
    author: Party,
    rows: &[ReviewRow],
    both_written: bool,
    window: Window,
) -> ApiResult<()> {
    let reader = author.other();
    let Some(user) = account(conn, order, reader).await? else { return Ok(()) };
    let Some(mine) = rows.iter().find(|r| r.author_party == author) else { return Ok(()) };
    let from = match author {
        Party::Buyer => &mine.buyer_name,
        Party::Artist => &mine.artist_name,
    };
    let (event, subject) = if both_written {
        ("published", format!("review:published:{}", order.id))
    } else {
        ("written", format!("review:written:{}:{}", order.id, author.as_str()))
    };
    let data = json!({
        "event": event,
        "order_id": order.id,
        // The reader's side, so the site links to their purchase or their sale.
        "role": reader.as_str(),
        "from": from,
        "title": order.titles.first(),
        "closes_at": window.closes_at,
    });
    notifications::notify(conn, user, Kind::Review, &subject, data).await?;
    Ok(())
}

/// Tells an order's buyer and artist that they can review each other, once,
/// when the order first completes. Commerce calls it in the transaction that
/// completes the order.
pub async fn invite(conn: &mut PgConnection, order_id: Uuid, length: std::time::Duration) -> sqlx::Result<()> {
    let Some(order) = facts(conn, order_id).await? else { return Ok(()) };
    let Some(window) = Window::of(order.completed_at, length) else { return Ok(()) };
    for party in [Party::Buyer, Party::Artist] {
        let Some(user) = account(conn, &order, party).await? else { continue };
        let data = json!({
            "event": "open",
            "order_id": order.id,
            "role": party.as_str(),
            "title": order.titles.first(),
            "closes_at": window.closes_at,
        });
        notifications::notify(conn, user, Kind::Review, &format!("review:open:{}", order.id), data).await?;
    }
    Ok(())
}

/// The order's reviews as `viewer`, one of its parties, sees them at `now`.
pub async fn of_order(ctx: &AppContext, viewer: Uuid, order_id: Uuid, now: DateTime<Utc>) -> ApiResult<OrderReviews> {
    let mut conn = ctx.db.acquire().await?;
    let (order, party) = order_of(&mut conn, viewer, order_id).await?;
    let rows = store::of_order(&mut conn, order_id).await?;
    order_view(&mut conn, ctx, &order, party, rows, now).await
}

async fn order_view(
    conn: &mut PgConnection,
    ctx: &AppContext,
    order: &OrderFacts,
    party: Party,
    rows: Vec<ReviewRow>,
    now: DateTime<Utc>,
) -> ApiResult<OrderReviews> {
    let window = window(ctx, order);
    let state = Window::state(window, now);
    let (artist_name, artist_slug, buyer_name) = store::names(conn, order.artist_id, order.buyer_id).await?;
    let other_party = match party {
        Party::Buyer => Person::artist(&artist_name, &artist_slug),
        Party::Artist => Person::collector(&buyer_name, Some(order.buyer_id)),
    };
    let mine = rows.iter().find(|r| r.author_party == party);
    let theirs = rows.iter().find(|r| r.author_party == party.other());
    let their_review = match theirs {
        None => TheirReview::NotWritten,
        Some(r) if r.hidden_at.is_some() => TheirReview::Hidden,
        Some(r) if is_published(r.published_at, now) => TheirReview::Published,
        Some(_) => TheirReview::Sealed,
    };
    Ok(OrderReviews {
        order_id: order.id,
        you_are: party,
        other_party,
        works: order.titles.clone(),
        window: WindowView { state, opens_at: window.map(|w| w.opens_at), closes_at: window.map(|w| w.closes_at) },
        can_write: state == WindowState::Open && mine.is_none(),
        mine: mine.map(|r| ReviewView::new(r, &order.titles, Reader::Author, now)),
        their_review,
        theirs: theirs
            .filter(|_| their_review == TheirReview::Published)
            .map(|r| ReviewView::new(r, &order.titles, Reader::Counterpart, now)),
    })
}

/// The orders `user` may still review at `now`, the soonest to close first.
pub async fn pending(ctx: &AppContext, user: Uuid, now: DateTime<Utc>) -> ApiResult<Vec<OrderReviews>> {
    let mut conn = ctx.db.acquire().await?;
    let artist = artist_of_user(&mut conn, user).await?;
    let length = chrono::Duration::from_std(ctx.config.commerce.review_window).unwrap_or(chrono::Duration::MAX);
    let since = now.checked_sub_signed(length).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let orders = completed_since(&mut conn, user, artist, since, PENDING_LIMIT).await?;
    let mut pending = Vec::new();
    for order in orders {
        let Some(party) = side(&mut conn, user, &order).await? else { continue };
        let rows = store::of_order(&mut conn, order.id).await?;
        let view = order_view(&mut conn, ctx, &order, party, rows, now).await?;
        if view.can_write {
            pending.push(view);
        }
    }
    Ok(pending)
}

fn parse_cursor(cursor: &str) -> ApiResult<(DateTime<Utc>, Uuid)> {
    let bad = || ApiError::field("cursor", "use the next_cursor of the previous page");
    let (micros, id) = cursor.split_once('.').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
    Ok((at, Uuid::parse_str(id).map_err(|_| bad())?))
}

/// The works of each review's order, as commerce has them.
async fn works_of(conn: &mut PgConnection, rows: &[ReviewRow]) -> sqlx::Result<HashMap<Uuid, Vec<String>>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.order_id).collect();
    Ok(order_facts(conn, &ids).await?.into_iter().map(|o| (o.id, o.titles)).collect())
}

fn works<'a>(works: &'a HashMap<Uuid, Vec<String>>, row: &ReviewRow) -> &'a [String] {
    works.get(&row.order_id).map_or(&[], Vec::as_slice)
}

/// A page of the reviews about `subject` that anyone may read at `now`, with
/// their summary.
pub async fn page(
    ctx: &AppContext,
    subject: Subject,
    cursor: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<ReviewPage> {
    let after = cursor.map(parse_cursor).transpose()?;
    let mut conn = ctx.db.acquire().await?;
    let mut rows = store::page(&mut conn, subject, now, after, PAGE_SIZE + 1).await?;
    let more = rows.len() > PAGE_SIZE as usize;
    rows.truncate(PAGE_SIZE as usize);
    let next_cursor =
        if more { rows.last().map(|r| format!("{}.{}", r.published_at.timestamp_micros(), r.id)) } else { None };
    let titles = works_of(&mut conn, &rows).await?;
    let items = rows.iter().map(|r| PublicReview::new(r, works(&titles, r))).collect();
    let summary = RatingSummary::of(store::star_counts(&mut conn, subject, now).await?);
    Ok(ReviewPage { summary, items, next_cursor })
}

/// One review as `reader` sees it at `now`: its author and moderators
/// always, the other party once it is published and not hidden; anyone else
/// answers 404.
pub async fn one(
    ctx: &AppContext,
    reader: Uuid,
    moderator: bool,
    id: Uuid,
    now: DateTime<Utc>,
) -> ApiResult<ReviewView> {
    let mut conn = ctx.db.acquire().await?;
    let not_found = || ApiError::NotFound("no such review".to_owned());
    let row = store::by_id(&mut conn, id).await?.ok_or_else(not_found)?;
    let order = facts(&mut conn, row.order_id).await?.ok_or_else(not_found)?;
    let as_party = side(&mut conn, reader, &order).await?;
    let seen_as = if as_party == Some(row.author_party) {
        Reader::Author
    } else if moderator {
        Reader::Moderator
    } else if as_party.is_some() && row.hidden_at.is_none() && is_published(row.published_at, now) {
        Reader::Counterpart
    } else {
        return Err(not_found());
    };
    Ok(ReviewView::new(&row, &order.titles, seen_as, now))
}

/// Files `reporter`'s report of a review anyone may read at `now`. Reporting
/// again while their report is open changes nothing. Answers the open
/// report's id.
pub async fn report(ctx: &AppContext, reporter: Uuid, id: Uuid, reason: &str, now: DateTime<Utc>) -> ApiResult<Uuid> {
    let mut conn = ctx.db.acquire().await?;
    let row = store::by_id(&mut conn, id).await?.ok_or_else(|| ApiError::NotFound("no such review".to_owned()))?;
    if row.author_id == Some(reporter) {
        return Err(ApiError::Conflict("this is your own review".to_owned()));
    }
    if row.hidden_at.is_some() || !is_published(row.published_at, now) {
        return Err(ApiError::NotFound("no such review".to_owned()));
    }
    Ok(store::report(&mut conn, id, reporter, reason).await?)
}

/// The moderators' queue at `now`: open reports, oldest first, each with
/// the review it is about.
pub async fn reported(ctx: &AppContext, now: DateTime<Utc>) -> ApiResult<Vec<ReportedReview>> {
    let mut conn = ctx.db.acquire().await?;
    let reports = store::open_reports(&mut conn, 100).await?;
    let ids: Vec<Uuid> = reports.iter().map(|r| r.review_id).collect();
    let reviews = store::by_ids(&mut conn, &ids).await?;
    let titles = works_of(&mut conn, &reviews).await?;
    Ok(reports
        .into_iter()
        .filter_map(|report| {
            let review = reviews.iter().find(|r| r.id == report.review_id)?;
            let review = ReviewView::new(review, works(&titles, review), Reader::Moderator, now);
            Some(ReportedReview { report: report.into(), review })
        })
        .collect())
}
