//! The ways the app is run: the in-process router, the Vercel and Lambda
//! function binaries and the worker process; the adapters they wire from
//! configuration, the deployment descriptions, the telemetry each host
//! writes, and the OpenAPI document the web client is generated from.

mod infra;
mod lambda_functions;
mod openapi;
mod runtimes;
mod telemetry;
mod wiring;
mod worker;
