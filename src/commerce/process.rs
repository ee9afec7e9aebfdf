//! The order process: every status change goes through [`transition`], under
//! the checkout's and the order's row locks, in one transaction that also
//! writes the transition log row and the outbox event. Money follows the
//! orders: a checkout's one authorisation is captured for the accepted orders
//! once every order has been decided ([`settle`]), or voided when none was;
//! refunds and payouts are recorded in the ledger with the provider's ids.
//!
//! Provider calls made while the locks are held carry idempotency keys
//! derived from what they are for, so a transaction that fails after the call
//! and is retried repeats the same call rather than a new one.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    domain::{Actor, OrderStatus, allowed},
    store::{self, CheckoutRow, CheckoutStatus, Deadlines, HoldStatus, LedgerEntry, LedgerKind, OrderRow},
};
use crate::{
    app::AppContext,
    catalog::artworks::{changes::AfterCommit, stock},
    platform::{
        config::CommerceConfig,
        http::error::{ApiError, ApiResult},
        payments::{IdempotencyKey, NewTransfer, Payment, PaymentState, PaymentsError},
    },
    realtime::notifications::{self, Kind},
};

/// Work to do once the transaction commits (re-indexing works whose
/// availability changed).
#[derive(Default)]
#[must_use = "run it after the transaction commits"]
pub struct Later(Vec<AfterCommit>);

impl From<AfterCommit> for Later {
    fn from(after: AfterCommit) -> Self {
        Self(vec![after])
    }
}

impl Later {
    fn add(&mut self, after: AfterCommit) {
        self.0.push(after);
    }

    pub fn extend(&mut self, other: Later) {
        self.0.extend(other.0);
    }

    pub async fn run(self, ctx: &AppContext) {
        for after in self.0 {
            after.run(ctx.queue.as_ref()).await;
        }
    }
}

pub fn provider_error(e: PaymentsError) -> ApiError {
    match e {
        PaymentsError::Refused(message) => ApiError::Conflict(format!("the payment provider refused: {message}")),
        PaymentsError::Declined(decline) => ApiError::Conflict(format!("the card was declined: {}", decline.message)),
        PaymentsError::AuthenticationRequired => {
            ApiError::Conflict("the card's bank asks the buyer to authenticate this payment".to_owned())
        }
        PaymentsError::Other(e) => ApiError::Unavailable(format!("the payment provider did not answer: {e:#}")),
    }
}

fn duration(d: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// A change of status someone asks for.
pub struct Step<'a> {
    pub to: OrderStatus,
    pub actor: Actor,
    pub actor_id: Option<Uuid>,
    pub reason: &'a str,
    /// Carrier and tracking number, when shipping.
    pub shipment: Option<(&'a str, &'a str)>,
}

/// Moves a locked order on if the table allows it, with its log row, the
/// deadline the new status starts, and its outbox event. Refused with 409
/// naming the current status otherwise.
pub async fn transition(
    conn: &mut PgConnection,
    config: &CommerceConfig,
    order: &mut OrderRow,
    step: Step<'_>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    if !allowed(order.status, step.to, step.actor) {
        return Err(ApiError::Conflict(format!(
            "the order is {}: it cannot become {} now",
            order.status.as_str(),
            step.to.as_str()
        )));
    }
    let mut deadlines = Deadlines::default();
    match step.to {
        OrderStatus::Paid => deadlines.accept_by = Some(now + duration(config.accept_within)),
        OrderStatus::Accepted => deadlines.ship_by = Some(now + duration(config.ship_within)),
        OrderStatus::Shipped => deadlines.receive_by = Some(now + duration(config.auto_receive_after)),
        OrderStatus::Received => deadlines.release_at = Some(now + duration(config.payout_hold)),
        _ => {}
    }
    store::set_order_status(conn, order.id, step.to, deadlines, step.shipment).await?;
    store::insert_transition(
        conn,
        &store::TransitionRecord {
            order_id: order.id,
            from: order.status,
            to: step.to,
            actor: step.actor,
            actor_id: step.actor_id,
            reason: step.reason,
        },
    )
    .await?;
    store::insert_outbox(
        conn,
        &format!("order.{}", step.to.as_str()),
        order.id,
        json!({
            "order_id": order.id,
            "checkout_id": order.checkout_id,
            "buyer_id": order.buyer_id,
            "artist_id": order.artist_id,
            "from": order.status.as_str(),
            "to": step.to.as_str(),
            "actor": step.actor,
            "reason": step.reason,
        }),
    )
    .await?;
    notify_parties(conn, order, &step).await?;
    if step.to == OrderStatus::Completed {
        crate::reviews::invite(conn, order.id, config.review_window).await?;
    }
    order.status = step.to;
    Ok(())
}

