//! The moderation queue for possible copies of another artist's work.

mod store;

use axum::{Json, extract::State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use self::store::FlagRow;
use super::images::{self, ImageView};
use crate::{
    app::AppContext,
    auth::{Permission, Principal},
    catalog::artworks::changes::{self, AfterCommit, ArtworkChange, ChangedBy},
    catalog::domain::{ArtworkStatus, bounded_text},
    platform::{
        audit::{self, AuditEntry},
        http::error::{ApiError, ApiResult},
        http::{ApiJson, ApiPath, ApiQuery, ClientIp},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new().routes(routes!(list_duplicates)).routes(routes!(resolve_duplicate))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, ToSchema)]
#[sqlx(type_name = "duplicate_status", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum DuplicateStatus {
    Open,
    /// Not a copy: the hold is lifted.
    Dismissed,
    /// A copy: the artwork is archived and stays held.
    Confirmed,
}

#[derive(Serialize, ToSchema)]
pub struct DuplicateSide {
    pub artwork_id: Uuid,
    pub title: String,
    pub artist_id: Uuid,
    pub artist_name: String,
    pub image: Option<ImageView>,
}

#[derive(Serialize, ToSchema)]
pub struct DuplicateFlag {
    pub id: Uuid,
    pub status: DuplicateStatus,
    /// Bits that differ between the two perceptual hashes (0 = identical).
    pub distance: i16,
    /// The newly uploaded work under review.
    pub artwork: DuplicateSide,
    /// The earlier work it resembles: the `possible_duplicate_of`.
    pub possible_duplicate_of: DuplicateSide,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution_note: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DuplicateQuery {
    /// `open` (default), `dismissed` or `confirmed`.
    pub status: Option<DuplicateStatus>,
    /// 1–100, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// The flags with both artworks' names and the two images compared.
async fn views(ctx: &AppContext, conn: &mut sqlx::PgConnection, rows: Vec<FlagRow>) -> ApiResult<Vec<DuplicateFlag>> {
    let artwork_ids: Vec<Uuid> = rows.iter().flat_map(|r| [r.artwork_id, r.matched_artwork_id]).collect();
    let images = images::for_artworks(conn, ctx.objects.as_ref(), &artwork_ids).await?;
    let image =
        |artwork: Uuid, image: Uuid| images.get(&artwork).and_then(|all| all.iter().find(|i| i.id == image).cloned());
    Ok(rows
        .into_iter()
        .map(|r| DuplicateFlag {
            id: r.id,
            status: r.status,
            distance: r.distance,
            artwork: DuplicateSide {
                artwork_id: r.artwork_id,
                image: image(r.artwork_id, r.image_id),
                title: r.title,
                artist_id: r.artist_id,
                artist_name: r.artist_name,
            },
            possible_duplicate_of: DuplicateSide {
                artwork_id: r.matched_artwork_id,
                image: image(r.matched_artwork_id, r.matched_image_id),
                title: r.matched_title,
                artist_id: r.matched_artist_id,
                artist_name: r.matched_artist_name,
            },
            created_at: r.created_at,
            resolved_at: r.resolved_at,
            resolution_note: r.resolution_note,
        })
        .collect())
}

/// Possible copies of another artist's work, oldest first (moderators only).
#[utoipa::path(get, path = "/api/moderation/duplicates", tag = "moderation", security(("bearer" = [])), params(DuplicateQuery),
    responses(
        (status = 200, body = Vec<DuplicateFlag>),
        (status = 403),
        (status = 422),
    ))]
async fn list_duplicates(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiQuery(query): ApiQuery<DuplicateQuery>,
) -> ApiResult<Json<Vec<DuplicateFlag>>> {
    principal.require(Permission::ModerateCatalog)?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 100"));
    }
    let status = query.status.unwrap_or(DuplicateStatus::Open);
    let mut conn = ctx.db.acquire().await?;
    let rows = store::with_status(&mut conn, status, limit).await?;
    Ok(Json(views(&ctx, &mut conn, rows).await?))
}

/// A decision closes a flag, so it is never `open`.
fn decision_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["dismissed", "confirmed"]))
        .description(Some("`dismissed` (not a copy: lift the hold) or `confirmed` (a copy: archive it)."))
        .build()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveDuplicate {
    #[schema(schema_with = decision_schema)]
    pub decision: DuplicateStatus,
    /// Why; kept with the decision. Up to 1000 characters.
    #[serde(default)]
    #[schema(max_length = 1000, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub note: String,
}

/// Decide a flag. Dismissing the last open flag of an artwork lifts its hold;
/// confirming archives the artwork and keeps it held.
#[utoipa::path(post, path = "/api/moderation/duplicates/{id}/resolve", tag = "moderation", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ResolveDuplicate,
    responses(
        (status = 200, body = DuplicateFlag),
        (status = 403),
        (status = 409, description = "Already resolved"),
    ))]
async fn resolve_duplicate(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ResolveDuplicate>,
) -> ApiResult<Json<DuplicateFlag>> {
    principal.require(Permission::ModerateCatalog)?;
    if req.decision == DuplicateStatus::Open {
        return Err(ApiError::field("decision", "must be dismissed or confirmed"));
    }
    let note = bounded_text(&req.note, 1000, false).map_err(|message| ApiError::field("note", message))?;
    let mut tx = ctx.db.begin().await?;
    let flag = store::lock(&mut tx, id).await?;
    let (artwork_id, status) = flag.ok_or_else(|| ApiError::NotFound("no such flag".to_owned()))?;
    if status != DuplicateStatus::Open {
        return Err(ApiError::Conflict("this flag has already been resolved".to_owned()));
    }
    store::resolve(&mut tx, id, req.decision, principal.user_id, &note).await?;
    // A copy is archived and stays held; a dismissal lifts the hold once no
    // other flag of the artwork is open or confirmed.
    let change = if req.decision == DuplicateStatus::Confirmed {
        Some(ArtworkChange::Status(ArtworkStatus::Archived))
    } else if store::undismissed_flags_remain(&mut tx, artwork_id).await? {
        None
    } else {
        Some(ArtworkChange::HeldForReview(false))
    };
    let changed = match change {
        Some(change) => {
            changes::apply(&mut tx, artwork_id, change, ChangedBy::user_audited_by_caller(principal.user_id)).await?
        }
        None => None,
    };
    // The decision is audited whether or not the artwork changed.
    audit::record(
        &mut tx,
        AuditEntry {
            actor_id: Some(principal.user_id),
            action: "moderation.duplicate.resolve",
            entity_type: "artwork",
            entity_id: Some(artwork_id),
            details: serde_json::json!({ "flag_id": id, "decision": req.decision }),
            ip: Some(&ip),
        },
    )
    .await?;
    tx.commit().await?;
    // Re-embedding is queued even when the artwork did not change, as it
    // always has been after a decision.
    changed.map_or_else(|| AfterCommit::reembed(artwork_id), |c| c.after_commit).run(ctx.queue.as_ref()).await;
    let mut conn = ctx.db.acquire().await?;
    let rows: Vec<FlagRow> = store::get(&mut conn, id).await?.into_iter().collect();
    let mut flags = views(&ctx, &mut conn, rows).await?;
    flags.pop().map(Json).ok_or_else(|| ApiError::NotFound("no such flag".to_owned()))
}
