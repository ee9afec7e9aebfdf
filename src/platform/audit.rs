//! The audit trail: one row per write, naming who did what to which record.

use serde_json::Value;
use uuid::Uuid;

pub struct AuditEntry<'a> {
    pub actor_id: Option<Uuid>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<Uuid>,
    pub details: Value,
    pub ip: Option<&'a str>,
}

/// Written inside the caller's transaction so that a write and its audit row
/// commit or roll back together.
pub async fn record(conn: &mut sqlx::PgConnection, entry: AuditEntry<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, actor_id, action, entity_type, entity_id, details, ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(Uuid::now_v7())
    .bind(entry.actor_id)
    .bind(entry.action)
    .bind(entry.entity_type)
    .bind(entry.entity_id)
    .bind(entry.details)
    .bind(entry.ip)
    .execute(conn)
    .await?;
    Ok(())
}
