//! Ports (traits) with their adapters, and the cross-cutting pieces every
//! capability uses: configuration, errors, HTTP plumbing, telemetry, hosts.

pub mod audit;
pub mod config;
pub mod db;
pub mod dynamo_kv;
pub mod embedder;
pub mod error;
pub mod hosts;
pub mod http;
pub mod idempotency;
pub mod kv;
pub mod lambda_sqs;
pub mod local_embedder;
pub mod local_objects;
pub mod metrics;
pub mod objects;
pub mod openai_embedder;
pub mod pg_vectors;
pub mod qdrant;
pub mod queue;
pub mod rate_limit;
pub mod s3;
pub mod sqs;
pub mod telemetry;
pub mod vectors;
