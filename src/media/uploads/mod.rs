//! The upload flow: an artist asks for a presigned form, sends the file straight
//! to the object store, then says it is complete; processing runs on the queue.

mod store;

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use self::store::NewUploadRow;
pub(super) use self::store::{UploadRow, find};
use super::{images::ImageView, jobs};
use crate::{
    app::AppContext,
    auth::{Permission, Principal},
    catalog::{artists, domain::ArtworkStatus},
    platform::{
        http::error::{ApiError, ApiResult, FieldErrors},
        http::idempotency,
        http::rate_limit::{self, Limit},
        http::{ApiJson, ApiPath, ApiQuery},
        objects::{ObjectKey, PresignedUpload, UploadPolicy},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(rate_limit::limited(Limit::Uploads, idempotency::keyed(routes!(create_upload))))
        .routes(routes!(list_uploads))
        .routes(routes!(get_upload))
        .routes(routes!(complete_upload))
}

/// The formats the pipeline accepts. The declared type only shapes the upload
/// form; processing identifies the format from the bytes.
const ACCEPTED_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/webp", "image/tiff"];

/// Images one artwork may carry, so one listing cannot exhaust an artist's quota.
const MAX_IMAGES_PER_ARTWORK: i64 = 12;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUpload {
    pub artwork_id: Uuid,
    /// The file's name on the artist's machine; shown back to them, never used
    /// for storage. Control characters are dropped.
    #[schema(max_length = 255, pattern = r"[^\s\x00-\x1F\x7F-\x9F]")]
    pub filename: String,
    /// The upload must be sent with exactly this type.
    #[schema(schema_with = content_type_schema)]
    pub content_type: String,
    /// Exact size of the file in bytes; the form refuses a larger body. At
    /// most `MAX_UPLOAD_BYTES` (50 MB unless configured otherwise).
    #[schema(minimum = 1)]
    pub size_bytes: i64,
}

fn content_type_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(ACCEPTED_TYPES))
        .build()
}

struct NewUpload {
    artwork_id: Uuid,
    filename: String,
    content_type: &'static str,
    size_bytes: i64,
}

impl CreateUpload {
    fn parse(self, max_bytes: u64) -> ApiResult<NewUpload> {
        let mut e = FieldErrors::new();
        let filename: String = self.filename.trim().chars().filter(|c| !c.is_control()).collect();
        if filename.is_empty() || filename.chars().count() > 255 {
            e.push("filename", "must be 1–255 characters");
        }
        let declared = self.content_type.trim().to_ascii_lowercase();
        let content_type = ACCEPTED_TYPES.into_iter().find(|t| *t == declared);
        if content_type.is_none() {
            e.push("content_type", "must be image/jpeg, image/png, image/webp or image/tiff");
        }
        if self.size_bytes <= 0 {
            e.push("size_bytes", "must be positive");
        } else if self.size_bytes as u64 > max_bytes {
            e.push("size_bytes", format!("must be at most {} MB", max_bytes / (1024 * 1024)));
        }
        e.finish(|| {
            Some(NewUpload {
                artwork_id: self.artwork_id,
                filename,
                content_type: content_type?,
                size_bytes: self.size_bytes,
            })
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, ToSchema)]
#[sqlx(type_name = "upload_status", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum UploadStatus {
    /// Waiting for the file.
    Pending,
    /// The file arrived and is queued or being processed.
    Processing,
    /// Processed: the image is on the artwork.
    Ready,
    /// Refused; `rejection_reason` says why.
    Rejected,
}

#[derive(Serialize, ToSchema)]
pub struct UploadView {
    pub id: Uuid,
    pub artwork_id: Uuid,
    pub status: UploadStatus,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Why the file was refused, in words meant for the artist.
    pub rejection_reason: Option<String>,
    /// The processed image, once ready.
    pub image: Option<ImageView>,
    /// When the upload form stops working.
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub processed_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedUpload {
    #[serde(flatten)]
    pub upload: UploadView,
    /// Where and how to send the file.
    pub form: PresignedUpload,
}

impl UploadRow {
    async fn into_view(self, ctx: &AppContext, conn: &mut PgConnection) -> ApiResult<UploadView> {
        let image = if self.status == UploadStatus::Ready {
            super::images::for_artworks(conn, ctx.objects.as_ref(), &[self.artwork_id])
                .await?
                .remove(&self.artwork_id)
                .and_then(|images| images.into_iter().find(|image| image.id == self.id))
        } else {
            None
        };
        Ok(UploadView {
            id: self.id,
            artwork_id: self.artwork_id,
            status: self.status,
            filename: self.filename,
            content_type: self.content_type,
            size_bytes: self.size_bytes,
            rejection_reason: self.rejection_reason,
            image,
            expires_at: self.expires_at,
            created_at: self.created_at,
            completed_at: self.completed_at,
            processed_at: self.processed_at,
        })
    }
}

/// The caller's artist id, which must own `artwork_id`. Moderators may read any
/// upload but never create one.
async fn owning_artist(conn: &mut PgConnection, principal: &Principal, artwork_id: Uuid) -> ApiResult<Uuid> {
    principal.require(Permission::SellArtworks)?;
    let artist = artists::artist_of_user(conn, principal.user_id)
        .await?
        .ok_or_else(|| ApiError::Conflict("create your artist profile (POST /api/artists) first".to_owned()))?;
    match store::artwork_owner_and_status(conn, artwork_id).await? {
        Some((owner, ArtworkStatus::Archived | ArtworkStatus::Sold)) if owner == artist => {
            Err(ApiError::Conflict("images cannot be added to an archived or sold artwork".to_owned()))
        }
        Some((owner, _)) if owner == artist => Ok(artist),
        // Someone else's work answers as a missing one: whether an id names
        // a draft of another artist is none of the caller's business.
        _ => Err(ApiError::field("artwork_id", "no such artwork of yours")),
    }
}

/// Start an upload: returns a form that sends the file straight to storage.
/// The form is bound to the declared type and size, and expires.
#[utoipa::path(post, path = "/api/uploads", tag = "media", security(("bearer" = [])), request_body = CreateUpload,
    responses(
        (status = 201, body = CreatedUpload, headers(("Location" = String))),
        (status = 403),
        (status = 409, description = "Quota or image limit reached, or the artwork is archived or sold"),
    ))]
