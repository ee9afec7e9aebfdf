//! Every change of an artwork's state, in one protocol: inside the caller's
//! transaction, lock the row, apply the change, bump `version` and
//! `updated_at`, record the version snapshot (and refresh the search document),
//! write the audit row, publish what live viewers see of it; then, once the
//! caller has committed, run what the returned [`AfterCommit`] says (queue
//! re-embedding and notifications).
//!
//! Routes, the media job and the moderation queue call this; nothing outside
//! the catalog writes `artworks`.

use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    ArtworkFields,
    store::{self, ArtworkState},
};
use crate::{
    catalog::domain::{ArtworkStatus, Price},
    platform::{
        audit::{self, AuditEntry},
        queue::JobQueue,
    },
    realtime::fanout::{self, FanOut},
    search::indexing::{enqueue_embedding, reindex_later},
};

/// What changes. Values are valid already (parsed into catalog types); rules
/// about who may make a change, and when, are the caller's.
#[derive(Debug)]
pub enum ArtworkChange<'a> {
    /// Every editable field at once: an artist's or a moderator's edit.
    Edit { category_id: Uuid, fields: &'a ArtworkFields },
    /// A new status: archiving, a moderator confirming a copy, an order
    /// reserving or selling the work. Publishing stamps `published_at` once.
    Status(ArtworkStatus),
    /// Hold the work back from the public while a moderator reviews it (`true`),
    /// or release it (`false`).
    HeldForReview(bool),
    /// The media job stored a new processed image: a new representation of the
    /// work, hence a new version (and ETag). `hold_for_review` holds a possible
    /// copy of another artist's work; it never lifts an existing hold.
    ImagesAttached { hold_for_review: bool },
    /// A new asking price (checked with `Price::validate`).
    Price(&'a Price),
    /// Copies still available of a limited edition. The schema refuses it for
    /// unique and open editions and outside `0..=size` (`artworks_edition_shape`).
    EditionAvailable(i32),
    /// Copies of a limited edition taken by a checkout: one conditional
    /// statement, applied only while at least this many are left.
    TakeCopies(i32),
    /// Copies given back (an expired hold, a cancelled order): applied only
    /// while the edition has room for them.
    ReturnCopies(i32),
}

impl ArtworkChange<'_> {
    /// Whether the change touches what the vector index holds of the work
    /// (its text, its filters, or whether it is public). Availability of an
    /// edition is none of these.
    fn reembeds(&self) -> bool {
        !matches!(self, Self::EditionAvailable(_) | Self::TakeCopies(_) | Self::ReturnCopies(_))
    }
}

/// The audit row a change leaves.
#[derive(Debug)]
pub struct AuditNote<'a> {
    /// e.g. `artwork.update`.
    pub action: &'a str,
    pub details: Value,
    pub ip: Option<&'a str>,
}

/// Who makes a change: named in the version snapshot, and how it is audited.
#[derive(Debug)]
pub struct ChangedBy<'a> {
    user_id: Option<Uuid>,
    audit: Option<AuditNote<'a>>,
}

impl<'a> ChangedBy<'a> {
    /// A person through the API; the change writes this audit row.
    pub fn user(user_id: Uuid, audit: AuditNote<'a>) -> Self {
        Self { user_id: Some(user_id), audit: Some(audit) }
    }

    /// A person whose decision the caller audits itself, with a row written
    /// whether or not the artwork changes (a moderator resolving a duplicate flag).
    pub fn user_audited_by_caller(user_id: Uuid) -> Self {
        Self { user_id: Some(user_id), audit: None }
    }

    /// The system (the media job attaching an image): on record in the version
    /// history, without an author and without an audit row.
    pub fn system() -> Self {
        Self { user_id: None, audit: None }
    }
}

/// What must happen once the caller's transaction has committed: never
/// before, or a worker could read the state the change replaced.
#[derive(Debug, Default, PartialEq)]
#[must_use = "run it after the transaction commits"]
pub struct AfterCommit {
    /// Queue `embed.artwork` for this artwork.
    pub reembed: Option<Uuid>,
    /// Notifications for the work's savers or its artist's followers.
    pub notify: Vec<FanOut>,
}

impl AfterCommit {
    /// Re-embedding an artwork, for a retry that finds its change already
    /// committed by an earlier attempt (a job that failed after its commit).
    pub fn reembed(artwork_id: Uuid) -> Self {
        Self { reembed: Some(artwork_id), notify: Vec::new() }
    }

    /// For request handlers: the change stands even if the queue is
    /// unreachable; the failure is logged and `atelier reindex` repairs the drift.
    pub async fn run(self, queue: &dyn JobQueue) {
        if let Some(artwork_id) = self.reembed {
            reindex_later(queue, artwork_id).await;
        }
        for fan_out in &self.notify {
            if let Err(e) = fanout::enqueue(queue, fan_out).await {
                tracing::warn!(error = %format!("{e:#}"), subject = fan_out.subject, "queueing notifications failed");
            }
        }
    }

