//! The ways the app is run: the in-process router, the Vercel and Lambda
//! function binaries, the worker process and the server's live connections; the adapters they wire from
//! configuration, the deployment descriptions, the telemetry each host
//! writes, the OpenAPI document the web client is generated from, and the
//! web site's Content-Security-Policy.

mod image_memory;
mod infra;
mod lambda_functions;
mod live_connections;
mod openapi;
mod runtimes;
mod site;
mod telemetry;
mod wiring;
mod worker;
