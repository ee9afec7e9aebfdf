//! Integration tests: one binary, each test on its own PostgreSQL database cloned
//! from a migrated template. Needs `DATABASE_URL` pointing at a server where it
//! may create databases, and the AWS stand-ins' `ATELIER_TEST_*` variables
//! (`scripts/test` provides both).

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
mod worker;
mod wiring;
