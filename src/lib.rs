//! Atelier: a marketplace for original art and editions.
//!
//! All behaviour lives in this library. The hosts (`atelier serve`, the Vercel
//! functions in `api/`, the Lambda functions in `functions/`) only build an
//! [`app::AppContext`] and hand a router from [`app`] to their runtime.

pub mod app;
pub mod auth;
pub mod catalog;
pub mod feed;
pub mod jobs;
pub mod media;
pub mod platform;
pub mod search;
pub mod system;
