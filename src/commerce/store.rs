//! Commerce's queries: carts, shipping profiles, checkouts and their stock
//! holds, orders with their lines and transition log, the outbox, the
//! ledger, webhook events seen and payout accounts. Every lock is taken here:
//! a checkout's row before any of its orders', so two changes of one
//! checkout queue up instead of deadlocking.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::domain::{Actor, OrderStatus};

// ----- carts -----

#[derive(Debug, sqlx::FromRow)]
pub struct CartLineRow {
    pub artwork_id: Uuid,
    pub quantity: i32,
    /// The price the buyer last saw, to compare at checkout.
    pub unit_price_minor: i64,
    pub currency: String,
}

pub async fn cart_lines(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<Vec<CartLineRow>> {
    sqlx::query_as(
        "SELECT artwork_id, quantity, unit_price_minor, currency FROM cart_lines
         WHERE user_id = $1 ORDER BY added_at, artwork_id",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await
}

pub async fn put_cart_line(
    conn: &mut PgConnection,
    user_id: Uuid,
    artwork_id: Uuid,
    quantity: i32,
    unit_price_minor: i64,
    currency: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO cart_lines (user_id, artwork_id, quantity, unit_price_minor, currency)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, artwork_id) DO UPDATE
             SET quantity = EXCLUDED.quantity, unit_price_minor = EXCLUDED.unit_price_minor,
                 currency = EXCLUDED.currency",
    )
    .bind(user_id)
    .bind(artwork_id)
    .bind(quantity)
    .bind(unit_price_minor)
    .bind(currency)
    .execute(conn)
    .await?;
    Ok(())
}

/// How many different works the cart holds (its size is bounded).
pub async fn cart_size(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM cart_lines WHERE user_id = $1").bind(user_id).fetch_one(conn).await
}

pub async fn remove_cart_lines(conn: &mut PgConnection, user_id: Uuid, artwork_ids: &[Uuid]) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM cart_lines WHERE user_id = $1 AND artwork_id = ANY($2)")
        .bind(user_id)
        .bind(artwork_ids)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

// ----- shipping -----

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ShippingRow {
    pub artist_id: Uuid,
    pub origin_country: String,
    pub currency: String,
    pub domestic_minor: Option<i64>,
    pub international_minor: Option<i64>,
    pub collection: bool,
}

pub async fn shipping_profiles(conn: &mut PgConnection, artist_ids: &[Uuid]) -> sqlx::Result<Vec<ShippingRow>> {
    sqlx::query_as(
        "SELECT artist_id, origin_country, currency, domestic_minor, international_minor, collection
         FROM shipping_profiles WHERE artist_id = ANY($1)",
    )
    .bind(artist_ids)
    .fetch_all(conn)
    .await
}

pub async fn put_shipping_profile(conn: &mut PgConnection, row: &ShippingRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO shipping_profiles (artist_id, origin_country, currency, domestic_minor, international_minor, collection)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (artist_id) DO UPDATE
             SET origin_country = EXCLUDED.origin_country, currency = EXCLUDED.currency,
                 domestic_minor = EXCLUDED.domestic_minor, international_minor = EXCLUDED.international_minor,
                 collection = EXCLUDED.collection, updated_at = now()",
    )
    .bind(row.artist_id)
    .bind(&row.origin_country)
    .bind(&row.currency)
    .bind(row.domestic_minor)
    .bind(row.international_minor)
    .bind(row.collection)
    .execute(conn)
    .await?;
    Ok(())
}

/// One set of terms given to many artists at once.
pub struct ShippingTerms<'a> {
    pub origin_country: &'a str,
    pub currency: &'a str,
    pub domestic_minor: Option<i64>,
    pub international_minor: Option<i64>,
    pub collection: bool,
}

pub async fn add_missing_shipping_profiles(
    conn: &mut PgConnection,
    artist_ids: &[Uuid],
    terms: &ShippingTerms<'_>,
) -> sqlx::Result<u64> {
    let added = sqlx::query(
        "INSERT INTO shipping_profiles (artist_id, origin_country, currency, domestic_minor, international_minor, collection)
         SELECT artist_id, $2, $3, $4, $5, $6 FROM unnest($1::uuid[]) AS artist_id
         ON CONFLICT (artist_id) DO NOTHING",
    )
    .bind(artist_ids)
    .bind(terms.origin_country)
    .bind(terms.currency)
    .bind(terms.domestic_minor)
    .bind(terms.international_minor)
    .bind(terms.collection)
    .execute(conn)
    .await?;
    Ok(added.rows_affected())
}

