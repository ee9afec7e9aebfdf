//! The layer every capability stands on, and which knows none of them:
//! configuration, the database pool, the audit trail, telemetry, HTTP plumbing,
//! and the ports. Each port is a folder holding its trait, its embedded default
//! (runs with nothing but PostgreSQL), its cloud adapter(s) and the
//! `from_config` factory that picks one.

pub mod audit;
pub mod aws;
pub mod config;
pub mod db;
pub mod embedder;
pub mod http;
pub mod kv;
pub mod mail;
pub mod objects;
pub mod payments;
pub mod queue;
pub mod sockets;
pub mod telemetry;
pub mod vectors;
