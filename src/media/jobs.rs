//! The `media.process` job: turn an uploaded original into stored variants,
//! analysis and duplicate flags, all-or-nothing and safe to run twice. An
//! accepted original is marked kept; every other one expires with its upload
//! form's pending mark (`objects::PENDING_UPLOADS_EXPIRE_AFTER_DAYS`).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;
use tokio::sync::Mutex;
use uuid::Uuid;

use super::{
    fingerprint::{HashIndex, PerceptualHash},
    inspect::Bounds,
    pipeline::{MemoryBudget, ProcessError, Processed, process_bounded},
    uploads::{self, UploadStatus},
};
use crate::{
    app::AppContext,
    catalog::artworks::changes::{self, AfterCommit, ArtworkChange, ChangedBy},
    platform::{objects::ObjectKey, queue::NewJob},
    realtime::notifications::{self, Kind},
};

pub const PROCESS: &str = "media.process";
/// The storage service reported a new object (S3 ObjectCreated on the queue).
pub const OBJECT_CREATED: &str = crate::platform::queue::lambda::OBJECT_CREATED_KIND;

#[derive(Serialize, Deserialize)]
pub struct ProcessPayload {
    pub upload_id: Uuid,
}

#[derive(Serialize, Deserialize)]
pub struct ObjectCreatedPayload {
    pub key: String,
}

pub async fn enqueue_processing(ctx: &AppContext, upload_id: Uuid) -> anyhow::Result<()> {
    ctx.queue
        .send(NewJob {
            kind: PROCESS,
            payload: serde_json::to_value(ProcessPayload { upload_id })?,
            dedup_key: Some(&format!("{PROCESS}:{upload_id}")),
            delay: Duration::ZERO,
        })
        .await?;
    Ok(())
}

/// Which stored image a hash belongs to.
#[derive(Clone, Copy, Debug)]
struct StoredImage {
    image_id: Uuid,
    artwork_id: Uuid,
    artist_id: Uuid,
}

/// Every stored perceptual hash in a BK-tree, so a new upload is compared with
/// the whole catalogue without scanning it. The index catches up before each
/// query by reading only the images stored since its last read (`seq`), which
/// also picks up what other workers stored.
#[derive(Default)]
pub struct DuplicateIndex {
    state: Mutex<(HashIndex<StoredImage>, i64)>,
}

impl DuplicateIndex {
    async fn nearest(
        &self,
        db: &PgPool,
        hash: PerceptualHash,
        max_distance: u32,
    ) -> anyhow::Result<Vec<(u32, StoredImage)>> {
        let mut state = self.state.lock().await;
        let (index, last_seq) = &mut *state;
        let fresh: Vec<(Uuid, Uuid, Uuid, i64, i64)> = sqlx::query_as(
            "SELECT id, artwork_id, artist_id, phash, seq FROM artwork_images WHERE seq > $1 ORDER BY seq",
        )
        .bind(*last_seq)
        .fetch_all(db)
        .await?;
        for (image_id, artwork_id, artist_id, phash, seq) in fresh {
            index.insert(PerceptualHash(phash as u64), StoredImage { image_id, artwork_id, artist_id });
            *last_seq = seq;
        }
        Ok(index.within(hash, max_distance))
    }
}

fn bounds(ctx: &AppContext) -> Bounds {
    Bounds { max_pixels: ctx.config.media.max_pixels, ..Bounds::default() }
}