// ----- checkouts and holds -----

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, serde::Serialize, utoipa::ToSchema)]
#[sqlx(type_name = "checkout_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum CheckoutStatus {
    /// Stock held, awaiting payment.
    Open,
    /// Paid; the orders carry on.
    Paid,
    /// Not paid in time; the stock went back.
    Expired,
    /// Every order decided; the payment captured or voided.
    Settled,
}

#[derive(Debug, sqlx::FromRow)]
pub struct CheckoutRow {
    pub id: Uuid,
    pub buyer_id: Uuid,
    pub status: CheckoutStatus,
    pub currency: String,
    pub total_minor: i64,
    pub provider: String,
    pub payment_intent_id: String,
    pub client_secret: String,
    pub shipping_address: Value,
    pub settle_attempts: i32,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

pub struct NewCheckout<'a> {
    pub id: Uuid,
    pub buyer_id: Uuid,
    pub currency: &'a str,
    pub total_minor: i64,
    pub provider: &'a str,
    pub payment_intent_id: &'a str,
    pub client_secret: &'a str,
    pub shipping_address: Value,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_checkout(conn: &mut PgConnection, new: &NewCheckout<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO checkouts (id, buyer_id, currency, total_minor, provider, payment_intent_id, client_secret,
                                shipping_address, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new.id)
    .bind(new.buyer_id)
    .bind(new.currency)
    .bind(new.total_minor)
    .bind(new.provider)
    .bind(new.payment_intent_id)
    .bind(new.client_secret)
    .bind(&new.shipping_address)
    .bind(new.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

const CHECKOUT_COLUMNS: &str =
    "id, buyer_id, status, currency, total_minor, provider, payment_intent_id, client_secret,
    shipping_address, settle_attempts, expires_at, created_at";

pub async fn checkout(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<CheckoutRow>> {
    let sql = format!("SELECT {CHECKOUT_COLUMNS} FROM checkouts WHERE id = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await
}

/// Locks the checkout: every change to it or its orders starts here.
pub async fn lock_checkout(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<CheckoutRow>> {
    let sql = format!("SELECT {CHECKOUT_COLUMNS} FROM checkouts WHERE id = $1 FOR UPDATE");
    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await
}

pub async fn checkout_of_payment(conn: &mut PgConnection, payment_id: &str) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT id FROM checkouts WHERE payment_intent_id = $1")
        .bind(payment_id)
        .fetch_optional(conn)
        .await
}

pub async fn checkout_of_order(conn: &mut PgConnection, order_id: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT checkout_id FROM orders WHERE id = $1").bind(order_id).fetch_optional(conn).await
}

pub async fn set_checkout_status(conn: &mut PgConnection, id: Uuid, status: CheckoutStatus) -> sqlx::Result<()> {
    sqlx::query("UPDATE checkouts SET status = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(status)
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts one more capture or void attempt; returns the attempt's number.
pub async fn next_settle_attempt(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<i32> {
    sqlx::query_scalar(
        "UPDATE checkouts SET settle_attempts = settle_attempts + 1 WHERE id = $1 RETURNING settle_attempts - 1",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "stock_hold_status", rename_all = "snake_case")]
pub enum HoldStatus {
    Held,
    Sold,
    Released,
}

#[derive(Debug, sqlx::FromRow)]
pub struct HoldRow {
    pub artwork_id: Uuid,
    pub quantity: i32,
    pub status: HoldStatus,
}

pub async fn insert_hold(
    conn: &mut PgConnection,
    checkout_id: Uuid,
    artwork_id: Uuid,
    quantity: i32,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO stock_holds (checkout_id, artwork_id, quantity) VALUES ($1, $2, $3)")
        .bind(checkout_id)
        .bind(artwork_id)
        .bind(quantity)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn holds(conn: &mut PgConnection, checkout_id: Uuid, artwork_ids: &[Uuid]) -> sqlx::Result<Vec<HoldRow>> {
    sqlx::query_as(
        "SELECT artwork_id, quantity, status FROM stock_holds
         WHERE checkout_id = $1 AND artwork_id = ANY($2) ORDER BY artwork_id FOR UPDATE",
    )
    .bind(checkout_id)
    .bind(artwork_ids)
    .fetch_all(conn)
    .await
}

/// Moves a hold on only from the status it was read in: a hold is released
/// (and its stock given back) once, whoever gets there first.
pub async fn set_hold_status(
    conn: &mut PgConnection,
    checkout_id: Uuid,
    artwork_id: Uuid,
    from: HoldStatus,
    to: HoldStatus,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE stock_holds SET status = $4, updated_at = now()
         WHERE checkout_id = $1 AND artwork_id = $2 AND status = $3",
    )
    .bind(checkout_id)
    .bind(artwork_id)
    .bind(from)
    .bind(to)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

// ----- orders -----

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[sqlx(type_name = "shipping_method", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ShippingMethod {
    Delivery,
    /// The buyer collects the work from the artist.
    Collection,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OrderRow {
    pub id: Uuid,
    pub checkout_id: Uuid,
    pub buyer_id: Uuid,
    pub artist_id: Uuid,
    pub status: OrderStatus,
    pub currency: String,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub total_minor: i64,
    pub commission_minor: i64,
    pub fees_minor: i64,
    pub net_minor: i64,
    pub shipping_method: ShippingMethod,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub accept_by: Option<DateTime<Utc>>,
    pub ship_by: Option<DateTime<Utc>>,
    pub receive_by: Option<DateTime<Utc>>,
    pub release_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const ORDER_COLUMNS: &str = "id, checkout_id, buyer_id, artist_id, status, currency, subtotal_minor, shipping_minor,
    total_minor, commission_minor, fees_minor, net_minor, shipping_method, carrier, tracking_number, accept_by,
    ship_by, receive_by, release_at, created_at, updated_at";

pub async fn insert_order(conn: &mut PgConnection, order: &OrderRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO orders (id, checkout_id, buyer_id, artist_id, status, currency, subtotal_minor, shipping_minor,
                             total_minor, commission_minor, fees_minor, net_minor, shipping_method)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(order.id)
    .bind(order.checkout_id)
    .bind(order.buyer_id)
    .bind(order.artist_id)
    .bind(order.status)
    .bind(&order.currency)
    .bind(order.subtotal_minor)
    .bind(order.shipping_minor)
    .bind(order.total_minor)
    .bind(order.commission_minor)
    .bind(order.fees_minor)
    .bind(order.net_minor)
    .bind(order.shipping_method)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LineRow {
    pub order_id: Uuid,
    pub artwork_id: Uuid,
    pub title: String,
    pub edition_kind: crate::catalog::domain::EditionKind,
    pub quantity: i32,
    pub unit_price_minor: i64,
}

pub async fn insert_line(conn: &mut PgConnection, line: &LineRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO order_lines (order_id, artwork_id, title, edition_kind, quantity, unit_price_minor)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(line.order_id)
    .bind(line.artwork_id)
    .bind(&line.title)
    .bind(line.edition_kind)
    .bind(line.quantity)
    .bind(line.unit_price_minor)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn lines(conn: &mut PgConnection, order_ids: &[Uuid]) -> sqlx::Result<Vec<LineRow>> {
    sqlx::query_as(
        "SELECT order_id, artwork_id, title, edition_kind, quantity, unit_price_minor FROM order_lines
         WHERE order_id = ANY($1) ORDER BY order_id, title, artwork_id",
    )
    .bind(order_ids)
    .fetch_all(conn)
    .await
}

pub async fn order(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<OrderRow>> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await
}

/// The checkout's orders, locked (after the checkout itself).
pub async fn lock_orders_of(conn: &mut PgConnection, checkout_id: Uuid) -> sqlx::Result<Vec<OrderRow>> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE checkout_id = $1 ORDER BY id FOR UPDATE");
    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(checkout_id).fetch_all(conn).await
}

pub async fn orders_of(conn: &mut PgConnection, checkout_id: Uuid) -> sqlx::Result<Vec<OrderRow>> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE checkout_id = $1 ORDER BY id");
    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(checkout_id).fetch_all(conn).await
}

/// Whose orders a page lists.
#[derive(Clone, Copy, Debug)]
pub enum Party {
    Buyer(Uuid),
    Artist(Uuid),
    /// Operators: every order, optionally in one status.
    Anyone(Option<OrderStatus>),
}

/// A page of orders, newest first, after the order `before` (keyset on the
/// time-ordered id).
pub async fn list_orders(
    conn: &mut PgConnection,
    party: Party,
    before: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<OrderRow>> {
    let (buyer, artist, status) = match party {
        Party::Buyer(id) => (Some(id), None, None),
        Party::Artist(id) => (None, Some(id), None),
        Party::Anyone(status) => (None, None, status),
    };
    let sql = format!(
        "SELECT {ORDER_COLUMNS} FROM orders
         WHERE ($1::uuid IS NULL OR buyer_id = $1) AND ($2::uuid IS NULL OR artist_id = $2)
           AND ($3::order_status IS NULL OR status = $3) AND ($4::uuid IS NULL OR id < $4)
         ORDER BY id DESC LIMIT $5"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(buyer)
        .bind(artist)
        .bind(status)
        .bind(before)
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// What other capabilities may know of an order (reviews ask it): its
/// parties and status, when it first completed, and the works' titles as
/// bought.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OrderFacts {
    pub id: Uuid,
    pub buyer_id: Uuid,
    pub artist_id: Uuid,
    pub status: OrderStatus,
    /// When it first became `completed`; a later dispute or refund does not
    /// move it.
    pub completed_at: Option<DateTime<Utc>>,
    pub titles: Vec<String>,
}

const FACTS: &str = "SELECT o.id, o.buyer_id, o.artist_id, o.status, done.completed_at,
           ARRAY(SELECT l.title FROM order_lines l WHERE l.order_id = o.id ORDER BY l.title, l.artwork_id) AS titles
    FROM orders o
    CROSS JOIN LATERAL (SELECT min(t.created_at) AS completed_at FROM order_transitions t
                        WHERE t.order_id = o.id AND t.to_status = 'completed') done";

pub async fn order_facts(conn: &mut PgConnection, ids: &[Uuid]) -> sqlx::Result<Vec<OrderFacts>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{FACTS} WHERE o.id = ANY($1) ORDER BY o.id")))
        .bind(ids)
        .fetch_all(conn)
        .await
}

/// The orders `buyer` bought or `artist` sold that first completed at or
/// after `since`, the earliest first, at most `limit`.
pub async fn completed_since(
    conn: &mut PgConnection,
    buyer: Uuid,
    artist: Option<Uuid>,
    since: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<OrderFacts>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{FACTS} WHERE (o.buyer_id = $1 OR o.artist_id = $2)
           AND o.status IN ('completed', 'disputed', 'refunded') AND done.completed_at >= $3
         ORDER BY done.completed_at, o.id LIMIT $4"
    )))
    .bind(buyer)
    .bind(artist)
    .bind(since)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// The deadlines a status starts; the others are kept.
#[derive(Clone, Copy, Debug, Default)]
pub struct Deadlines {
    pub accept_by: Option<DateTime<Utc>>,
    pub ship_by: Option<DateTime<Utc>>,
    pub receive_by: Option<DateTime<Utc>>,
    pub release_at: Option<DateTime<Utc>>,
}

pub async fn set_order_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: OrderStatus,
    deadlines: Deadlines,
    shipment: Option<(&str, &str)>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE orders SET status = $2,
             accept_by = COALESCE($3, accept_by), ship_by = COALESCE($4, ship_by),
             receive_by = COALESCE($5, receive_by), release_at = COALESCE($6, release_at),
             carrier = COALESCE($7, carrier), tracking_number = COALESCE($8, tracking_number),
             updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(deadlines.accept_by)
    .bind(deadlines.ship_by)
    .bind(deadlines.receive_by)
    .bind(deadlines.release_at)
    .bind(shipment.map(|(carrier, _)| carrier))
    .bind(shipment.map(|(_, tracking)| tracking))
    .execute(conn)
    .await?;
    Ok(())
}

pub struct TransitionRecord<'a> {
    pub order_id: Uuid,
    pub from: OrderStatus,
    pub to: OrderStatus,
    pub actor: Actor,
    pub actor_id: Option<Uuid>,
    pub reason: &'a str,
}

pub async fn insert_transition(conn: &mut PgConnection, record: &TransitionRecord<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO order_transitions (order_id, from_status, to_status, actor, actor_id, reason)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(record.order_id)
    .bind(record.from)
    .bind(record.to)
    .bind(record.actor)
    .bind(record.actor_id)
    .bind(record.reason)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct TransitionRow {
    pub order_id: Uuid,
    pub from_status: OrderStatus,
    pub to_status: OrderStatus,
    pub actor: Actor,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

pub async fn transitions(conn: &mut PgConnection, order_ids: &[Uuid]) -> sqlx::Result<Vec<TransitionRow>> {
    sqlx::query_as(
        "SELECT order_id, from_status, to_status, actor, reason, created_at FROM order_transitions
         WHERE order_id = ANY($1) ORDER BY order_id, id",
    )
    .bind(order_ids)
    .fetch_all(conn)
    .await
}

pub async fn insert_outbox(
    conn: &mut PgConnection,
    topic: &str,
    aggregate_id: Uuid,
    payload: Value,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO outbox (topic, aggregate_id, payload) VALUES ($1, $2, $3)")
        .bind(topic)
        .bind(aggregate_id)
        .bind(payload)
        .execute(conn)
        .await?;
    Ok(())
}

// ----- the ledger -----

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, serde::Serialize, utoipa::ToSchema)]
#[sqlx(type_name = "ledger_kind", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum LedgerKind {
    Authorisation,
    Void,
    Capture,
    Refund,
    Transfer,
    TransferReversal,
}

pub struct LedgerEntry<'a> {
    pub checkout_id: Uuid,
    pub order_id: Option<Uuid>,
    pub kind: LedgerKind,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub provider_ref: &'a str,
    pub reason: &'a str,
}

/// Records a provider fact once: false when it was already on record.
pub async fn record(conn: &mut PgConnection, entry: &LedgerEntry<'_>) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO ledger_entries (id, checkout_id, order_id, kind, amount_minor, currency, provider_ref, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT ON CONSTRAINT ledger_entries_once DO NOTHING",
    )
    .bind(Uuid::now_v7())
    .bind(entry.checkout_id)
    .bind(entry.order_id)
    .bind(entry.kind)
    .bind(entry.amount_minor)
    .bind(entry.currency)
    .bind(entry.provider_ref)
    .bind(entry.reason)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One order's money so far, summed from the ledger.
#[derive(Clone, Copy, Debug, Default, sqlx::FromRow)]
pub struct OrderMoney {
    pub captured: i64,
    pub refunded: i64,
    pub transferred: i64,
    pub reversed: i64,
}

pub async fn order_money(conn: &mut PgConnection, order_ids: &[Uuid]) -> sqlx::Result<Vec<(Uuid, OrderMoney)>> {
    let rows: Vec<(Uuid, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT o.id,
                COALESCE(sum(l.amount_minor) FILTER (WHERE l.kind = 'capture'), 0)::bigint,
                COALESCE(sum(l.amount_minor) FILTER (WHERE l.kind = 'refund'), 0)::bigint,
                COALESCE(sum(l.amount_minor) FILTER (WHERE l.kind = 'transfer'), 0)::bigint,
                COALESCE(sum(l.amount_minor) FILTER (WHERE l.kind = 'transfer_reversal'), 0)::bigint
         FROM orders o LEFT JOIN ledger_entries l ON l.order_id = o.id
         WHERE o.id = ANY($1) GROUP BY o.id",
    )
    .bind(order_ids)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, captured, refunded, transferred, reversed)| {
            (id, OrderMoney { captured, refunded, transferred, reversed })
        })
        .collect())
}

/// The checkout's authorisation and its release, summed from the ledger.
pub async fn checkout_money(conn: &mut PgConnection, checkout_id: Uuid) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT COALESCE(sum(amount_minor) FILTER (WHERE kind = 'authorisation'), 0)::bigint,
                COALESCE(sum(amount_minor) FILTER (WHERE kind = 'void'), 0)::bigint
         FROM ledger_entries WHERE checkout_id = $1",
    )
    .bind(checkout_id)
    .fetch_one(conn)
    .await
}

/// Whether a provider object (a refund, a transfer) is on record already.
pub async fn on_record(conn: &mut PgConnection, kind: LedgerKind, provider_ref: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM ledger_entries WHERE kind = $1 AND provider_ref = $2)")
        .bind(kind)
        .bind(provider_ref)
        .fetch_one(conn)
        .await
}

/// The transfer that paid an order out, if any.
pub async fn transfer_of(conn: &mut PgConnection, order_id: Uuid) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT provider_ref FROM ledger_entries WHERE order_id = $1 AND kind = 'transfer' LIMIT 1")
        .bind(order_id)
        .fetch_optional(conn)
        .await
}

/// How many refunds an order has had: numbers the next refund's idempotency key.
pub async fn refund_count(conn: &mut PgConnection, order_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM ledger_entries WHERE order_id = $1 AND kind = 'refund'")
        .bind(order_id)
        .fetch_one(conn)
        .await
}

// ----- webhooks -----

/// Marks an event applied, in the transaction of its effect: false when it
/// was applied before (a redelivery).
pub async fn first_delivery(
    conn: &mut PgConnection,
    provider: &str,
    event_id: &str,
    type_name: &str,
) -> sqlx::Result<bool> {
    let done =
        sqlx::query("INSERT INTO webhook_events (provider, event_id, type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(provider)
            .bind(event_id)
            .bind(type_name)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

// ----- payout accounts -----

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PayoutAccountRow {
    pub artist_id: Uuid,
    pub provider: String,
    pub account_id: String,
    pub payouts_enabled: bool,
    pub requirements: Vec<String>,
}

pub async fn payout_account(conn: &mut PgConnection, artist_id: Uuid) -> sqlx::Result<Option<PayoutAccountRow>> {
    sqlx::query_as(
        "SELECT artist_id, provider, account_id, payouts_enabled, requirements FROM payout_accounts WHERE artist_id = $1",
    )
    .bind(artist_id)
    .fetch_optional(conn)
    .await
}

pub async fn put_payout_account(conn: &mut PgConnection, row: &PayoutAccountRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO payout_accounts (artist_id, provider, account_id, payouts_enabled, requirements)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (artist_id) DO UPDATE
             SET payouts_enabled = EXCLUDED.payouts_enabled, requirements = EXCLUDED.requirements, updated_at = now()",
    )
    .bind(row.artist_id)
    .bind(&row.provider)
    .bind(&row.account_id)
    .bind(row.payouts_enabled)
    .bind(&row.requirements)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update_payout_account(
    conn: &mut PgConnection,
    account_id: &str,
    payouts_enabled: bool,
    requirements: &[String],
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE payout_accounts SET payouts_enabled = $2, requirements = $3, updated_at = now() WHERE account_id = $1",
    )
    .bind(account_id)
    .bind(payouts_enabled)
    .bind(requirements)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An artist's money by state, in each currency they sold in.
#[derive(Debug, sqlx::FromRow)]
pub struct BalanceRow {
    pub currency: String,
    /// Captured, not yet completed.
    pub pending: i64,
    /// Completed and not yet paid out.
    pub available: i64,
    pub paid_out: i64,
}

pub async fn balances(conn: &mut PgConnection, artist_id: Uuid) -> sqlx::Result<Vec<BalanceRow>> {
    sqlx::query_as(
        "WITH money AS (
             SELECT o.id, o.status, o.currency, o.net_minor,
                    COALESCE(sum(l.amount_minor) FILTER (WHERE l.kind = 'capture'), 0) AS captured,
                    COALESCE(sum(l.amount_minor) FILTER (WHERE l.kind = 'transfer'), 0)
                  - COALESCE(sum(l.amount_minor) FILTER (WHERE l.kind = 'transfer_reversal'), 0) AS paid
             FROM orders o LEFT JOIN ledger_entries l ON l.order_id = o.id
             WHERE o.artist_id = $1
             GROUP BY o.id)
         SELECT currency,
                COALESCE(sum(net_minor) FILTER (WHERE captured > 0 AND status IN ('accepted', 'shipped', 'received', 'disputed')), 0)::bigint AS pending,
                COALESCE(sum(net_minor - paid) FILTER (WHERE status = 'completed' AND paid < net_minor), 0)::bigint AS available,
                COALESCE(sum(paid), 0)::bigint AS paid_out
         FROM money GROUP BY currency ORDER BY currency",
    )
    .bind(artist_id)
    .fetch_all(conn)
    .await
}

// ----- timers -----

/// Open checkouts whose hold has run out at `now`.
pub async fn expired_checkouts(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT id FROM checkouts WHERE status = 'open' AND expires_at <= $1 ORDER BY expires_at LIMIT 500",
    )
    .bind(now)
    .fetch_all(conn)
    .await
}

/// Orders in `status` whose deadline `column` has passed at `now`.
pub async fn orders_due(
    conn: &mut PgConnection,
    status: OrderStatus,
    column: DueColumn,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<Uuid>> {
    let column = match column {
        DueColumn::AcceptBy => "accept_by",
        DueColumn::ShipBy => "ship_by",
        DueColumn::ReceiveBy => "receive_by",
        DueColumn::ReleaseAt => "release_at",
    };
    let sql = format!("SELECT id FROM orders WHERE status = $1 AND {column} <= $2 ORDER BY {column} LIMIT 500");
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(status).bind(now).fetch_all(conn).await
}

#[derive(Clone, Copy, Debug)]
pub enum DueColumn {
    AcceptBy,
    ShipBy,
    ReceiveBy,
    ReleaseAt,
}

/// Completed orders not yet paid out whose artist can be paid.
pub async fn payouts_due(conn: &mut PgConnection) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT o.id FROM orders o JOIN payout_accounts p ON p.artist_id = o.artist_id AND p.payouts_enabled
         WHERE o.status = 'completed' AND o.net_minor > 0
           AND NOT EXISTS (SELECT 1 FROM ledger_entries l WHERE l.order_id = o.id AND l.kind = 'transfer')
         ORDER BY o.id LIMIT 500",
    )
    .fetch_all(conn)
    .await
}

