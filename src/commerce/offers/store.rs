//! The SQL of offers: which works take them, negotiations and their offers.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::domain::{NegotiationStatus, OfferStatus, Party};

/// The work's floor if it takes offers (`Some(None)`: offers, no floor).
pub async fn terms(conn: &mut PgConnection, artwork_id: Uuid) -> sqlx::Result<Option<Option<i64>>> {
    let row: Option<(Option<i64>,)> = sqlx::query_as("SELECT floor_minor FROM offer_terms WHERE artwork_id = $1")
        .bind(artwork_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|(floor,)| floor))
}

pub async fn put_terms(conn: &mut PgConnection, artwork_id: Uuid, floor_minor: Option<i64>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO offer_terms (artwork_id, floor_minor) VALUES ($1, $2)
         ON CONFLICT (artwork_id) DO UPDATE SET floor_minor = EXCLUDED.floor_minor, updated_at = now()",
    )
    .bind(artwork_id)
    .bind(floor_minor)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_terms(conn: &mut PgConnection, artwork_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM offer_terms WHERE artwork_id = $1").bind(artwork_id).execute(conn).await?;
    Ok(())
}

/// A negotiation with the names its views show.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NegotiationRow {
    pub id: Uuid,
    pub artwork_id: Uuid,
    pub artist_id: Uuid,
    pub buyer_id: Uuid,
    pub currency: String,
    pub shipping_address: Value,
    pub collect: bool,
    pub status: NegotiationStatus,
    pub checkout_id: Option<Uuid>,
    pub failed_charges: i32,
    pub reached_artist: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub artwork_title: String,
    pub artist_name: String,
    pub artist_slug: String,
    pub artist_user_id: Option<Uuid>,
    pub buyer_name: String,
}

const NEGOTIATION: &str = "
    SELECT n.id, n.artwork_id, n.artist_id, n.buyer_id, n.currency, n.shipping_address, n.collect, n.status,
           n.checkout_id, n.failed_charges, n.reached_artist, n.created_at, n.updated_at,
           a.title AS artwork_title, ar.name AS artist_name, ar.slug AS artist_slug, ar.user_id AS artist_user_id,
           u.display_name AS buyer_name
    FROM negotiations n
    JOIN artworks a ON a.id = n.artwork_id
    JOIN artists ar ON ar.id = n.artist_id
    JOIN users u ON u.id = n.buyer_id";

pub async fn negotiation(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<NegotiationRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{NEGOTIATION} WHERE n.id = $1"))).bind(id).fetch_optional(conn).await
}

/// The negotiation under its row lock: every step of it waits for the others.
pub async fn lock_negotiation(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<NegotiationRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{NEGOTIATION} WHERE n.id = $1 FOR UPDATE OF n")))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The work a negotiation is about, read without a lock (to lock the work first).
pub async fn artwork_of(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT artwork_id FROM negotiations WHERE id = $1").bind(id).fetch_optional(conn).await
}

pub struct NewNegotiation<'a> {
    pub id: Uuid,
    pub artwork_id: Uuid,
    pub artist_id: Uuid,
    pub buyer_id: Uuid,
    pub currency: &'a str,
    pub shipping_address: Value,
    pub collect: bool,
    pub status: NegotiationStatus,
    pub reached_artist: bool,
}

/// Starts a negotiation; `false` when the buyer already has one open on the
/// work (two first offers racing).
pub async fn insert_negotiation(conn: &mut PgConnection, new: &NewNegotiation<'_>) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO negotiations (id, artwork_id, artist_id, buyer_id, currency, shipping_address, collect, status,
                                   reached_artist)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (artwork_id, buyer_id) WHERE status = 'open' DO NOTHING",
    )
    .bind(new.id)
    .bind(new.artwork_id)
    .bind(new.artist_id)
    .bind(new.buyer_id)
    .bind(new.currency)
    .bind(&new.shipping_address)
    .bind(new.collect)
    .bind(new.status)
    .bind(new.reached_artist)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The buyer's open negotiation over the work, if any.
pub async fn open_negotiation(conn: &mut PgConnection, artwork_id: Uuid, buyer_id: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT id FROM negotiations WHERE artwork_id = $1 AND buyer_id = $2 AND status = 'open'")
        .bind(artwork_id)
        .bind(buyer_id)
        .fetch_optional(conn)
        .await
}

