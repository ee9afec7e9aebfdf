//! The relational store: a PostgreSQL pool and the embedded migrations.

use std::time::Duration;

use sqlx::{PgPool, postgres::PgConnectOptions, postgres::PgPoolOptions};

/// Migrations are compiled into every binary, so a Lambda or Vercel function can
/// check the schema without shipping the SQL files beside it.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./infra/migrations");

/// Prepared statements kept per connection.
pub const STATEMENT_CACHE: usize = 100;

pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<PgPool> {
    // Each connection keeps its most used statements prepared (an LRU that
    // closes what it evicts), so a repeated query is one round trip. Poolers
    // in transaction mode must support protocol-level prepared statements
    // (PgBouncer 1.21+ with max_prepared_statements, Neon's pooler); RDS
    // Proxy pins such sessions. The cache is not turned off: with it off,
    // sqlx 0.9.0 left a named statement behind per query, and 0.9.1 breaks a
    // query whose result has a type the connection has not seen yet.
    let options: PgConnectOptions = url.parse::<PgConnectOptions>()?.statement_cache_capacity(STATEMENT_CACHE);
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(options);
    Ok(pool)
}

pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await?;
    Ok(())
}
