//! What the commerce API answers: orders with their money, derived payment
//! and payout status, deadlines and timeline; checkouts with what the
//! browser needs to pay.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    domain::{Actor, Address, Money, OrderStatus},
    store::{self, CheckoutRow, CheckoutStatus, OrderMoney, OrderRow, ShippingMethod},
};
use crate::{catalog::domain::EditionKind, platform::payments::Decline};

#[derive(Serialize, ToSchema)]
pub struct OrderLineView {
    pub artwork_id: Uuid,
    pub title: String,
    pub edition_kind: EditionKind,
    pub quantity: i32,
    pub unit_price: Money,
}

/// Where the buyer's money for an order is, derived from the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Not paid yet.
    Awaiting,
    /// Authorised on the card, not captured.
    Authorised,
    Captured,
    PartiallyRefunded,
    Refunded,
    /// The authorisation was released without a capture.
    Released,
}

/// Where the artist's money for an order is, derived from the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayoutStatus {
    /// Nothing is owed (not captured, or refunded).
    None,
    /// Captured; paid out once the order completes.
    Pending,
    /// Completed, waiting for the artist to enable payouts.
    AwaitingPayoutAccount,
    /// Completed; the transfer goes with the next timer run.
    Scheduled,
    PaidOut,
}

#[derive(Serialize, ToSchema)]
pub struct TimelineEntry {
    pub from: OrderStatus,
    pub to: OrderStatus,
    pub actor: Actor,
    pub reason: String,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct Deadlines {
    /// The artist accepts or declines by then, or the order lapses.
    pub accept_by: Option<DateTime<Utc>>,
    /// The artist ships by then, or the order is cancelled and refunded.
    pub ship_by: Option<DateTime<Utc>>,
    /// The order counts as received then unless the buyer says so sooner.
    pub receive_by: Option<DateTime<Utc>>,
    /// The order completes and the artist is paid then.
    pub release_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct OrderView {
    pub id: Uuid,
    pub checkout_id: Uuid,
    pub status: OrderStatus,
    pub artist_id: Uuid,
    pub lines: Vec<OrderLineView>,
    pub subtotal: Money,
    pub shipping: Money,
    /// What the buyer pays: subtotal and shipping.
    pub total: Money,
    /// The platform's commission on the subtotal.
    pub commission: Money,
    pub fees: Money,
    /// What the artist receives: total less commission and fees.
    pub artist_net: Money,
    pub shipping_method: ShippingMethod,
    pub shipping_address: Address,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub deadlines: Deadlines,
    pub payment_status: PaymentStatus,
    pub captured: Money,
    pub refunded: Money,
    pub payout_status: PayoutStatus,
    pub paid_out: Money,
    pub timeline: Vec<TimelineEntry>,
    pub created_at: DateTime<Utc>,
}

fn payment_status(order: &OrderRow, money: &OrderMoney, checkout: &CheckoutRow) -> PaymentStatus {
    match (money.captured, order.status) {
        (0, OrderStatus::PendingPayment) => PaymentStatus::Awaiting,
        (0, OrderStatus::Paid | OrderStatus::Accepted) if checkout.status == CheckoutStatus::Paid => {
            PaymentStatus::Authorised
        }
        (0, _) => PaymentStatus::Released,
        (captured, _) if money.refunded >= captured => PaymentStatus::Refunded,
        (_, _) if money.refunded > 0 => PaymentStatus::PartiallyRefunded,
        _ => PaymentStatus::Captured,
    }
}

fn payout_status(order: &OrderRow, money: &OrderMoney, payouts_enabled: bool) -> PayoutStatus {
    if money.transferred - money.reversed > 0 {
        return PayoutStatus::PaidOut;
    }
    if money.captured == 0 || money.refunded >= money.captured {
        return PayoutStatus::None;
    }
    match order.status {
        OrderStatus::Completed if payouts_enabled => PayoutStatus::Scheduled,
        OrderStatus::Completed => PayoutStatus::AwaitingPayoutAccount,
        OrderStatus::Refunded => PayoutStatus::None,
        _ => PayoutStatus::Pending,
    }
}

/// Views of `orders`, each with its lines, money and timeline.
pub async fn orders(conn: &mut PgConnection, orders: Vec<OrderRow>) -> sqlx::Result<Vec<OrderView>> {
    let ids: Vec<Uuid> = orders.iter().map(|o| o.id).collect();
    let mut lines: HashMap<Uuid, Vec<OrderLineView>> = HashMap::new();
    for line in store::lines(conn, &ids).await? {
        let currency = orders.iter().find(|o| o.id == line.order_id).map_or("", |o| o.currency.as_str());
        lines.entry(line.order_id).or_default().push(OrderLineView {
            artwork_id: line.artwork_id,
            title: line.title,
            edition_kind: line.edition_kind,
            quantity: line.quantity,
            unit_price: Money::new(line.unit_price_minor, currency),
        });
    }
    let mut timelines: HashMap<Uuid, Vec<TimelineEntry>> = HashMap::new();
    for row in store::transitions(conn, &ids).await? {
        timelines.entry(row.order_id).or_default().push(TimelineEntry {
            from: row.from_status,
            to: row.to_status,
            actor: row.actor,
            reason: row.reason,
            at: row.created_at,
        });
    }
    let money: HashMap<Uuid, OrderMoney> = store::order_money(conn, &ids).await?.into_iter().collect();
    let mut views = Vec::with_capacity(orders.len());
    let mut checkouts: HashMap<Uuid, CheckoutRow> = HashMap::new();
    let mut accounts: HashMap<Uuid, bool> = HashMap::new();
    for order in orders {
        if !checkouts.contains_key(&order.checkout_id)
            && let Some(checkout) = store::checkout(conn, order.checkout_id).await?
        {
            checkouts.insert(order.checkout_id, checkout);
        }
        let Some(checkout) = checkouts.get(&order.checkout_id) else { continue };
        let payouts_enabled = match accounts.get(&order.artist_id) {
            Some(enabled) => *enabled,
            None => {
                let enabled = store::payout_account(conn, order.artist_id).await?.is_some_and(|a| a.payouts_enabled);
                accounts.insert(order.artist_id, enabled);
                enabled
            }
        };
        let m = money.get(&order.id).copied().unwrap_or_default();
        let c = order.currency.as_str();
        views.push(OrderView {
            id: order.id,
            checkout_id: order.checkout_id,
            status: order.status,
            artist_id: order.artist_id,
            lines: lines.remove(&order.id).unwrap_or_default(),
            subtotal: Money::new(order.subtotal_minor, c),
            shipping: Money::new(order.shipping_minor, c),
            total: Money::new(order.total_minor, c),
            commission: Money::new(order.commission_minor, c),
            fees: Money::new(order.fees_minor, c),
            artist_net: Money::new(order.net_minor, c),
            shipping_method: order.shipping_method,
            shipping_address: serde_json::from_value(checkout.shipping_address.clone())
                .map_err(|e| sqlx::Error::Decode(e.into()))?,
            carrier: order.carrier.clone(),
            tracking_number: order.tracking_number.clone(),
            deadlines: Deadlines {
                accept_by: order.accept_by.filter(|_| order.status == OrderStatus::Paid),
                ship_by: order.ship_by.filter(|_| order.status == OrderStatus::Accepted),
                receive_by: order.receive_by.filter(|_| order.status == OrderStatus::Shipped),
                release_at: order.release_at.filter(|_| order.status == OrderStatus::Received),
            },
            payment_status: payment_status(&order, &m, checkout),
            captured: Money::new(m.captured, c),
            refunded: Money::new(m.refunded, c),
            payout_status: payout_status(&order, &m, payouts_enabled),
            paid_out: Money::new(m.transferred - m.reversed, c),
            timeline: timelines.remove(&order.id).unwrap_or_default(),
            created_at: order.created_at,
        });
    }
    Ok(views)
}

/// What the buyer's browser needs to pay.
#[derive(Serialize, ToSchema)]
pub struct PaymentView {
    /// `sandbox` (the local card form) or `stripe` (Stripe's Payment Element).
    pub provider: String,
    pub payment_id: String,
    pub client_secret: String,
    /// Stripe's publishable key, when the provider is Stripe.
    pub publishable_key: Option<String>,
    pub state: crate::platform::payments::PaymentState,
    /// Why the last card was refused, worded for the buyer.
    pub decline: Option<Decline>,
}

#[derive(Serialize, ToSchema)]
pub struct CheckoutView {
    pub id: Uuid,
    pub status: CheckoutStatus,
    /// The works are held until then; unpaid, they go back on sale.
    pub expires_at: DateTime<Utc>,
    pub total: Money,
    pub payment: PaymentView,
    pub orders: Vec<OrderView>,
}