pub async fn set_negotiation_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: NegotiationStatus,
    checkout_id: Option<Uuid>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE negotiations SET status = $2, checkout_id = COALESCE($3, checkout_id), updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(checkout_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Counts a refused charge on acceptance; answers how many there have been.
pub async fn count_failed_charge(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<i32> {
    sqlx::query_scalar(
        "UPDATE negotiations SET failed_charges = failed_charges + 1 WHERE id = $1 RETURNING failed_charges",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OfferRow {
    pub id: Uuid,
    pub negotiation_id: Uuid,
    pub party: Party,
    pub author_id: Option<Uuid>,
    pub amount_minor: i64,
    pub note: Option<String>,
    pub status: OfferStatus,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

pub async fn insert_offer(conn: &mut PgConnection, offer: &OfferRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO offers (id, negotiation_id, party, author_id, amount_minor, note, status, expires_at,
                             created_at, decided_at, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(offer.id)
    .bind(offer.negotiation_id)
    .bind(offer.party)
    .bind(offer.author_id)
    .bind(offer.amount_minor)
    .bind(&offer.note)
    .bind(offer.status)
    .bind(offer.expires_at)
    .bind(offer.created_at)
    .bind(offer.decided_at)
    .bind(&offer.reason)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE negotiations SET updated_at = now() WHERE id = $1")
        .bind(offer.negotiation_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The offers of the negotiations, oldest first.
pub async fn offers_of(conn: &mut PgConnection, negotiation_ids: &[Uuid]) -> sqlx::Result<Vec<OfferRow>> {
    sqlx::query_as("SELECT * FROM offers WHERE negotiation_id = ANY($1) ORDER BY negotiation_id, id")
        .bind(negotiation_ids)
        .fetch_all(conn)
        .await
}

/// The pending offer of a negotiation (read under the negotiation's lock).
pub async fn pending_offer(conn: &mut PgConnection, negotiation_id: Uuid) -> sqlx::Result<Option<OfferRow>> {
    sqlx::query_as("SELECT * FROM offers WHERE negotiation_id = $1 AND status = 'pending'")
        .bind(negotiation_id)
        .fetch_optional(conn)
        .await
}

pub async fn offer(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<OfferRow>> {
    sqlx::query_as("SELECT * FROM offers WHERE id = $1").bind(id).fetch_optional(conn).await
}

/// Ends a pending offer.
pub async fn decide_offer(
    conn: &mut PgConnection,
    id: Uuid,
    status: OfferStatus,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE offers SET status = $2, reason = $3, decided_at = $4 WHERE id = $1 AND status = 'pending'")
        .bind(id)
        .bind(status)
        .bind(reason)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// The open negotiations over a work.
pub async fn open_on(conn: &mut PgConnection, artwork_id: Uuid) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar("SELECT id FROM negotiations WHERE artwork_id = $1 AND status = 'open' ORDER BY id")
        .bind(artwork_id)
        .fetch_all(conn)
        .await
}

/// Negotiations whose pending offer ran out by `now`.
pub async fn expired_by(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT negotiation_id FROM offers WHERE status = 'pending' AND expires_at <= $1 ORDER BY expires_at LIMIT 1000",
    )
    .bind(now)
    .fetch_all(conn)
    .await
}

/// Whose negotiations a list shows.
#[derive(Clone, Copy, Debug)]
pub enum Side {
    Buyer(Uuid),
    Artist(Uuid),
}

/// A page of someone's negotiations, most recently active first; `before`
/// is the last one of the previous page.
pub async fn list(
    conn: &mut PgConnection,
    side: Side,
    open_only: bool,
    before: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<NegotiationRow>> {
    let (column, who) = match side {
        Side::Buyer(id) => ("n.buyer_id", id),
        Side::Artist(id) => ("n.reached_artist AND n.artist_id", id),
    };
    let sql = format!(
        "{NEGOTIATION} WHERE {column} = $1 AND (NOT $2 OR n.status = 'open')
           AND ($3::uuid IS NULL OR (n.updated_at, n.id) < (SELECT b.updated_at, b.id FROM negotiations b WHERE b.id = $3))
         ORDER BY n.updated_at DESC, n.id DESC LIMIT $4"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(who).bind(open_only).bind(before).bind(limit).fetch_all(conn).await
}