/// Tells the buyer and the artist that an order moved, each unless it was
/// their own doing. The subject (order and status) keeps a transition that
/// is retried from notifying twice.
async fn notify_parties(conn: &mut PgConnection, order: &OrderRow, step: &Step<'_>) -> ApiResult<()> {
    let subject = format!("order:{}:{}", order.id, step.to.as_str());
    let data = json!({
        "order_id": order.id,
        "checkout_id": order.checkout_id,
        "from": order.status.as_str(),
        "status": step.to.as_str(),
        "reason": step.reason,
    });
    if step.actor != Actor::Buyer {
        notifications::notify(conn, order.buyer_id, Kind::OrderUpdate, &subject, data.clone()).await?;
    }
    if step.actor != Actor::Artist
        && let Some(artist_user) = crate::catalog::artists::account_of_artist(conn, order.artist_id).await?
    {
        notifications::notify(conn, artist_user, Kind::Sale, &subject, data).await?;
    }
    Ok(())
}

/// The checkout and its orders, locked in that order.
pub async fn lock(conn: &mut PgConnection, checkout_id: Uuid) -> ApiResult<(CheckoutRow, Vec<OrderRow>)> {
    let checkout = store::lock_checkout(conn, checkout_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such checkout".to_owned()))?;
    let orders = store::lock_orders_of(conn, checkout_id).await?;
    Ok((checkout, orders))
}

/// Gives back the stock of an order's works (each hold once).
pub async fn release_stock(conn: &mut PgConnection, order: &OrderRow) -> ApiResult<Later> {
    let mut later = Later::default();
    let artwork_ids: Vec<Uuid> = store::lines(conn, &[order.id]).await?.into_iter().map(|l| l.artwork_id).collect();
    for hold in store::holds(conn, order.checkout_id, &artwork_ids).await? {
        if hold.status == HoldStatus::Released {
            continue;
        }
        if store::set_hold_status(conn, order.checkout_id, hold.artwork_id, hold.status, HoldStatus::Released).await? {
            later.add(stock::release(conn, hold.artwork_id, hold.quantity).await?);
        }
    }
    Ok(later)
}

/// Brings a locked checkout in line with its payment as the provider
/// reports it. The webhook route, the buyer's confirm and the hold timer all
/// come here, in any order and any number of times: the checkout's status
/// and the ledger's unique keys make every repeat a no-op.
pub async fn apply_payment(
    conn: &mut PgConnection,
    ctx: &AppContext,
    checkout_id: Uuid,
    payment: &Payment,
    now: DateTime<Utc>,
) -> ApiResult<Later> {
    let (checkout, mut orders) = lock(conn, checkout_id).await?;
    let mut later = Later::default();
    let authorised = matches!(payment.state, PaymentState::RequiresCapture | PaymentState::Succeeded);
    if authorised {
        store::record(
            conn,
            &LedgerEntry {
                checkout_id,
                order_id: None,
                kind: LedgerKind::Authorisation,
                amount_minor: payment.amount_minor,
                currency: &checkout.currency,
                provider_ref: &payment.id,
                reason: "",
            },
        )
        .await?;
    }
    match (checkout.status, payment.state) {
        (CheckoutStatus::Open, PaymentState::RequiresCapture | PaymentState::Succeeded) => {
            for order in orders.iter_mut().filter(|o| o.status == OrderStatus::PendingPayment) {
                let step =
                    Step { to: OrderStatus::Paid, actor: Actor::System, actor_id: None, reason: "", shipment: None };
                transition(conn, &ctx.config.commerce, order, step, now).await?;
                let artwork_ids: Vec<Uuid> =
                    store::lines(conn, &[order.id]).await?.into_iter().map(|l| l.artwork_id).collect();
                for hold in store::holds(conn, checkout_id, &artwork_ids).await? {
                    if store::set_hold_status(conn, checkout_id, hold.artwork_id, HoldStatus::Held, HoldStatus::Sold)
                        .await?
                    {
                        later.add(stock::sell(conn, hold.artwork_id).await?);
                        super::offers::work_sold(conn, hold.artwork_id, now).await?;
                    }
                }
            }
            store::set_checkout_status(conn, checkout_id, CheckoutStatus::Paid).await?;
        }
        // Paid after the hold ran out (or the buyer cancelled): the works may
        // be someone else's by now, so the authorisation is released.
        (CheckoutStatus::Expired, PaymentState::RequiresCapture) => {
            let key = IdempotencyKey::new(checkout_id, "void-late", 0);
            let voided = ctx.payments.void(&payment.id, &key).await.map_err(provider_error)?;
            record_void(conn, &checkout, &voided).await?;
        }
        (_, PaymentState::Canceled) => record_void(conn, &checkout, payment).await?,
        // Captured at the provider, but the transaction that captured it did
        // not commit: the capture is recorded now.
        (CheckoutStatus::Paid, PaymentState::Succeeded) => {
            record_captures(conn, &checkout, &orders, payment).await?;
            store::set_checkout_status(conn, checkout_id, CheckoutStatus::Settled).await?;
        }
        _ => {}
    }
    Ok(later)
}

async fn record_void(conn: &mut PgConnection, checkout: &CheckoutRow, payment: &Payment) -> ApiResult<()> {
    let (authorised, voided) = store::checkout_money(conn, checkout.id).await?;
    let open = authorised - voided - payment.amount_received;
    if open > 0 {
        store::record(
            conn,
            &LedgerEntry {
                checkout_id: checkout.id,
                order_id: None,
                kind: LedgerKind::Void,
                amount_minor: open,
                currency: &checkout.currency,
                provider_ref: &payment.id,
                reason: "",
            },
        )
        .await?;
    }
    Ok(())
}

/// The orders a capture pays for: accepted, and any that moved on since.
fn captured_orders(orders: &[OrderRow]) -> impl Iterator<Item = &OrderRow> {
    orders.iter().filter(|o| {
        matches!(
            o.status,
            OrderStatus::Accepted
                | OrderStatus::Shipped
                | OrderStatus::Received
                | OrderStatus::Completed
                | OrderStatus::Disputed
        )
    })
}

async fn record_captures(
    conn: &mut PgConnection,
    checkout: &CheckoutRow,
    orders: &[OrderRow],
    payment: &Payment,
) -> ApiResult<()> {
    for order in captured_orders(orders) {
        store::record(
            conn,
            &LedgerEntry {
                checkout_id: checkout.id,
                order_id: Some(order.id),
                kind: LedgerKind::Capture,
                amount_minor: order.total_minor,
                currency: &checkout.currency,
                provider_ref: &payment.id,
                reason: "",
            },
        )
        .await?;
    }
    // What was authorised and not captured is released by the capture.
    record_void(conn, checkout, payment).await
}

/// Once no order of a paid checkout awaits its artist, captures what the
/// accepted orders cost (the provider releases the rest of the
/// authorisation) or voids it when none was accepted.
pub async fn settle(
    conn: &mut PgConnection,
    ctx: &AppContext,
    checkout: &CheckoutRow,
    orders: &mut [OrderRow],
    now: DateTime<Utc>,
) -> ApiResult<Later> {
    let mut later = Later::default();
    if checkout.status != CheckoutStatus::Paid || orders.iter().any(|o| o.status == OrderStatus::Paid) {
        return Ok(later);
    }
    let amount: i64 = captured_orders(orders).map(|o| o.total_minor).sum();
    let attempt = u32::try_from(store::next_settle_attempt(conn, checkout.id).await?).unwrap_or(u32::MAX);
    let payments = ctx.payments.as_ref();
    if amount > 0 {
        let key = IdempotencyKey::new(checkout.id, "capture", attempt);
        let captured = match payments.capture(&checkout.payment_intent_id, amount, &key).await {
            Ok(payment) => Some(payment),
            Err(PaymentsError::Refused(reason)) => {
                // Captured by an attempt whose transaction was lost, or the
                // authorisation is gone.
                let payment = payments.payment(&checkout.payment_intent_id).await.map_err(provider_error)?;
                if payment.state == PaymentState::Succeeded {
                    Some(payment)
                } else {
                    tracing::warn!(checkout = %checkout.id, %reason, "the authorisation could not be captured");
                    None
                }
            }
            Err(e) => return Err(provider_error(e)),
        };
        match captured {
            Some(payment) => record_captures(conn, checkout, orders, &payment).await?,
            None => {
                for order in orders.iter_mut().filter(|o| o.status == OrderStatus::Accepted) {
                    let reason = "the card payment could not be captured";
                    let step = Step {
                        to: OrderStatus::Cancelled,
                        actor: Actor::System,
                        actor_id: None,
                        reason,
                        shipment: None,
                    };
                    transition(conn, &ctx.config.commerce, order, step, now).await?;
                    later.extend(release_stock(conn, order).await?);
                }
                let payment = payments.payment(&checkout.payment_intent_id).await.map_err(provider_error)?;
                record_void(conn, checkout, &payment).await?;
            }
        }
    } else {
        let key = IdempotencyKey::new(checkout.id, "void", attempt);
        let payment = match payments.void(&checkout.payment_intent_id, &key).await {
            Ok(payment) => payment,
            // Already cancelled (by the provider, or an attempt whose transaction was lost).
            Err(PaymentsError::Refused(_)) => {
                payments.payment(&checkout.payment_intent_id).await.map_err(provider_error)?
            }
            Err(e) => return Err(provider_error(e)),
        };
        record_void(conn, checkout, &payment).await?;
    }
    store::set_checkout_status(conn, checkout.id, CheckoutStatus::Settled).await?;
    Ok(later)
}

/// Refunds `amount_minor` of one order's captured payment (never more than
/// is left), reversing the artist's transfer as far as it covers the refund.
/// A refund of everything left refunds the order: its status becomes
/// `refunded` and, if it had not shipped, its works return to sale.
/// A refund someone asks for.
pub struct RefundRequest<'a> {
    pub amount_minor: i64,
    pub actor: Actor,
    pub actor_id: Option<Uuid>,
    pub reason: &'a str,
}

