//! Reviews: after an order completes, its buyer and its artist each review
//! the other once, within a window (`REVIEW_WINDOW_DAYS`). Reviews are
//! double-blind: neither side reads the other's until both have written or
//! the window has closed, computed when a review is read, so no timer is
//! involved. Anyone signed in may report a published review; moderators hide
//! reviews with a reason. Artists' profiles list what buyers said, with the
//! average rating and count. Orders are read through commerce's
//! `order_facts`; the routes belong to the commerce family.

pub mod domain;
pub mod exchange;
mod routes;
pub mod store;
pub mod views;

pub use exchange::invite;
pub use routes::router;
