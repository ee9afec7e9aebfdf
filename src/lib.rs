//! Atelier: a marketplace for original art and editions.
//!
//! All behaviour lives in this library; the binaries in `api/` (Vercel),
//! `functions/` (AWS Lambda) and `src/main.rs` (the local server and CLI) only
//! call into [`hosts`].
//!
//! The map, from the bottom up:
//!
//! | layer | modules | what it holds |
//! |---|---|---|
//! | platform | [`platform`] | configuration, secrets, the database pool, audit trail, telemetry, HTTP plumbing (extractors, the one error type, layers, idempotency keys, rate limits, metrics), and the ports: `kv`, `queue`, `objects`, `vectors`, `embedder`, each a folder with its trait, embedded default, cloud adapter(s) and `from_config` |
//! | capabilities | [`auth`], [`catalog`], [`media`], [`search`], [`feed`], [`collections`], [`commerce`], [`reviews`], [`insights`], [`realtime`], [`system`] | one folder each: routes, domain types, store (the SQL) and jobs side by side |
//! | application | [`app`], [`jobs`] | the context every handler receives (one adapter per port), the route families and the OpenAPI document, the job dispatcher |
//! | hosts | [`hosts`] | the local server and worker, the Vercel and Lambda runtimes, the scheduler |
//!
//! The layering rule: a module uses only what is in its own layer or below.
//! `platform` names no capability (route middleware learns the caller through
//! the [`platform::http::CallerIdentity`] trait); a capability changes another
//! capability's tables only through that capability's API (the catalog owns
//! `artworks`); only the hosts start runtimes.

/// The allocator of every binary. glibc's keeps the pages an image job
/// freed in per-thread arenas, so a long-running server's resident memory
/// climbed with every new blocking thread that decoded an image (23 % over
/// ten minutes of `scripts/soak`); mimalloc returns freed pages to the
/// system shortly after they are freed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod app;
pub mod auth;
pub mod catalog;
pub mod collections;
pub mod commerce;
pub mod feed;
pub mod hosts;
pub mod insights;
pub mod jobs;
pub mod mail;
pub mod media;
pub mod messaging;
pub mod platform;
pub mod realtime;
pub mod reviews;
pub mod search;
pub mod system;
