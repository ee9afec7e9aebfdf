//! Offers and counter-offers. An artist opens a work to offers, optionally
//! with a private floor; a collector with a saved card offers a price; the
//! two answer each other until one accepts, declines, withdraws, or the
//! latest offer expires. Only the latest offer can be answered, and only by
//! the party it awaits. Acceptance charges the agreed price to the saved card
//! at once and makes the order through the same checkout and order process
//! as a purchase, accepted by the artist already.
//!
//! Every step runs under the negotiation's row lock; acceptance and a sale
//! take the work's lock first (as every sale does), so that of two
//! acceptances racing for a unique work one orders it and the other is told
//! it sold. When a work can no longer be had, every open negotiation over it
//! is declined in the transaction that sold it.

pub mod domain;
mod routes;
pub mod store;

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

pub use self::routes::router;
use self::{
    domain::{By, NegotiationStatus, Note, OfferStatus, Party, allowed, negotiation_after},
    store::{NegotiationRow, OfferRow},
};
use super::{
    checkout::shipping_cost,
    domain::{Actor, Address, Money, OrderStatus, Split},
    process::{self, Later, Step, provider_error},
    store::{self as commerce, LineRow, NewCheckout, OrderRow},
};
use crate::{
    app::AppContext,
    catalog::artworks::stock::{self, Terms, Unavailable},
    messaging::{self, OfferLine},
    platform::{
        http::error::{ApiError, ApiResult},
        payments::{IdempotencyKey, NewPayment, PaymentsError, SavedMethod},
    },
    realtime::notifications::{self, Kind},
};

/// What a collector is told when their offer is below the artist's floor.
pub const BELOW_FLOOR: &str = "Thank you for your offer. It is below what the artist can accept for this work, so it was declined automatically; \
     you are welcome to offer again.";

/// What an offer ends with when the work can no longer be had.
const SOLD: &str = "The work is no longer available.";

/// The amount of an offer as people read it: "GBP 1200.00".
fn shown(amount_minor: i64, currency: &str) -> String {
    let money = Money::new(amount_minor, currency);
    let exponent = u32::from(money.exponent);
    if exponent == 0 {
        return format!("{currency} {amount_minor}");
    }
    let unit = 10_i64.pow(exponent);
    format!(
        "{currency} {}.{:0width$}",
        amount_minor / unit,
        amount_minor % unit,
        width = usize::try_from(exponent).unwrap_or(2)
    )
}

/// Which side of the negotiation someone is on; `None` for anyone else.
pub fn side_of(negotiation: &NegotiationRow, user_id: Uuid) -> Option<Party> {
    if negotiation.buyer_id == user_id {
        Some(Party::Buyer)
    } else if negotiation.reached_artist && negotiation.artist_user_id == Some(user_id) {
        Some(Party::Artist)
    } else {
        None
    }
}

/// The account of the party on `side`.
fn account(negotiation: &NegotiationRow, party: Party) -> Option<Uuid> {
    match party {
        Party::Buyer => Some(negotiation.buyer_id),
        Party::Artist => negotiation.artist_user_id,
    }
}

/// Tells a step in the work's conversation and notifies the party who did
/// not take it (both when nobody took it).
async fn announce(
    conn: &mut PgConnection,
    negotiation: &NegotiationRow,
    offer: &OfferRow,
    by: Option<Party>,
    body: &str,
) -> ApiResult<()> {
    let Some(artist_user_id) = negotiation.artist_user_id else { return Ok(()) };
    let sender = match by {
        Some(party) => account(negotiation, party),
        None => offer.author_id,
    };
    let conversation_id = messaging::post_offer_line(
        conn,
        &OfferLine {
            artwork_id: negotiation.artwork_id,
            collector_id: negotiation.buyer_id,
            artist_user_id,
            sender_id: sender.unwrap_or(negotiation.buyer_id),
            offer_id: offer.id,
            body,
        },
    )
    .await?;
    let data = json!({
        "negotiation_id": negotiation.id,
        "offer_id": offer.id,
        "conversation_id": conversation_id,
        "artwork_id": negotiation.artwork_id,
        "artwork_title": negotiation.artwork_title,
        "status": offer.status,
        "amount": Money::new(offer.amount_minor, negotiation.currency.trim()),
        "message": body,
    });
    let subject = format!("offer:{}:{}", offer.id, offer.status.as_str());
    for party in [Party::Buyer, Party::Artist] {
        if Some(party) == by {
            continue;
        }
        if let Some(user) = account(negotiation, party) {
            notifications::notify(conn, user, Kind::Offer, &subject, data.clone()).await?;
        }
    }
    Ok(())
}

