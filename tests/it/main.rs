//! Integration tests: one binary, each test on its own PostgreSQL database cloned
//! from a migrated template. Needs `DATABASE_URL` pointing at a server where it
//! may create databases, the AWS stand-ins' `ATELIER_TEST_*` variables, and
//! cargo-lambda and the SAM CLI named by `ATELIER_TEST_CARGO_LAMBDA` and
//! `ATELIER_TEST_SAM` (`scripts/test` provides all of them).
//!
//! - [`journeys`]: what people do with each capability, through the HTTP API,
//!   as actors (`app.anonymous()`, `app.collector(..)`, `app.artist(..)`,
//!   `app.moderator(..)`) that carry their own tokens.
//! - [`realtime`]: live delivery over real sockets, notifications and
//!   conversations.
//! - [`contracts`]: the behaviour every adapter of a port must share.
//! - [`hosts`]: the binaries and deployments that run the app.
//! - [`support`]: the app under test, the actors and typed response views.
//!
//! Tests are selected by path, e.g. `scripts/test artworks` or
//! `scripts/test contracts::kv`.

mod contracts;
mod hosts;
mod journeys;
mod realtime;
mod support;
