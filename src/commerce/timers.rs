//! The order process's timers: unpaid holds expire, unanswered orders lapse,
//! unshipped ones are refunded, shipped ones count as received, received ones
//! complete, completed ones are paid out, and offers nobody answered expire. The local scheduler and a
//! scheduled function run [`run`] with the time to act as of; each step
//! re-reads its order under the lock and acts only if it is still due, so a
//! second or late run changes nothing.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    domain::{Actor, OrderStatus},
    process::{self, Later, Step, provider_error},
    store::{self, CheckoutStatus, DueColumn, OrderRow},
};
use crate::{
    app::AppContext,
    platform::{
        http::{
            bearer_matches,
            error::{ApiError, ApiResult},
        },
        payments::{IdempotencyKey, PaymentState, PaymentsError},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new().routes(routes!(cron_timers))
}

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct TimerReport {
    pub holds_expired: usize,
    pub lapsed: usize,
    pub unshipped_refunded: usize,
    pub auto_received: usize,
    pub completed: usize,
    pub paid_out: usize,
    pub offers_expired: usize,
}

/// Why an unpaid checkout closes.
#[derive(Clone, Copy, Debug)]
pub enum Closing {
    Expired,
    BuyerCancelled(Uuid),
}

/// Closes an unpaid checkout: its payment is cancelled at the provider (so
/// it cannot be completed later), its orders end and its works go back on
/// sale. If the provider says it was paid after all, the payment is applied
/// instead and `false` is answered.
pub async fn close_unpaid(
    ctx: &AppContext,
    checkout_id: Uuid,
    closing: Closing,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let mut conn = ctx.db.acquire().await?;
    let Some(checkout) = store::checkout(&mut conn, checkout_id).await? else { return Ok(false) };
    drop(conn);
    if checkout.status != CheckoutStatus::Open {
        return Ok(false);
    }
    let payment = ctx.payments.payment(&checkout.payment_intent_id).await.map_err(provider_error)?;
    if matches!(payment.state, PaymentState::RequiresCapture | PaymentState::Succeeded) {
        let mut tx = ctx.db.begin().await?;
        let later = process::apply_payment(&mut tx, ctx, checkout_id, &payment, now).await?;
        tx.commit().await?;
        later.run(ctx).await;
        return Ok(false);
    }
    let key = IdempotencyKey::new(checkout_id, "void-unpaid", 0);
    match ctx.payments.void(&checkout.payment_intent_id, &key).await {
        // Refused: cancelled already, or authorised a moment ago (applied below).
        Ok(_) | Err(PaymentsError::Refused(_)) => {}
        Err(e) => return Err(provider_error(e)),
    }
    let payment = ctx.payments.payment(&checkout.payment_intent_id).await.map_err(provider_error)?;
    let mut tx = ctx.db.begin().await?;
    if payment.state != PaymentState::Canceled {
        let later = process::apply_payment(&mut tx, ctx, checkout_id, &payment, now).await?;
        tx.commit().await?;
        later.run(ctx).await;
        return Ok(false);
    }
    let (checkout, mut orders) = process::lock(&mut tx, checkout_id).await?;
    if checkout.status != CheckoutStatus::Open {
        return Ok(false);
    }
    let mut later = Later::default();
    for order in orders.iter_mut().filter(|o| o.status == OrderStatus::PendingPayment) {
        let step = match closing {
            Closing::Expired => Step {
                to: OrderStatus::PaymentExpired,
                actor: Actor::System,
                actor_id: None,
                reason: "not paid in time",
                shipment: None,
            },
            Closing::BuyerCancelled(buyer) => Step {
                to: OrderStatus::Cancelled,
                actor: Actor::Buyer,
                actor_id: Some(buyer),
                reason: "cancelled before paying",
                shipment: None,
            },
        };
        process::transition(&mut tx, &ctx.config.commerce, order, step, now).await?;
        later.extend(process::release_stock(&mut tx, order).await?);
    }
    store::set_checkout_status(&mut tx, checkout_id, CheckoutStatus::Expired).await?;
    tx.commit().await?;
    later.run(ctx).await;
    Ok(true)
}

/// Whether a locked order is still due for a timer's step.
fn due(order: &OrderRow, status: OrderStatus, column: DueColumn, now: DateTime<Utc>) -> bool {
    let deadline = match column {
        DueColumn::AcceptBy => order.accept_by,
        DueColumn::ShipBy => order.ship_by,
        DueColumn::ReceiveBy => order.receive_by,
        DueColumn::ReleaseAt => order.release_at,
    };
    order.status == status && deadline.is_some_and(|d| d <= now)
}

/// One timer step on one order, if it is still due under the lock.
async fn step_if_due(
    ctx: &AppContext,
    order_id: Uuid,
    (status, column): (OrderStatus, DueColumn),
    to: OrderStatus,
    reason: &str,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let mut tx = ctx.db.begin().await?;
    let Some(checkout_id) = store::checkout_of_order(&mut tx, order_id).await? else { return Ok(false) };
    let (checkout, mut orders) = process::lock(&mut tx, checkout_id).await?;
    let Some(index) = orders.iter().position(|o| o.id == order_id) else { return Ok(false) };
    if !due(&orders[index], status, column, now) {
        return Ok(false);
    }
    let mut later = Later::default();
    let order = &mut orders[index];
    match (status, to) {
        // Accepted and captured but never shipped: the buyer gets everything back.
        (OrderStatus::Accepted, _) if process::order_money(&mut tx, order.id).await?.captured > 0 => {
            let money = process::order_money(&mut tx, order.id).await?;
            let request = process::RefundRequest {
                amount_minor: money.captured - money.refunded,
                actor: Actor::System,
                actor_id: None,
                reason,
            };
            later.extend(process::refund(&mut tx, ctx, &checkout, order, &request, now).await?);
        }
        _ => {
            let step = Step { to, actor: Actor::System, actor_id: None, reason, shipment: None };
            process::transition(&mut tx, &ctx.config.commerce, order, step, now).await?;
            if matches!(to, OrderStatus::Lapsed | OrderStatus::Cancelled) {
                later.extend(process::release_stock(&mut tx, order).await?);
            }
        }
    }
    later.extend(process::settle(&mut tx, ctx, &checkout, &mut orders, now).await?);
    tx.commit().await?;
    later.run(ctx).await;
    Ok(true)
}

fn log_failure(what: &str, id: Uuid, e: &ApiError) {
    tracing::warn!(%id, error = %e, "order timer: {what} failed; the next run retries");
}

/// Runs every timer as of `now`.
pub async fn run(ctx: &AppContext, now: DateTime<Utc>) -> anyhow::Result<TimerReport> {
    let mut report = TimerReport::default();
    let mut conn = ctx.db.acquire().await?;
    let expired = store::expired_checkouts(&mut conn, now).await?;
    drop(conn);
    for id in expired {
        match close_unpaid(ctx, id, Closing::Expired, now).await {
            Ok(true) => report.holds_expired += 1,
            Ok(false) => {}
            Err(e) => log_failure("expiring a hold", id, &e),
        }
    }
    let steps: [(OrderStatus, DueColumn, OrderStatus, &str); 4] = [
        (OrderStatus::Paid, DueColumn::AcceptBy, OrderStatus::Lapsed, "the artist did not answer in time"),
        (OrderStatus::Accepted, DueColumn::ShipBy, OrderStatus::Cancelled, "not shipped in time"),
        (OrderStatus::Shipped, DueColumn::ReceiveBy, OrderStatus::Received, "received, as nobody said otherwise"),
        (OrderStatus::Received, DueColumn::ReleaseAt, OrderStatus::Completed, ""),
    ];
    for (status, column, to, reason) in steps {
        let mut conn = ctx.db.acquire().await?;
        let due = store::orders_due(&mut conn, status, column, now).await?;
        drop(conn);
        for id in due {
            match step_if_due(ctx, id, (status, column), to, reason, now).await {
                Ok(true) => match status {
                    OrderStatus::Paid => report.lapsed += 1,
                    OrderStatus::Accepted => report.unshipped_refunded += 1,
                    OrderStatus::Shipped => report.auto_received += 1,
                    _ => report.completed += 1,
                },
                Ok(false) => {}
                Err(e) => log_failure(to.as_str(), id, &e),
            }
        }
    }
    report.offers_expired = super::offers::expire_due(ctx, now).await?;
    let mut conn = ctx.db.acquire().await?;
    let payouts = store::payouts_due(&mut conn).await?;
    drop(conn);
    for id in payouts {
        let mut tx = ctx.db.begin().await?;
        match process::pay_out(&mut tx, ctx, id).await {
            Ok(paid) => {
                tx.commit().await?;
                report.paid_out += usize::from(paid);
            }
            Err(e) => log_failure("paying out", id, &e),
        }
    }
    Ok(report)
}

/// Run the order timers (Vercel Cron). Requires `Authorization: Bearer
/// <CRON_SECRET>`; without a configured secret the route does not exist.
#[utoipa::path(get, path = "/api/cron/commerce", tag = "commerce",
    responses(
        (status = 200, body = TimerReport),
        (status = 401),
        (status = 404),
    ))]
async fn cron_timers(State(ctx): State<AppContext>, headers: HeaderMap) -> ApiResult<(StatusCode, Json<TimerReport>)> {
    let Some(secret) = ctx.config.cron_secret.as_ref() else {
        return Err(ApiError::NotFound("no such route".to_owned()));
    };
    if !bearer_matches(&headers, secret) {
        return Err(ApiError::Unauthorized("the cron secret is missing or wrong".to_owned()));
    }
    Ok((StatusCode::OK, Json(run(&ctx, Utc::now()).await?)))
}