/// Who a new payout account is for: the artist's sign-in e-mail, and the
/// country they ship from when they have said.
pub async fn artist_contact(conn: &mut PgConnection, artist_id: Uuid) -> sqlx::Result<(String, Option<String>)> {
    sqlx::query_as(
        "SELECT u.email, sp.origin_country::text FROM artists a JOIN users u ON u.id = a.user_id
         LEFT JOIN shipping_profiles sp ON sp.artist_id = a.id WHERE a.id = $1",
    )
    .bind(artist_id)
    .fetch_one(conn)
    .await
}

// ----- saved payment methods -----

pub async fn user_email(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT email FROM users WHERE id = $1").bind(user_id).fetch_one(conn).await
}

pub async fn buyer_customer(conn: &mut PgConnection, user_id: Uuid, provider: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT customer_id FROM buyer_customers WHERE user_id = $1 AND provider = $2")
        .bind(user_id)
        .bind(provider)
        .fetch_optional(conn)
        .await
}

/// Keeps the first customer recorded: two requests racing got the same one
/// from the provider, whose key is the buyer's.
pub async fn insert_buyer_customer(
    conn: &mut PgConnection,
    user_id: Uuid,
    provider: &str,
    customer_id: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO buyer_customers (user_id, provider, customer_id) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, provider) DO NOTHING",
    )
    .bind(user_id)
    .bind(provider)
    .bind(customer_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_payment_setup(
    conn: &mut PgConnection,
    setup_id: &str,
    user_id: Uuid,
    provider: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO payment_setups (setup_id, user_id, provider) VALUES ($1, $2, $3) ON CONFLICT (setup_id) DO NOTHING",
    )
    .bind(setup_id)
    .bind(user_id)
    .bind(provider)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether `setup_id` was started by `user_id` with `provider`.
pub async fn owns_payment_setup(
    conn: &mut PgConnection,
    setup_id: &str,
    user_id: Uuid,
    provider: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM payment_setups WHERE setup_id = $1 AND user_id = $2 AND provider = $3)",
    )
    .bind(setup_id)
    .bind(user_id)
    .bind(provider)
    .fetch_one(conn)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SavedMethodRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub provider: String,
    pub customer_id: String,
    pub payment_method_id: String,
    pub brand: Option<String>,
    pub last4: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn saved_method(
    conn: &mut PgConnection,
    user_id: Uuid,
    provider: &str,
) -> sqlx::Result<Option<SavedMethodRow>> {
    sqlx::query_as("SELECT * FROM saved_payment_methods WHERE user_id = $1 AND provider = $2")
        .bind(user_id)
        .bind(provider)
        .fetch_optional(conn)
        .await
}

