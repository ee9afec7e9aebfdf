//! Structured logs: JSON lines by default (what CloudWatch and Vercel ingest),
//! human-readable when `LOG_FORMAT=pretty`.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use super::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let registry = tracing_subscriber::registry().with(filter);
    // A second init (tests, or a host that already set one up) is harmless.
    let _ = match format {
        LogFormat::Json => registry
            .with(fmt::layer().json().flatten_event(true).with_current_span(true).with_span_list(false))
            .try_init(),
        LogFormat::Pretty => registry.with(fmt::layer().compact()).try_init(),
    };
}

/// Reads the log format without requiring the rest of the configuration, so a
/// host can start logging before configuration errors need reporting.
pub fn init_from_env() {
    let format = match std::env::var("LOG_FORMAT").as_deref() {
        Ok("pretty") => LogFormat::Pretty,
        _ => LogFormat::Json,
    };
    init(format);
}
