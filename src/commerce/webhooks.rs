//! `POST /api/payments/webhooks/stripe`: the provider's signed events, from
//! Stripe or from the sandbox. Each event is applied once: its id is
//! recorded in the transaction of its effect, so a redelivery (or two
//! deliveries at once) changes nothing. Events only say what changed; the
//! state comes from the provider, so late and out-of-order events converge.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, header},
};
use chrono::Utc;

use super::{
    domain::{Actor, OrderStatus},
    process::{self, Later, Step, provider_error},
    store,
};
use crate::{
    app::AppContext,
    platform::{
        http::error::{ApiError, ApiResult},
        payments::{EventKind, WebhookEvent, webhook},
    },
};

pub fn router() -> utoipa_axum::router::OpenApiRouter<AppContext> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(stripe_webhook))
}

/// Events from the payments provider, signed with `Stripe-Signature`. Not
/// for clients.
#[utoipa::path(post, path = "/api/payments/webhooks/stripe", tag = "commerce",
    request_body(content = String, content_type = "application/json", description = "A Stripe event"),
    params(("Stripe-Signature" = String, Header, description = "`t=…,v1=…`")),
    responses(
        (status = 200, description = "Applied, or applied before"),
        (status = 400, description = "Missing, malformed, stale or wrong signature, or not an event: nothing changed"),
        (status = 413, description = "Larger than any event"),
        (status = 415, description = "Not sent as application/json"),
        (status = 503, description = "The provider could not be asked for the current state; deliver again"),
    ))]
async fn stripe_webhook(State(ctx): State<AppContext>, headers: HeaderMap, body: Bytes) -> ApiResult<StatusCode> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| m.type_() == mime::APPLICATION && m.subtype() == mime::JSON);
    if !json {
        return Err(ApiError::UnsupportedMediaType("events are application/json".to_owned()));
    }
    if body.len() > webhook::MAX_EVENT_BYTES {
        return Err(ApiError::PayloadTooLarge("larger than any event".to_owned()));
    }
    let signature = headers.get("stripe-signature").and_then(|v| v.to_str().ok());
    let event = webhook::verify(&ctx.config.payments.webhook_secrets, signature, &body, Utc::now().timestamp())
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    handle(&ctx, &event).await?;
    Ok(StatusCode::OK)
}

/// Applies a verified event once.
pub async fn handle(ctx: &AppContext, event: &WebhookEvent) -> ApiResult<()> {
    let provider = ctx.payments.name();
    let now = Utc::now();
    let payment_id = match &event.kind {
        EventKind::Payment { payment_id }
        | EventKind::Refunds { payment_id }
        | EventKind::DisputeOpened { payment_id, .. } => Some(payment_id.as_str()),
        _ => None,
    };
    let mut conn = ctx.db.acquire().await?;
    let checkout_id = match payment_id {
        Some(id) => store::checkout_of_payment(&mut conn, id).await?,
        None => None,
    };
    drop(conn);
    // Ask the provider before taking any lock.
    let payment = match (&event.kind, checkout_id) {
        (EventKind::Payment { payment_id }, Some(_)) => {
            Some(ctx.payments.payment(payment_id).await.map_err(provider_error)?)
        }
        _ => None,
    };
    let refunds = match (&event.kind, checkout_id) {
        (EventKind::Refunds { payment_id }, Some(_)) => {
            Some(ctx.payments.refunds(payment_id).await.map_err(provider_error)?)
        }
        _ => None,
    };
    let account = match &event.kind {
        EventKind::Account { account_id } => Some(ctx.payments.account(account_id).await.map_err(provider_error)?),
        _ => None,
    };
    let mut tx = ctx.db.begin().await?;
    if !store::first_delivery(&mut tx, provider, &event.id, &event.type_name).await? {
        return Ok(());
    }
    let mut later = Later::default();
    match (&event.kind, checkout_id) {
        (EventKind::Payment { .. }, Some(checkout_id)) => {
            if let Some(payment) = &payment {
                later.extend(process::apply_payment(&mut tx, ctx, checkout_id, payment, now).await?);
            }
        }
        (EventKind::Refunds { .. }, Some(checkout_id)) => {
            if let Some(refunds) = &refunds {
                later.extend(process::apply_refunds(&mut tx, ctx, checkout_id, refunds, now).await?);
            }
        }
        (EventKind::DisputeOpened { dispute_id, .. }, Some(checkout_id)) => {
            let (_, mut orders) = process::lock(&mut tx, checkout_id).await?;
            let reason = format!("the buyer's bank opened dispute {dispute_id}");
            for order in orders.iter_mut().filter(|o| {
                matches!(
                    o.status,
                    OrderStatus::Accepted | OrderStatus::Shipped | OrderStatus::Received | OrderStatus::Completed
                )
            }) {
                let step = Step {
                    to: OrderStatus::Disputed,
                    actor: Actor::System,
                    actor_id: None,
                    reason: &reason,
                    shipment: None,
                };
                process::transition(&mut tx, &ctx.config.commerce, order, step, now).await?;
            }
        }
        (EventKind::Account { .. }, _) => {
            if let Some(account) = &account {
                store::update_payout_account(&mut tx, &account.id, account.payouts_enabled, &account.requirements)
                    .await?;
            }
        }
        // Another provider object, or a payment that is not a checkout's:
        // acknowledged, so the provider stops sending it.
        _ => {}
    }
    tx.commit().await?;
    later.run(ctx).await;
    Ok(())
}
