//! One capability each, told as what people do through the HTTP API and what
//! they get back: signing up and in, artist profiles, listing and editing
//! artworks, the category tree, uploads and their processing, search and
//! recommendations, likes and saves, artists' insights, and the cross-cutting
//! rules every request meets (idempotency keys, rate limits, hostile input),
//! buying, making offers and reviewing a purchase. `seed` loads the real
//! datasets the discovery journeys search.

mod accounts;
mod artists;
mod artworks;
mod auth;
mod collections;
pub mod commerce;
mod discovery;
mod hostile;
mod idempotency;
mod insights;
mod interactions;
pub mod offers;
mod rate_limits;
mod reviews;
mod saved_cards;
mod second_factor;
mod seed;
mod taxonomy;
pub mod uploads;
