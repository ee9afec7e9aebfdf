//! Integration tests: one binary, each test on its own PostgreSQL database cloned
//! from a migrated template. Needs `DATABASE_URL` pointing at a server where it
//! may create databases (`scripts/test` provides one).

mod artists;
mod artworks;
mod auth;
mod helpers;
mod hostile;
mod hosts;
mod interactions;
mod openapi;
mod queue;
mod seed;
mod taxonomy;
mod uploads;
mod vectors;
mod worker;
