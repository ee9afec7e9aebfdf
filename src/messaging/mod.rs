//! Conversations between collectors and artists about a work: inquiries,
//! plain-text messages, the steps of offers on the work, read receipts, blocks
//! and reports to moderators.

pub mod domain;
mod routes;
pub mod store;

pub use routes::{OfferLine, post_offer_line, router};

use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::{Permission, Principal};

/// Whether someone may read a conversation (and listen on its channel): its
/// two participants, and moderators while a report on it is open.
pub async fn can_read(conn: &mut PgConnection, conversation_id: Uuid, who: &Principal) -> sqlx::Result<bool> {
    let moderator = who.can(Permission::ModerateCatalog);
    store::can_read(conn, conversation_id, who.user_id, moderator).await
}
