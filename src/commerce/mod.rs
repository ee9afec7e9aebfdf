//! Commerce: carts, checkout with stock holds, one payment per checkout and
//! one order per artist, the order process and its timers, refunds, disputes
//! artists' payouts, buyers' saved cards and offers, on the payments port and the catalog's stock API.

pub mod checkout;
pub mod domain;
pub mod offers;
pub mod orders;
pub mod payouts;
pub mod process;
pub mod seed;
pub mod store;
pub mod timers;
pub mod views;
pub mod wallet;
pub mod webhooks;

use utoipa_axum::router::OpenApiRouter;

use crate::app::AppContext;

/// The commerce route family.
pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .merge(checkout::router())
        .merge(orders::router())
        .merge(payouts::router())
        .merge(webhooks::router())
        .merge(timers::router())
        .merge(wallet::router())
        .merge(offers::router())
}
