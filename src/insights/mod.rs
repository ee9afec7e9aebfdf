//! Artist insights: what became of an artist's works over a period (views,
//! likes, saves, shares, search impressions and clicks with their positions,
//! offers, orders and revenue, and conversion from view to save to order),
//! per work and overall.
//!
//! The dashboard never counts raw events: the [`rollup`] job counts each day's
//! interactions (the interaction memory), search impressions and clicks
//! (search), offers and paid orders (commerce), read through those
//! capabilities' functions, into daily tables per work and per artist, and
//! [`routes`] reads them.

pub mod domain;
pub mod rollup;
pub mod routes;
mod store;

use utoipa_axum::router::OpenApiRouter;

use crate::app::AppContext;

/// Insights' routes, served with the artists family.
pub fn router() -> OpenApiRouter<AppContext> {
    routes::router().merge(rollup::router())
}