/// Runs `media.process` for one upload. Returns an error only for failures worth
/// retrying (storage or database trouble); a bad file ends as a rejected upload.
pub async fn process_upload(ctx: &AppContext, duplicates: &DuplicateIndex, upload_id: Uuid) -> anyhow::Result<()> {
    let mut conn = ctx.db.acquire().await?;
    let Some(upload) = uploads::find(&mut conn, upload_id).await? else {
        tracing::info!(%upload_id, "upload no longer exists; nothing to process");
        return Ok(());
    };
    drop(conn);
    match upload.status {
        UploadStatus::Ready => {
            // The run that stored the image may have failed before these.
            ctx.objects.mark_kept(&upload.key()?).await?;
            return AfterCommit::reembed(upload.artwork_id).try_run(ctx.queue.as_ref()).await;
        }
        UploadStatus::Rejected => return Ok(()),
        UploadStatus::Pending | UploadStatus::Processing => {}
    }
    let source_key = upload.key()?;
    let Some(bytes) = ctx.objects.get(&source_key).await? else {
        return reject(ctx, upload_id, "the file never arrived in storage").await;
    };
    if bytes.len() as u64 > ctx.config.media.max_upload_bytes {
        ctx.objects.delete(&source_key).await?;
        return reject(ctx, upload_id, "the file is larger than the upload limit").await;
    }
    let source_bytes = bytes.len() as i64;
    let bounds = bounds(ctx);
    // Waits for the job's share of the memory budget, then runs on a blocking
    // thread that stops itself at the timeout.
    let budget = MemoryBudget::process_wide(ctx.config.media.memory_budget_mb);
    let processed = match process_bounded(bytes, bounds, ctx.config.media.process_timeout, budget).await {
        Err(ProcessError::TimedOut(timed_out)) => return reject(ctx, upload_id, &timed_out.to_string()).await,
        Err(ProcessError::Panicked(panic)) => {
            tracing::error!(%upload_id, error = %panic, "image processing panicked");
            return reject(ctx, upload_id, "the image could not be processed").await;
        }
        Err(ProcessError::Rejected(rejection)) => {
            ctx.objects.delete(&source_key).await?;
            return reject(ctx, upload_id, &rejection.to_string()).await;
        }
        Err(ProcessError::Internal(e)) => return Err(e),
        Ok(processed) => processed,
    };
    // Variant keys derive from the image id, so a second run overwrites the
    // same objects instead of leaving a second set behind.
    let mut stored_variants = Vec::with_capacity(processed.variants.len());
    for variant in &processed.variants {
        let key = ObjectKey::parse(&format!(
            "images/{}/{}/{}.{}",
            upload.artwork_id,
            upload_id,
            variant.width.max(variant.height),
            variant.format.extension()
        ))
        .expect("uuids and digits make a valid key");
        ctx.objects.put(&key, variant.bytes.clone(), variant.format.mime()).await?;
        stored_variants.push(key);
    }
    let matches: Vec<(u32, StoredImage)> = duplicates
        .nearest(&ctx.db, processed.hash, ctx.config.media.duplicate_distance)
        .await?
        .into_iter()
        .filter(|(_, other)| other.artist_id != upload.artist_id && other.image_id != upload_id)
        .collect();
    let stored = store_result(ctx, &upload, source_bytes, &processed, &stored_variants, &matches).await?;
    if let Some(after_commit) = stored {
        // Only now: an original that never makes it into the catalogue (a
        // rejection that keeps it, a job that dead-letters) stays pending and
        // expires.
        ctx.objects.mark_kept(&source_key).await?;
        after_commit.try_run(ctx.queue.as_ref()).await?;
    }
    Ok(())
}