async fn create_upload(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiJson(req): ApiJson<CreateUpload>,
) -> ApiResult<Response> {
    let limits = &ctx.config.media;
    let new = req.parse(limits.max_upload_bytes)?;
    let mut tx = ctx.db.begin().await?;
    let artist_id = owning_artist(&mut tx, &principal, new.artwork_id).await?;
    // Serialises one artist's concurrent requests so two cannot both squeeze under the quota.
    store::lock_artist(&mut tx, artist_id).await?;
    // Expired forms that never delivered a file no longer count.
    let store::Usage { used_bytes: used, on_artwork } = store::usage(&mut tx, artist_id, new.artwork_id).await?;
    if on_artwork >= MAX_IMAGES_PER_ARTWORK {
        return Err(ApiError::Conflict(format!("an artwork can have at most {MAX_IMAGES_PER_ARTWORK} images")));
    }
    if (used + new.size_bytes) as u64 > limits.artist_quota_bytes {
        return Err(ApiError::Conflict(format!(
            "this upload would exceed your storage quota ({} of {} MB used)",
            used / (1024 * 1024),
            limits.artist_quota_bytes / (1024 * 1024)
        )));
    }
    let id = Uuid::now_v7();
    let key = ObjectKey::parse(&format!("originals/{artist_id}/{id}")).expect("uuids make a valid key");
    let form = ctx
        .objects
        .presign_upload(&UploadPolicy {
            key: key.clone(),
            content_type: new.content_type.to_owned(),
            size_bytes: new.size_bytes as u64,
            expires_in: limits.upload_url_ttl,
        })
        .await?;
    let row = store::insert(
        &mut tx,
        NewUploadRow {
            id,
            artwork_id: new.artwork_id,
            artist_id,
            storage_key: key.as_str(),
            filename: &new.filename,
            content_type: new.content_type,
            size_bytes: new.size_bytes,
            expires_at: form.expires_at,
        },
    )
    .await?;
    let upload = row.into_view(&ctx, &mut tx).await?;
    tx.commit().await?;
    let location = HeaderValue::from_str(&format!("/api/uploads/{id}")).expect("a uuid path is a valid header");
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(CreatedUpload { upload, form })).into_response())
}