pub async fn refund(
    conn: &mut PgConnection,
    ctx: &AppContext,
    checkout: &CheckoutRow,
    order: &mut OrderRow,
    request: &RefundRequest<'_>,
    now: DateTime<Utc>,
) -> ApiResult<Later> {
    let amount_minor = request.amount_minor;
    let money = order_money(conn, order.id).await?;
    let refundable = money.captured - money.refunded;
    if amount_minor <= 0 || amount_minor > refundable {
        return Err(ApiError::field(
            "amount_minor",
            format!("must be between 1 and {refundable}, what is left of the captured payment"),
        ));
    }
    let attempt = u32::try_from(store::refund_count(conn, order.id).await?).unwrap_or(u32::MAX);
    let key = IdempotencyKey::new(order.id, "refund", attempt);
    let refund = ctx.payments.refund(&checkout.payment_intent_id, amount_minor, &key).await.map_err(provider_error)?;
    store::record(
        conn,
        &LedgerEntry {
            checkout_id: checkout.id,
            order_id: Some(order.id),
            kind: LedgerKind::Refund,
            amount_minor,
            currency: &checkout.currency,
            provider_ref: &refund.id,
            reason: request.reason,
        },
    )
    .await?;
    let actor = (request.actor, request.actor_id);
    after_refund(conn, ctx, checkout, order, amount_minor, actor, request.reason, now).await
}

