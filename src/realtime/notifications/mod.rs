//! Notifications: what a person is told about, kept until read, delivered live
//! on their `user:` channel, filtered by their preferences per kind.

pub mod email;
mod routes;
mod store;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

pub use self::routes::router;
use super::Channel;

/// What a notification is about. Each kind can be turned off in the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A purchase of yours moved on (paid, accepted, shipped, refunded …).
    OrderUpdate,
    /// A sale of yours: a new order, and what happens to it after.
    Sale,
    /// A new message in one of your conversations.
    Message,
    /// An artist you follow listed a new work.
    NewWork,
    /// A work you saved was reserved by a buyer at checkout.
    SavedReserved,
    /// A work you saved sold.
    SavedSold,
    /// A work you saved costs less now.
    SavedPriceDrop,
    /// An image you uploaded is processed and on the work.
    UploadProcessed,
    /// An image you uploaded was refused.
    UploadRejected,
    /// An image you uploaded looks like another artist's work and is held for review.
    DuplicateFlagged,
    /// An offer on a work: made, countered, accepted, declined or expired.
    Offer,
    /// A review: one you can write now, or one written about you.
    Review,
}

impl Kind {
    pub const ALL: [Kind; 12] = [
        Kind::OrderUpdate,
        Kind::Sale,
        Kind::Message,
        Kind::NewWork,
        Kind::SavedReserved,
        Kind::SavedSold,
        Kind::SavedPriceDrop,
        Kind::UploadProcessed,
        Kind::UploadRejected,
        Kind::DuplicateFlagged,
        Kind::Offer,
        Kind::Review,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::OrderUpdate => "order_update",
            Kind::Sale => "sale",
            Kind::Message => "message",
            Kind::NewWork => "new_work",
            Kind::SavedReserved => "saved_reserved",
            Kind::SavedSold => "saved_sold",
            Kind::SavedPriceDrop => "saved_price_drop",
            Kind::UploadProcessed => "upload_processed",
            Kind::UploadRejected => "upload_rejected",
            Kind::DuplicateFlagged => "duplicate_flagged",
            Kind::Offer => "offer",
            Kind::Review => "review",
        }
    }

    /// Whether the kind is mailed unless the person says otherwise: what
    /// asks for an answer or concerns their money or their work is; news
    /// about saved works and followed artists is not.
    pub fn mailed_by_default(self) -> bool {
        matches!(
            self,
            Kind::OrderUpdate
                | Kind::Sale
                | Kind::Message
                | Kind::Offer
                | Kind::Review
                | Kind::UploadRejected
                | Kind::DuplicateFlagged
        )
    }

    pub(super) fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One notification.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: Uuid,
    pub kind: Kind,
    /// What it is about; the fields depend on the kind (an order, a
    /// conversation, a work …) and always include what the site links to.
    pub data: Value,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// Notifies one person on the caller's transaction, in the app and by mail
/// as they chose for the kind, unless they were already told about
/// `subject` (a retried job, a webhook seen twice). Answers whether a
/// notification was written.
pub async fn notify(
    conn: &mut PgConnection,
    user_id: Uuid,
    kind: Kind,
    subject: &str,
    data: Value,
) -> sqlx::Result<bool> {
    let Some((id, created_at, shown)) = store::insert(conn, user_id, kind, subject, &data).await? else {
        return Ok(false);
    };
    if !shown {
        // Off in the app: it waits only for the mailer.
        return Ok(true);
    }
    let notification = Notification { id, kind, data, created_at, read_at: None };
    let event = serde_json::to_value(&notification).expect("a notification serialises");
    super::publish(conn, Channel::User(user_id), "notification", &event).await?;
    Ok(true)
}