async fn visible_upload(conn: &mut PgConnection, principal: &Principal, id: Uuid) -> ApiResult<UploadRow> {
    let not_found = || ApiError::NotFound("no such upload".to_owned());
    let row = find(conn, id).await?.ok_or_else(not_found)?;
    if principal.can(Permission::ModerateCatalog) {
        return Ok(row);
    }
    let own = artists::artist_of_user(conn, principal.user_id).await?;
    if own == Some(row.artist_id) { Ok(row) } else { Err(not_found()) }
}

/// An upload's state: pending, processing, ready (with the image) or rejected
/// (with the reason).
#[utoipa::path(get, path = "/api/uploads/{id}", tag = "media", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = UploadView),
    ))]
async fn get_upload(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<UploadView>> {
    let mut conn = ctx.db.acquire().await?;
    let row = visible_upload(&mut conn, &principal, id).await?;
    Ok(Json(row.into_view(&ctx, &mut conn).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadListQuery {
    /// The artwork whose uploads to list.
    pub artwork_id: Uuid,
}

/// Every upload of one of your artworks, newest first, including rejected ones
/// with their reasons.
#[utoipa::path(get, path = "/api/uploads", tag = "media", security(("bearer" = [])), params(UploadListQuery),
    responses(
        (status = 200, body = Vec<UploadView>),
        (status = 403),
        (status = 422),
    ))]
async fn list_uploads(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiQuery(query): ApiQuery<UploadListQuery>,
) -> ApiResult<Json<Vec<UploadView>>> {
    let mut conn = ctx.db.acquire().await?;
    if !principal.can(Permission::ModerateCatalog) {
        let artist = artists::artist_of_user(&mut conn, principal.user_id).await?;
        let owner = store::artwork_owner(&mut conn, query.artwork_id).await?;
        if owner.is_none() || owner != artist {
            return Err(ApiError::Forbidden("only the artwork's artist sees its uploads".to_owned()));
        }
    }
    let rows = store::of_artwork(&mut conn, query.artwork_id).await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        views.push(row.into_view(&ctx, &mut conn).await?);
    }
    Ok(Json(views))
}

/// Say the file has been sent. Processing is queued once however often this is
/// called (and in the cloud, the storage notification does the same).
#[utoipa::path(post, path = "/api/uploads/{id}/complete", tag = "media", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 202, description = "Processing is queued or done", body = UploadView),
        (status = 409, description = "The file has not arrived (or the form expired)"),
    ))]
async fn complete_upload(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<(StatusCode, Json<UploadView>)> {
    let mut conn = ctx.db.acquire().await?;
    let row = visible_upload(&mut conn, &principal, id).await?;
    if row.status == UploadStatus::Pending {
        match ctx.objects.head(&row.key()?).await? {
            Some(_) => mark_arrived(&ctx, &mut conn, row.id).await?,
            None if row.expires_at < Utc::now() => {
                return Err(ApiError::Conflict(
                    "the upload form expired before the file arrived; start a new upload".to_owned(),
                ));
            }
            None => {
                return Err(ApiError::Conflict(
                    "the file has not arrived yet; send it with the upload form first".to_owned(),
                ));
            }
        }
    }
    let row = find(&mut conn, id).await?.ok_or_else(|| ApiError::NotFound("no such upload".to_owned()))?;
    Ok((StatusCode::ACCEPTED, Json(row.into_view(&ctx, &mut conn).await?)))
}

/// Moves a pending upload to processing and queues its job. Only the caller
/// that wins the status change sends the job, so a completion call racing the
/// storage notification still yields one job.
/// The job is sent before the change commits: if sending fails the upload stays
/// pending and the call can be repeated.
async fn mark_arrived(ctx: &AppContext, conn: &mut PgConnection, id: Uuid) -> anyhow::Result<()> {
    let mut tx = sqlx::Connection::begin(conn).await?;
    if store::start_processing(&mut tx, id).await? {
        jobs::enqueue_processing(ctx, id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Handles the storage service's notification that an object was created: the
/// cloud's way of completing an upload without the client's call.
pub async fn object_created(ctx: &AppContext, key: &str) -> anyhow::Result<()> {
    let mut conn = ctx.db.acquire().await?;
    match store::find_by_key(&mut conn, key).await? {
        Some(row) if row.status == UploadStatus::Pending => mark_arrived(ctx, &mut conn, row.id).await,
        Some(_) => Ok(()),
        None => {
            tracing::info!(key, "storage notification for an object that is not an upload");
            Ok(())
        }
    }
}