/// What follows a refund on record: the transfer reversed as far as it
/// covers it, and a full refund closing the order.
#[allow(clippy::too_many_arguments)]
async fn after_refund(
    conn: &mut PgConnection,
    ctx: &AppContext,
    checkout: &CheckoutRow,
    order: &mut OrderRow,
    amount_minor: i64,
    (actor, actor_id): (Actor, Option<Uuid>),
    reason: &str,
    now: DateTime<Utc>,
) -> ApiResult<Later> {
    let mut later = Later::default();
    let money = order_money(conn, order.id).await?;
    let outstanding_transfer = money.transferred - money.reversed;
    if outstanding_transfer > 0
        && let Some(transfer_id) = store::transfer_of(conn, order.id).await?
    {
        let reversal = amount_minor.min(outstanding_transfer);
        let key = IdempotencyKey::new(order.id, "reverse", u32::try_from(money.refunded).unwrap_or(u32::MAX));
        ctx.payments.reverse_transfer(&transfer_id, reversal, &key).await.map_err(provider_error)?;
        store::record(
            conn,
            &LedgerEntry {
                checkout_id: checkout.id,
                order_id: Some(order.id),
                kind: LedgerKind::TransferReversal,
                amount_minor: reversal,
                currency: &checkout.currency,
                provider_ref: key.as_str(),
                reason,
            },
        )
        .await?;
    }
    if money.refunded >= money.captured && order.status != OrderStatus::Refunded {
        let shipped = order.status.has_shipped();
        let step = Step { to: OrderStatus::Refunded, actor, actor_id, reason, shipment: None };
        transition(conn, &ctx.config.commerce, order, step, now).await?;
        if !shipped {
            later.extend(release_stock(conn, order).await?);
        }
    }
    Ok(later)
}

