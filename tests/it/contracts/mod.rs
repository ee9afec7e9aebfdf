//! The ports' contracts, each run against every adapter: the relational store, key-value stores,
//! job queues, object stores, vector indexes, mail and payments (embedded,
//! PostgreSQL, the AWS ones and Stripe on local stand-ins, and Stripe's wire
//! contract where no stand-in has the feature), the Lambda SQS batch helper, the live connections' registry,
//! and the stand-ins themselves.

mod db;
mod kv;
mod lambda_sqs;
mod mail;
pub mod objects;
mod payments;
mod queue;
mod sockets;
pub mod standins;
mod stripe_wire;
mod vectors;
