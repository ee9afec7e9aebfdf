//! The embedded mailbox: mail is kept in the `mail_outbox` table instead of
//! leaving the machine, and the development mail page lists it. Nothing is
//! relayed anywhere, so production refuses this backend.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{MailTransport, OutgoingMail, SendError, mime_message};

pub struct LocalMailbox {
    db: PgPool,
    from: Mailbox,
}

/// A message as the mailbox received it.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct MailboxEntry {
    pub id: Uuid,
    pub from_address: String,
    pub to_address: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub list_unsubscribe: Option<String>,
    pub delivered_at: DateTime<Utc>,
}

impl LocalMailbox {
    pub fn new(db: PgPool, from: Mailbox) -> Self {
        Self { db, from }
    }

    /// The newest messages first (by when they were written, which their
    /// UUIDv7 ids keep: jobs may deliver them out of order), to one address
    /// (any case) or to anyone.
    pub async fn list(&self, to: Option<&str>, limit: i64) -> sqlx::Result<Vec<MailboxEntry>> {
        sqlx::query_as(
            "SELECT id, from_address, to_address, subject, text_body, html_body, list_unsubscribe, delivered_at
             FROM mail_outbox WHERE ($1::text IS NULL OR lower(to_address) = lower($1))
             ORDER BY id DESC LIMIT $2",
        )
        .bind(to)
        .bind(limit)
        .fetch_all(&self.db)
        .await
    }
}

#[async_trait]
impl MailTransport for LocalMailbox {
    async fn send(&self, mail: &OutgoingMail) -> Result<Option<String>, SendError> {
        // Built as the relays build it, so a message they would refuse is refused here too.
        mime_message(&self.from, mail)?;
        // Delivered twice (a retried job), the mailbox keeps one copy.
        sqlx::query(
            "INSERT INTO mail_outbox (id, from_address, to_address, subject, text_body, html_body, list_unsubscribe)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
        )
        .bind(mail.id)
        .bind(self.from.to_string())
        .bind(&mail.to)
        .bind(&mail.subject)
        .bind(&mail.text)
        .bind(&mail.html)
        .bind(&mail.unsubscribe)
        .execute(&self.db)
        .await
        .map_err(|e| SendError::Failed(e.into()))?;
        Ok(None)
    }
}
