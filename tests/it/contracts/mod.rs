//! The ports' contracts, each run against every adapter: key-value stores,
//! job queues, object stores and vector indexes (embedded, PostgreSQL and
//! the AWS ones on local stand-ins), the Lambda SQS batch helper, and the
//! stand-ins themselves.

mod kv;
mod lambda_sqs;
pub mod objects;
mod queue;
pub mod standins;
mod vectors;