pub async fn order_money(conn: &mut PgConnection, order_id: Uuid) -> ApiResult<store::OrderMoney> {
    Ok(store::order_money(conn, &[order_id]).await?.into_iter().next().map(|(_, m)| m).unwrap_or_default())
}

/// Refunds made at the provider but not through Atelier (its dashboard):
/// each new one is attributed to the checkout's orders in turn, as far as
/// each has captured money left, and applied like any refund.
pub async fn apply_refunds(
    conn: &mut PgConnection,
    ctx: &AppContext,
    checkout_id: Uuid,
    refunds: &[crate::platform::payments::Refund],
    now: DateTime<Utc>,
) -> ApiResult<Later> {
    let (checkout, mut orders) = lock(conn, checkout_id).await?;
    let mut later = Later::default();
    for refund in refunds {
        if store::on_record(conn, LedgerKind::Refund, &refund.id).await? {
            continue;
        }
        let mut left = refund.amount_minor;
        for order in orders.iter_mut() {
            if left == 0 {
                break;
            }
            let money = order_money(conn, order.id).await?;
            let share = left.min(money.captured - money.refunded);
            if share <= 0 {
                continue;
            }
            store::record(
                conn,
                &LedgerEntry {
                    checkout_id,
                    order_id: Some(order.id),
                    kind: LedgerKind::Refund,
                    amount_minor: share,
                    currency: &checkout.currency,
                    provider_ref: &refund.id,
                    reason: "refunded at the payment provider",
                },
            )
            .await?;
            left -= share;
            let reason = "refunded at the payment provider";
            later.extend(after_refund(conn, ctx, &checkout, order, share, (Actor::System, None), reason, now).await?);
        }
    }
    Ok(later)
}

/// Pays a completed order's net to the artist's connected account, once.
pub async fn pay_out(conn: &mut PgConnection, ctx: &AppContext, order_id: Uuid) -> ApiResult<bool> {
    let Some(checkout_id) = store::checkout_of_order(conn, order_id).await? else { return Ok(false) };
    let (checkout, orders) = lock(conn, checkout_id).await?;
    let Some(order) = orders.iter().find(|o| o.id == order_id) else { return Ok(false) };
    let money = order_money(conn, order.id).await?;
    if order.status != OrderStatus::Completed || money.transferred > 0 {
        return Ok(false);
    }
    let Some(account) = store::payout_account(conn, order.artist_id).await? else { return Ok(false) };
    if !account.payouts_enabled {
        return Ok(false);
    }
    // Refunds already taken out of the order reduce what the artist is owed.
    let amount = order.net_minor - money.refunded.min(order.net_minor);
    if amount == 0 {
        return Ok(false);
    }
    let key = IdempotencyKey::new(order.id, "transfer", 0);
    let transfer = ctx
        .payments
        .transfer(&NewTransfer {
            amount_minor: amount,
            currency: &checkout.currency,
            destination: &account.account_id,
            transfer_group: &checkout.id.to_string(),
            idempotency_key: &key,
        })
        .await
        .map_err(provider_error)?;
    store::record(
        conn,
        &LedgerEntry {
            checkout_id,
            order_id: Some(order.id),
            kind: LedgerKind::Transfer,
            amount_minor: transfer.amount_minor,
            currency: &checkout.currency,
            provider_ref: &transfer.id,
            reason: "",
        },
    )
    .await?;
    store::insert_outbox(conn, "payout.sent", order.id, json!({ "order_id": order.id, "artist_id": order.artist_id, "amount_minor": transfer.amount_minor, "currency": checkout.currency })).await?;
    Ok(true)
}