    /// For jobs: a failure to queue fails the job, which is retried.
    pub async fn try_run(self, queue: &dyn JobQueue) -> anyhow::Result<()> {
        if let Some(artwork_id) = self.reembed {
            enqueue_embedding(queue, artwork_id).await?;
        }
        for fan_out in &self.notify {
            fanout::enqueue(queue, fan_out).await?;
        }
        Ok(())
    }
}

/// A change that was applied.
#[derive(Debug)]
pub struct Changed {
    /// The artwork as it was when locked, before the change.
    pub before: ArtworkState,
    /// The version the change created.
    pub version: i32,
    pub after_commit: AfterCommit,
}

/// Applies `change` to the artwork in the caller's transaction (see the module
/// doc for the steps). `None` when there is no such artwork, or when a change
/// of copies does not fit what is left: nothing was written.
pub async fn apply(
    conn: &mut PgConnection,
    artwork_id: Uuid,
    change: ArtworkChange<'_>,
    by: ChangedBy<'_>,
) -> sqlx::Result<Option<Changed>> {
    let Some(before) = store::lock_state(conn, artwork_id).await? else { return Ok(None) };
    match &change {
        ArtworkChange::Edit { category_id, fields } => store::update(conn, artwork_id, *category_id, fields).await?,
        ArtworkChange::Status(status) => store::set_status(conn, artwork_id, *status).await?,
        ArtworkChange::HeldForReview(held) => store::set_held_for_review(conn, artwork_id, *held).await?,
        ArtworkChange::ImagesAttached { hold_for_review } => {
            store::image_attached(conn, artwork_id, *hold_for_review).await?
        }
        ArtworkChange::Price(price) => store::set_price(conn, artwork_id, price).await?,
        ArtworkChange::EditionAvailable(available) => {
            store::set_edition_available(conn, artwork_id, *available).await?
        }
        ArtworkChange::TakeCopies(copies) => {
            if !store::add_copies(conn, artwork_id, -copies).await? {
                return Ok(None);
            }
        }
        ArtworkChange::ReturnCopies(copies) => {
            if !store::add_copies(conn, artwork_id, *copies).await? {
                return Ok(None);
            }
        }
    }
    record(conn, artwork_id, by).await?;
    let version = before.version + 1;
    let after = store::state(conn, artwork_id).await?.expect("locked above");
    super::live::publish_availability(conn, artwork_id, &before, &after).await?;
    let notify = super::live::fan_outs(artwork_id, &before, &after, version);
    let after_commit = AfterCommit { reembed: change.reembeds().then_some(artwork_id), notify };
    Ok(Some(Changed { before, version, after_commit }))
}

/// A new artwork, to be listed by `create` or `import`.
#[derive(Debug)]
pub struct NewArtwork<'a> {
    pub id: Uuid,
    pub artist_id: Uuid,
    pub category_id: Uuid,
    pub fields: &'a ArtworkFields,
}

/// Lists a new artwork at version 1 in the caller's transaction, with its
/// snapshot and audit row.
pub async fn create(conn: &mut PgConnection, new: NewArtwork<'_>, by: ChangedBy<'_>) -> sqlx::Result<AfterCommit> {
    store::insert(conn, new.id, new.artist_id, new.category_id, new.fields).await?;
    record(conn, new.id, by).await?;
    // Listed as published straight away: a first publication. Nobody can be
    // watching a work that did not exist, so there is no availability to publish.
    let listed = store::state(conn, new.id).await?.expect("just inserted");
    let unlisted = ArtworkState { status: ArtworkStatus::Draft, published_at: None, ..listed.clone() };
    let notify = super::live::fan_outs(new.id, &unlisted, &listed, 1);
    Ok(AfterCommit { reembed: Some(new.id), notify })
}

/// Lists many new artworks at once for a seed: one snapshot pass for the
/// batch, no author, no audit rows, and no re-embedding (a seed is followed by
/// `atelier reindex`).
pub async fn import(conn: &mut PgConnection, artworks: &[NewArtwork<'_>]) -> sqlx::Result<()> {
    for new in artworks {
        store::insert(conn, new.id, new.artist_id, new.category_id, new.fields).await?;
    }
    let ids: Vec<Uuid> = artworks.iter().map(|new| new.id).collect();
    store::record_changes(conn, &ids, None).await
}

/// The version snapshot (with the search document), then the audit row.
async fn record(conn: &mut PgConnection, artwork_id: Uuid, by: ChangedBy<'_>) -> sqlx::Result<()> {
    store::record_changes(conn, &[artwork_id], by.user_id).await?;
    if let Some(note) = by.audit {
        audit::record(
            conn,
            AuditEntry {
                actor_id: by.user_id,
                action: note.action,
                entity_type: "artwork",
                entity_id: Some(artwork_id),
                details: note.details,
                ip: note.ip,
            },
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_but_edition_availability_reembeds() {
        let price = Price { amount_minor: 100, currency: "GBP".to_owned() };
        assert!(ArtworkChange::Status(ArtworkStatus::Archived).reembeds());
        assert!(ArtworkChange::ImagesAttached { hold_for_review: false }.reembeds());
        assert!(ArtworkChange::Price(&price).reembeds());
        assert!(!ArtworkChange::EditionAvailable(3).reembeds());
        assert!(!ArtworkChange::TakeCopies(1).reembeds());
    }
}