/// The pending offer of a locked negotiation, if `offer_id` names it and
/// `party` may take it now to the status `to` picks for them (as its author
/// or as the party it awaits); answers the offer and that status.
async fn turn(
    conn: &mut PgConnection,
    negotiation: &NegotiationRow,
    party: Party,
    offer_id: Uuid,
    to: impl FnOnce(By) -> OfferStatus,
    now: DateTime<Utc>,
) -> ApiResult<(OfferRow, OfferStatus)> {
    let pending = store::pending_offer(conn, negotiation.id).await?;
    let Some(pending) = pending.filter(|p| p.id == offer_id) else {
        let status = match store::offer(conn, offer_id).await?.filter(|o| o.negotiation_id == negotiation.id) {
            Some(offer) => offer.status.as_str(),
            None => return Err(ApiError::NotFound("no such offer in this negotiation".to_owned())),
        };
        return Err(ApiError::Conflict(format!(
            "that offer was {status}: only the latest offer of an open negotiation can be answered"
        )));
    };
    if pending.expires_at <= now {
        return Err(ApiError::Conflict("that offer has expired".to_owned()));
    }
    let by = if pending.party == party { By::Author } else { By::Awaited };
    let to = to(by);
    if !allowed(pending.status, to, by) {
        let why = match (by, to) {
            (By::Author, OfferStatus::Accepted | OfferStatus::Declined) => {
                "you made this offer: the other party answers it"
            }
            (By::Awaited, OfferStatus::Withdrawn) => "only its author can withdraw an offer",
            _ => "it is not your turn",
        };
        return Err(ApiError::Forbidden(why.to_owned()));
    }
    Ok((pending, to))
}

/// Ends a locked negotiation's pending offer with `status`, and the
/// negotiation with it where the offer was its last word.
async fn end_offer(
    conn: &mut PgConnection,
    negotiation: &NegotiationRow,
    offer: &mut OfferRow,
    status: OfferStatus,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    store::decide_offer(conn, offer.id, status, reason, now).await?;
    offer.status = status;
    offer.reason = reason.map(str::to_owned);
    offer.decided_at = Some(now);
    if let Some(ended) = negotiation_after(status) {
        store::set_negotiation_status(conn, negotiation.id, ended, None).await?;
    }
    Ok(())
}

/// A new pending offer in a negotiation, expiring after the configured time.
fn new_offer(
    ctx: &AppContext,
    negotiation_id: Uuid,
    party: Party,
    author: Uuid,
    amount_minor: i64,
    note: Option<Note>,
    now: DateTime<Utc>,
) -> OfferRow {
    let ttl = chrono::Duration::from_std(ctx.config.commerce.offer_expires_after).unwrap_or(chrono::Duration::MAX);
    OfferRow {
        id: Uuid::now_v7(),
        negotiation_id,
        party,
        author_id: Some(author),
        amount_minor,
        note: note.map(|n| n.as_str().to_owned()),
        status: OfferStatus::Pending,
        expires_at: now + ttl,
        created_at: now,
        decided_at: None,
        reason: None,
    }
}

