//! Integration tests: one binary, each test on its own PostgreSQL database cloned
//! from a migrated template. Needs `DATABASE_URL` pointing at a server where it
//! may create databases, the AWS stand-ins' `ATELIER_TEST_*` variables, and
//! cargo-lambda and the SAM CLI named by `ATELIER_TEST_CARGO_LAMBDA` and
//! `ATELIER_TEST_SAM` (`scripts/test` provides all of them).

mod actors;
mod artists;
mod artworks;
mod auth;
mod discovery;
mod helpers;
mod hostile;
mod hosts;
mod idempotency;
mod infra;
mod interactions;
mod kv;
mod lambda_functions;
mod lambda_sqs;
mod objects;
mod openapi;
mod queue;
mod rate_limits;
mod seed;
mod standins;
mod taxonomy;
mod telemetry;
mod uploads;
mod vectors;
mod views;
mod wiring;
mod worker;
