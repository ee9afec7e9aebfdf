//! The database check behind the health route.

use sqlx::PgPool;

/// Succeeds when the database answers a trivial query.
pub async fn ping(pool: &PgPool) -> sqlx::Result<()> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}