fn offer_line(offer: &OfferRow, currency: &str, verb: &str) -> String {
    let amount = shown(offer.amount_minor, currency);
    match &offer.note {
        Some(note) => format!("{verb} {amount}.\n\n{note}"),
        None => format!("{verb} {amount}."),
    }
}

/// What a collector's first offer asks for.
pub struct FirstOffer {
    pub artwork_id: Uuid,
    pub amount_minor: i64,
    pub note: Option<Note>,
    pub address: Address,
    pub collect: bool,
}

/// A collector's first offer on a work: checked against the work, the
/// artist's terms and the collector's saved card; declined at once, without
/// reaching the artist, when below the floor. Answers the negotiation's id.
pub async fn make(ctx: &AppContext, buyer: Uuid, first: FirstOffer, now: DateTime<Utc>) -> ApiResult<Uuid> {
    let mut conn = ctx.db.acquire().await?;
    let work = stock::offers(&mut conn, &[first.artwork_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::NotFound("no such work for sale".to_owned()))?;
    let Some(floor) = store::terms(&mut conn, work.artwork_id).await? else {
        return Err(ApiError::Conflict("the artist does not take offers on this work".to_owned()));
    };
    let artist_user = crate::catalog::artists::account_of_artist(&mut conn, work.artist_id)
        .await?
        .ok_or_else(|| ApiError::Conflict("the artist cannot answer offers yet".to_owned()))?;
    if artist_user == buyer {
        return Err(ApiError::Forbidden("this is your own work".to_owned()));
    }
    if messaging::store::blocked_between(&mut conn, buyer, artist_user).await? {
        return Err(ApiError::Forbidden("one of you blocked the other".to_owned()));
    }
    if work.available == Some(0) {
        return Err(ApiError::Conflict(format!("\"{}\" is no longer available", work.title)));
    }
    let amount = domain::Amount::parse(first.amount_minor, work.price.amount_minor)?;
    if commerce::saved_method(&mut conn, buyer, ctx.payments.name()).await?.is_none() {
        return Err(ApiError::Conflict("save a card first: an accepted offer is charged to it at once".to_owned()));
    }
    let profiles = commerce::shipping_profiles(&mut conn, &[work.artist_id]).await?;
    shipping_cost(profiles.first(), &work.artist_name, first.collect, &first.address.country, &work.price.currency)?;
    if let Some(open) = store::open_negotiation(&mut conn, work.artwork_id, buyer).await? {
        return Err(ApiError::Conflict(format!(
            "you already have an open offer on this work (negotiation {open}): answer or withdraw it there"
        )));
    }
    drop(conn);

    let below_floor = floor.is_some_and(|floor| amount.minor() < floor);
    let negotiation_id = Uuid::now_v7();
    let mut tx = ctx.db.begin().await?;
    let inserted = store::insert_negotiation(
        &mut tx,
        &store::NewNegotiation {
            id: negotiation_id,
            artwork_id: work.artwork_id,
            artist_id: work.artist_id,
            buyer_id: buyer,
            currency: &work.price.currency,
            shipping_address: serde_json::to_value(&first.address).map_err(anyhow::Error::from)?,
            collect: first.collect,
            status: if below_floor { NegotiationStatus::Declined } else { NegotiationStatus::Open },
            reached_artist: !below_floor,
        },
    )
    .await?;
    if !inserted {
        return Err(ApiError::Conflict("you already have an open offer on this work".to_owned()));
    }
    let mut offer = new_offer(ctx, negotiation_id, Party::Buyer, buyer, amount.minor(), first.note, now);
    if below_floor {
        offer.status = OfferStatus::Declined;
        offer.decided_at = Some(now);
        offer.reason = Some(BELOW_FLOOR.to_owned());
        store::insert_offer(&mut tx, &offer).await?;
    } else {
        store::insert_offer(&mut tx, &offer).await?;
        let negotiation = store::negotiation(&mut tx, negotiation_id).await?.ok_or_else(gone)?;
        announce(
            &mut tx,
            &negotiation,
            &offer,
            Some(Party::Buyer),
            &offer_line(&offer, &work.price.currency, "Offered"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(negotiation_id)
}

fn gone() -> ApiError {
    ApiError::NotFound("no such negotiation".to_owned())
}

/// A locked negotiation the caller takes part in, and their side.
async fn locked(conn: &mut PgConnection, id: Uuid, user_id: Uuid) -> ApiResult<(NegotiationRow, Party)> {
    let negotiation = store::lock_negotiation(conn, id).await?.ok_or_else(gone)?;
    let party = side_of(&negotiation, user_id).ok_or_else(gone)?;
    Ok((negotiation, party))
}

/// A new offer answering the pending one: a counter-offer from the party it
/// awaited, or a revision from its author (which supersedes it). A
/// collector's offer below the floor ends the negotiation, as a first one does.
pub async fn counter(
    ctx: &AppContext,
    user_id: Uuid,
    negotiation_id: Uuid,
    replaces: Uuid,
    amount_minor: i64,
    note: Option<Note>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let mut tx = ctx.db.begin().await?;
    let (negotiation, party) = locked(&mut tx, negotiation_id, user_id).await?;
    let answer = |by| if by == By::Author { OfferStatus::Superseded } else { OfferStatus::Countered };
    let (mut previous, to) = turn(&mut tx, &negotiation, party, replaces, answer, now).await?;
    let work = stock::offers(&mut tx, &[negotiation.artwork_id])
        .await?
        .into_iter()
        .next()
        .filter(|w| w.price.currency == negotiation.currency.trim() && w.available != Some(0))
        .ok_or_else(|| ApiError::Conflict("the work is no longer available on these terms".to_owned()))?;
    let amount = domain::Amount::parse(amount_minor, work.price.amount_minor)?;
    end_offer(&mut tx, &negotiation, &mut previous, to, None, now).await?;
    let mut offer = new_offer(ctx, negotiation_id, party, user_id, amount.minor(), note, now);
    let floor = store::terms(&mut tx, negotiation.artwork_id).await?.flatten();
    if party == Party::Buyer && floor.is_some_and(|floor| amount.minor() < floor) {
        offer.status = OfferStatus::Declined;
        offer.decided_at = Some(now);
        offer.reason = Some(BELOW_FLOOR.to_owned());
        store::insert_offer(&mut tx, &offer).await?;
        store::set_negotiation_status(&mut tx, negotiation_id, NegotiationStatus::Declined, None).await?;
        tx.commit().await?;
        return Ok(());
    }
    store::insert_offer(&mut tx, &offer).await?;
    let verb = match (to, party) {
        (OfferStatus::Superseded, _) => "Changed the offer to",
        (_, Party::Artist) => "Countered with",
        (_, Party::Buyer) => "Offered",
    };
    announce(&mut tx, &negotiation, &offer, Some(party), &offer_line(&offer, negotiation.currency.trim(), verb))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The party an offer awaits declines it, or its author withdraws it.
pub async fn end(
    ctx: &AppContext,
    user_id: Uuid,
    negotiation_id: Uuid,
    offer_id: Uuid,
    to: OfferStatus,
    reason: Option<Note>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let mut tx = ctx.db.begin().await?;
    let (negotiation, party) = locked(&mut tx, negotiation_id, user_id).await?;
    let (mut offer, _) = turn(&mut tx, &negotiation, party, offer_id, |_| to, now).await?;
    let reason = reason.as_ref().map(Note::as_str);
    end_offer(&mut tx, &negotiation, &mut offer, to, reason, now).await?;
    let amount = shown(offer.amount_minor, negotiation.currency.trim());
    let line = match (to, reason) {
        (OfferStatus::Withdrawn, _) => format!("Withdrew the offer of {amount}."),
        (_, Some(reason)) => format!("Declined the offer of {amount}.\n\n{reason}"),
        (_, None) => format!("Declined the offer of {amount}."),
    };
    announce(&mut tx, &negotiation, &offer, Some(party), &line).await?;
    tx.commit().await?;
    Ok(())
}

/// How an acceptance ended, when it did not make an order.
enum Refused {
    /// The work cannot be had any more: the negotiation is over.
    Gone(ApiError),
    /// The saved card was declined or needs its holder: the offer stands.
    Card(String),
    /// Anything else: nothing changed.
    Error(ApiError),
}

impl From<ApiError> for Refused {
    fn from(e: ApiError) -> Self {
        Refused::Error(e)
    }
}

impl From<sqlx::Error> for Refused {
    fn from(e: sqlx::Error) -> Self {
        Refused::Error(e.into())
    }
}

/// The party an offer awaits accepts it: the agreed price (and shipping) is
/// charged to the collector's saved card at once, and the order is made,
/// paid and accepted. When the work sold meanwhile the negotiation ends and
/// says so; when the card is refused the offer stands and the collector is
/// asked to update it. Answers the order's id.
pub async fn accept(
    ctx: &AppContext,
    user_id: Uuid,
    negotiation_id: Uuid,
    offer_id: Uuid,
    now: DateTime<Utc>,
) -> ApiResult<Uuid> {
    let mut conn = ctx.db.acquire().await?;
    let artwork_id = store::artwork_of(&mut conn, negotiation_id).await?.ok_or_else(gone)?;
    drop(conn);
    let mut tx = ctx.db.begin().await?;
    match accept_in(&mut tx, ctx, user_id, negotiation_id, artwork_id, offer_id, now).await {
        Ok((order_id, later)) => {
            tx.commit().await?;
            later.run(ctx).await;
            Ok(order_id)
        }
        Err(Refused::Error(e)) => Err(e),
        Err(Refused::Gone(e)) => {
            // The negotiation's end was written on the same transaction.
            tx.commit().await?;
            Err(e)
        }
        Err(Refused::Card(why)) => {
            drop(tx);
            card_refused(ctx, negotiation_id, offer_id, &why).await?;
            Err(ApiError::Conflict(format!(
                "the collector's saved card could not be charged ({why}); they have been asked to update it, and \
                 the offer stands until it expires"
            )))
        }
    }
}

async fn accept_in(
    tx: &mut PgConnection,
    ctx: &AppContext,
    user_id: Uuid,
    negotiation_id: Uuid,
    artwork_id: Uuid,
    offer_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(Uuid, Later), Refused> {
    // The work's lock before the negotiation's: the order a sale takes them in.
    stock::lock(tx, artwork_id).await?;
    let (negotiation, party) = locked(tx, negotiation_id, user_id).await?;
    let (mut offer, _) = turn(tx, &negotiation, party, offer_id, |_| OfferStatus::Accepted, now).await?;
    let currency = negotiation.currency.trim().to_owned();
    let buyer = negotiation.buyer_id;
    let artist_user = negotiation.artist_user_id.ok_or_else(gone)?;
    let card = commerce::saved_method(tx, buyer, ctx.payments.name())
        .await?
        .ok_or_else(|| Refused::Card("the collector has no saved card".to_owned()))?;
    let address: Address = serde_json::from_value(negotiation.shipping_address.clone())
        .map_err(|e| Refused::Error(anyhow::Error::from(e).into()))?;
    let profiles = commerce::shipping_profiles(tx, &[negotiation.artist_id]).await?;
    let (shipping, method) =
        shipping_cost(profiles.first(), &negotiation.artist_name, negotiation.collect, &address.country, &currency)?;
    let held = match stock::hold(tx, artwork_id, 1, Terms::Agreed { currency: &currency }).await? {
        Ok(held) => held,
        Err(Unavailable::Reserved) => {
            return Err(Refused::Error(ApiError::Conflict(format!(
                "\"{}\" is in another buyer's checkout right now: try again in a few minutes",
                negotiation.artwork_title
            ))));
        }
        Err(_) => {
            end_offer(tx, &negotiation, &mut offer, OfferStatus::Declined, Some(SOLD), now).await?;
            announce(tx, &negotiation, &offer, None, &format!("The offer ended: {SOLD}")).await?;
            return Err(Refused::Gone(ApiError::Conflict(format!(
                "\"{}\" is no longer available: the offer has ended",
                negotiation.artwork_title
            ))));
        }
    };
    let mut later = Later::from(held.after_commit);
    // An offer is accepted at most once, so its id can be the checkout's:
    // a retry after a lost transaction repeats the same payment.
    let checkout_id = offer.id;
    let total = offer.amount_minor + shipping;
    let attempt = u32::try_from(negotiation.failed_charges).unwrap_or(u32::MAX);
    let key = IdempotencyKey::new(offer.id, "accept", attempt);
    let transfer_group = checkout_id.to_string();
    let saved = SavedMethod { customer_id: card.customer_id, payment_method_id: card.payment_method_id };
    let payment = match ctx
        .payments
        .create_payment(&NewPayment {
            amount_minor: total,
            currency: &currency,
            transfer_group: &transfer_group,
            description: "Atelier accepted offer",
            off_session: Some(&saved),
            idempotency_key: &key,
        })
        .await
    {
        Ok(payment) => payment,
        Err(PaymentsError::Declined(decline)) => return Err(Refused::Card(decline.message)),
        Err(PaymentsError::AuthenticationRequired) => {
            return Err(Refused::Card("the card's bank asks the collector to authenticate".to_owned()));
        }
        Err(e) => return Err(Refused::Error(provider_error(e))),
    };
    commerce::insert_checkout(
        tx,
        &NewCheckout {
            id: checkout_id,
            buyer_id: buyer,
            currency: &currency,
            total_minor: total,
            provider: ctx.payments.name(),
            payment_intent_id: &payment.id,
            client_secret: &payment.client_secret,
            shipping_address: negotiation.shipping_address.clone(),
            expires_at: now,
        },
    )
    .await?;
    commerce::insert_hold(tx, checkout_id, artwork_id, 1).await?;
    let terms = &ctx.config.commerce;
    let split = Split::of(offer.amount_minor, shipping, terms.commission_bps, terms.fee_bps);
    let order = OrderRow {
        id: Uuid::now_v7(),
        checkout_id,
        buyer_id: buyer,
        artist_id: negotiation.artist_id,
        status: OrderStatus::PendingPayment,
        currency: currency.clone(),
        subtotal_minor: offer.amount_minor,
        shipping_minor: shipping,
        total_minor: total,
        commission_minor: split.commission_minor,
        fees_minor: split.fees_minor,
        net_minor: split.net_minor,
        shipping_method: method,
        carrier: None,
        tracking_number: None,
        accept_by: None,
        ship_by: None,
        receive_by: None,
        release_at: None,
        created_at: now,
        updated_at: now,
    };
    commerce::insert_order(tx, &order).await?;
    commerce::insert_line(
        tx,
        &LineRow {
            order_id: order.id,
            artwork_id,
            title: held.title.clone(),
            edition_kind: held.edition_kind,
            quantity: 1,
            unit_price_minor: offer.amount_minor,
        },
    )
    .await?;
    commerce::insert_outbox(
        tx,
        "order.created",
        order.id,
        json!({ "order_id": order.id, "checkout_id": checkout_id, "buyer_id": buyer,
                "artist_id": negotiation.artist_id, "negotiation_id": negotiation.id }),
    )
    .await?;
    // Ended before the payment is applied, so that the sale it makes closes
    // every other negotiation over the work but this one.
    end_offer(tx, &negotiation, &mut offer, OfferStatus::Accepted, None, now).await?;
    store::set_negotiation_status(tx, negotiation.id, NegotiationStatus::Accepted, Some(checkout_id)).await?;
    later.extend(process::apply_payment(tx, ctx, checkout_id, &payment, now).await?);
    let (checkout, mut orders) = process::lock(tx, checkout_id).await?;
    for order in orders.iter_mut().filter(|o| o.status == OrderStatus::Paid) {
        let step = Step {
            to: OrderStatus::Accepted,
            actor: Actor::Artist,
            actor_id: Some(artist_user),
            reason: "agreed in an offer",
            shipment: None,
        };
        process::transition(tx, terms, order, step, now).await?;
    }
    later.extend(process::settle(tx, ctx, &checkout, &mut orders, now).await?);
    let line = format!("Accepted the offer of {}. The order is placed and paid.", shown(offer.amount_minor, &currency));
    announce(tx, &negotiation, &offer, Some(party), &line).await?;
    Ok((order.id, later))
}

/// The collector's card was refused on acceptance: counted (so the next try
/// is a new charge) and the collector is asked to update it.
async fn card_refused(ctx: &AppContext, negotiation_id: Uuid, offer_id: Uuid, why: &str) -> ApiResult<()> {
    let mut tx = ctx.db.begin().await?;
    let negotiation = store::lock_negotiation(&mut tx, negotiation_id).await?.ok_or_else(gone)?;
    let attempt = store::count_failed_charge(&mut tx, negotiation_id).await?;
    notifications::notify(
        &mut tx,
        negotiation.buyer_id,
        Kind::Offer,
        &format!("offer:{offer_id}:card-refused:{attempt}"),
        json!({
            "negotiation_id": negotiation.id,
            "offer_id": offer_id,
            "artwork_id": negotiation.artwork_id,
            "artwork_title": negotiation.artwork_title,
            "status": "card_refused",
            "message": format!("Your offer was accepted, but your saved card could not be charged ({why}). \
                                Update your card so the offer can go through before it expires."),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Expires every pending offer whose time ran out by `now`; answers how
/// many. Each is re-read under its negotiation's lock, so a second or late
/// run changes nothing.
pub async fn expire_due(ctx: &AppContext, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let mut conn = ctx.db.acquire().await?;
    let due = store::expired_by(&mut conn, now).await?;
    drop(conn);
    let mut expired = 0;
    for id in due {
        let mut tx = ctx.db.begin().await?;
        let Some(negotiation) = store::lock_negotiation(&mut tx, id).await? else { continue };
        let Some(mut offer) = store::pending_offer(&mut tx, id).await?.filter(|o| o.expires_at <= now) else {
            continue;
        };
        end_offer(&mut tx, &negotiation, &mut offer, OfferStatus::Expired, None, now).await?;
        let line = format!("The offer of {} expired.", shown(offer.amount_minor, negotiation.currency.trim()));
        announce(&mut tx, &negotiation, &offer, None, &line).await?;
        tx.commit().await?;
        expired += 1;
    }
    Ok(expired)
}

/// After a sale of the work on the caller's transaction (which holds the
/// work's lock): if nothing of it is left to sell, every open negotiation
/// over it is declined, and both sides are told.
pub async fn work_sold(conn: &mut PgConnection, artwork_id: Uuid, now: DateTime<Utc>) -> ApiResult<()> {
    let work = stock::offers(conn, &[artwork_id]).await?.into_iter().next();
    // An open edition (no limit) always has another copy to agree on.
    if work.is_some_and(|w| w.available != Some(0)) {
        return Ok(());
    }
    for id in store::open_on(conn, artwork_id).await? {
        let Some(negotiation) = store::lock_negotiation(conn, id).await? else { continue };
        if negotiation.status != NegotiationStatus::Open {
            continue;
        }
        let Some(mut offer) = store::pending_offer(conn, id).await? else { continue };
        end_offer(conn, &negotiation, &mut offer, OfferStatus::Declined, Some(SOLD), now).await?;
        announce(conn, &negotiation, &offer, None, &format!("The offer ended: {SOLD}")).await?;
    }
    Ok(())
}