/// Records the buyer's card, replacing the one they had: answers the
/// record and the replaced one, whose card the provider should forget.
pub async fn replace_saved_method(
    conn: &mut PgConnection,
    new: &SavedMethodRow,
) -> sqlx::Result<(SavedMethodRow, Option<SavedMethodRow>)> {
    let replaced: Option<SavedMethodRow> =
        sqlx::query_as("DELETE FROM saved_payment_methods WHERE user_id = $1 AND payment_method_id <> $2 RETURNING *")
            .bind(new.user_id)
            .bind(&new.payment_method_id)
            .fetch_optional(&mut *conn)
            .await?;
    let saved = sqlx::query_as(
        "INSERT INTO saved_payment_methods (id, user_id, provider, customer_id, payment_method_id, brand, last4)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (user_id) DO UPDATE SET brand = EXCLUDED.brand, last4 = EXCLUDED.last4
         RETURNING *",
    )
    .bind(new.id)
    .bind(new.user_id)
    .bind(&new.provider)
    .bind(&new.customer_id)
    .bind(&new.payment_method_id)
    .bind(&new.brand)
    .bind(&new.last4)
    .fetch_one(conn)
    .await?;
    Ok((saved, replaced))
}

pub async fn delete_saved_method(
    conn: &mut PgConnection,
    id: Uuid,
    user_id: Uuid,
) -> sqlx::Result<Option<SavedMethodRow>> {
    sqlx::query_as("DELETE FROM saved_payment_methods WHERE id = $1 AND user_id = $2 RETURNING *")
        .bind(id)
        .bind(user_id)
        .fetch_optional(conn)
        .await
}

