//! The relational store: a PostgreSQL pool and the embedded migrations.

use std::time::Duration;

use sqlx::{PgPool, postgres::PgConnectOptions, postgres::PgPoolOptions};

/// Migrations are compiled into every binary, so a Lambda or Vercel function can
/// check the schema without shipping the SQL files beside it.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./infra/migrations");

pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<PgPool> {
    // No prepared-statement cache: managed poolers in transaction mode (pgbouncer,
    // Neon, RDS Proxy) hand each transaction a different backend.
    let options: PgConnectOptions = url.parse::<PgConnectOptions>()?.statement_cache_capacity(0);
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