async fn reject(ctx: &AppContext, upload_id: Uuid, reason: &str) -> anyhow::Result<()> {
    tracing::info!(%upload_id, reason, "upload rejected");
    let mut tx = ctx.db.begin().await?;
    let rejected: Option<(Uuid, Uuid)> = sqlx::query_as(
        "UPDATE uploads SET status = 'rejected', rejection_reason = $2, processed_at = now()
         WHERE id = $1 AND status IN ('pending', 'processing') RETURNING artwork_id, artist_id",
    )
    .bind(upload_id)
    .bind(reason)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((artwork_id, artist_id)) = rejected {
        let data = json!({"upload_id": upload_id, "artwork_id": artwork_id, "reason": reason});
        notify_artist(&mut tx, artist_id, Kind::UploadRejected, &format!("upload:{upload_id}:rejected"), data).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Tells the artist (if the profile has an account) what became of an upload.
async fn notify_artist(
    conn: &mut sqlx::PgConnection,
    artist_id: Uuid,
    kind: Kind,
    subject: &str,
    data: serde_json::Value,
) -> sqlx::Result<()> {
    if let Some(user_id) = crate::catalog::artists::account_of_artist(conn, artist_id).await? {
        notifications::notify(conn, user_id, kind, subject, data).await?;
    }
    Ok(())
}

/// Writes the image, its variants and any duplicate flags in one transaction
/// and marks the upload ready; readers see all of it or none. Returns what to
/// do once committed, or `None` when another run already stored it.
async fn store_result(
    ctx: &AppContext,
    upload: &uploads::UploadRow,
    source_bytes: i64,
    processed: &Processed,
    variant_keys: &[ObjectKey],
    matches: &[(u32, StoredImage)],
) -> anyhow::Result<Option<AfterCommit>> {
    let mut tx = ctx.db.begin().await?;
    let status: Option<UploadStatus> = sqlx::query_scalar("SELECT status FROM uploads WHERE id = $1 FOR UPDATE")
        .bind(upload.id)
        .fetch_optional(&mut *tx)
        .await?;
    if !matches!(status, Some(UploadStatus::Pending | UploadStatus::Processing)) {
        return Ok(None);
    }
    let inspected = &processed.inspected;
    sqlx::query(
        "INSERT INTO artwork_images (id, artwork_id, artist_id, width, height, source_format, color_type, has_icc,
             source_bytes, palette, phash, sharpness)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(upload.id)
    .bind(upload.artwork_id)
    .bind(upload.artist_id)
    .bind(inspected.width as i32)
    .bind(inspected.height as i32)
    .bind(inspected.format.mime())
    .bind(format!("{:?}", inspected.color_type))
    .bind(inspected.has_icc)
    .bind(source_bytes)
    .bind(sqlx::types::Json(&processed.palette))
    .bind(processed.hash.0 as i64)
    .bind(processed.sharpness)
    .execute(&mut *tx)
    .await?;
    for (variant, key) in processed.variants.iter().zip(variant_keys) {
        sqlx::query(
            "INSERT INTO image_variants (image_id, width, height, format, storage_key, byte_size)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(upload.id)
        .bind(variant.width as i32)
        .bind(variant.height as i32)
        .bind(variant.format.extension().replace("jpg", "jpeg"))
        .bind(key.as_str())
        .bind(variant.bytes.len() as i32)
        .execute(&mut *tx)
        .await?;
    }
    let mut flagged = false;
    for (distance, other) in matches {
        // The matched image may have been deleted since the index saw it.
        let inserted = sqlx::query(
            "INSERT INTO duplicate_flags (id, artwork_id, image_id, matched_artwork_id, matched_image_id, distance)
             SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM artwork_images WHERE id = $5)
             ON CONFLICT (image_id, matched_image_id) DO NOTHING",
        )
        .bind(Uuid::now_v7())
        .bind(upload.artwork_id)
        .bind(upload.id)
        .bind(other.artwork_id)
        .bind(other.image_id)
        .bind(*distance as i16)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        flagged |= inserted == 1;
    }
    if flagged {
        tracing::warn!(upload_id = %upload.id, artwork_id = %upload.artwork_id, "possible duplicate of another artist's work; held for review");
    }
    sqlx::query("UPDATE uploads SET status = 'ready', rejection_reason = NULL, processed_at = now() WHERE id = $1")
        .bind(upload.id)
        .execute(&mut *tx)
        .await?;
    let (kind, outcome) = if flagged { (Kind::DuplicateFlagged, "flagged") } else { (Kind::UploadProcessed, "ready") };
    let data = json!({"upload_id": upload.id, "artwork_id": upload.artwork_id});
    notify_artist(&mut tx, upload.artist_id, kind, &format!("upload:{}:{outcome}", upload.id), data).await?;
    // A new image changes the artwork's representation, so it gets a new
    // version (and ETag), on record without an author or an audit row.
    let changed = changes::apply(
        &mut tx,
        upload.artwork_id,
        ArtworkChange::ImagesAttached { hold_for_review: flagged },
        ChangedBy::system(),
    )
    .await?;
    tx.commit().await?;
    // The image row's foreign key keeps the artwork there; re-embedding regardless
    // is what this job has always queued after storing an image.
    Ok(Some(changed.map_or_else(|| AfterCommit::reembed(upload.artwork_id), |c| c.after_commit)))
}