// ----- what artist insights read -----

/// Negotiations started on each work in `[start, end)` that reached its
/// artist: each is a first offer made to them. A first offer below the
/// work's floor is declined without the artist hearing of it, so it is not
/// theirs to count either.
pub async fn offers_started(
    conn: &mut PgConnection,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> sqlx::Result<Vec<(Uuid, i64)>> {
    sqlx::query_as(
        "SELECT artwork_id, count(*) FROM negotiations
         WHERE created_at >= $1 AND created_at < $2 AND reached_artist GROUP BY artwork_id",
    )
    .bind(start)
    .bind(end)
    .fetch_all(conn)
    .await
}

/// A line of an order paid in a span of time, as the order stands now.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PaidLine {
    pub order_id: Uuid,
    pub artist_id: Uuid,
    pub artwork_id: Uuid,
    /// The order's status now.
    pub status: OrderStatus,
    pub currency: String,
    /// The line's price times its quantity, in minor units of `currency`:
    /// the order's lines add up to its subtotal.
    pub amount_minor: i64,
}

/// The lines of the orders paid in `[start, end)`: orders whose payment was
/// authorised then, whatever became of them since.
pub async fn paid_lines(
    conn: &mut PgConnection,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> sqlx::Result<Vec<PaidLine>> {
    sqlx::query_as(
        "SELECT o.id AS order_id, o.artist_id, l.artwork_id, o.status, o.currency,
                l.unit_price_minor * l.quantity AS amount_minor
         FROM order_transitions t JOIN orders o ON o.id = t.order_id JOIN order_lines l ON l.order_id = o.id
         WHERE t.to_status = 'paid' AND t.created_at >= $1 AND t.created_at < $2",
    )
    .bind(start)
    .bind(end)
    .fetch_all(conn)
    .await
}

/// When each order that changed status at or after `since` (other than by
/// being paid) was paid: the days whose revenue may have changed since.
pub async fn paid_times_of_orders_changed_since(
    conn: &mut PgConnection,
    since: DateTime<Utc>,
) -> sqlx::Result<Vec<DateTime<Utc>>> {
    sqlx::query_scalar(
        "SELECT DISTINCT paid.created_at
         FROM order_transitions changed
         JOIN order_transitions paid ON paid.order_id = changed.order_id AND paid.to_status = 'paid'
         WHERE changed.created_at >= $1 AND changed.to_status <> 'paid'",
    )
    .bind(since)
    .fetch_all(conn)
    .await
}
