//! `POST /api/interactions` and the saved list: the interaction memory that
//! recommendations learn from.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::store;
use crate::{
    app::AppContext,
    auth::{Permission, Principal},
    catalog::{
        artworks::{
            self,
            routes::{ArtworkPage, run_list},
            store::{Cursor, ListFilter, Sort},
        },
        domain::ArtworkStatus,
    },
    platform::{
        http::error::{ApiError, ApiResult},
        http::idempotency,
        http::rate_limit::{self, Limit},
        http::{ApiJson, ApiPath, ApiQuery},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(rate_limit::limited(Limit::Interactions, idempotency::keyed(routes!(record_interaction))))
        .routes(routes!(list_saves))
        .routes(routes!(unsave))
        .routes(routes!(unlike))
        .routes(routes!(list_interactions, forget_interactions))
}

/// What a collector did with an artwork. `purchase` is recorded by orders, not by clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "interaction_kind", rename_all = "snake_case")]
pub enum InteractionKind {
    View,
    Like,
    Save,
    Share,
    NotInterested,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordInteraction {
    pub artwork_id: Uuid,
    pub kind: InteractionKind,
}

#[derive(Serialize, ToSchema, sqlx::FromRow)]
pub struct InteractionView {
    pub id: Uuid,
    pub artwork_id: Uuid,
    pub kind: InteractionKind,
    pub created_at: DateTime<Utc>,
}

/// A repeat of the same interaction with the same work within this window is
/// the earlier one: reloading a page or sharing twice is one signal, and one
/// person cannot make a work trend by repeating themselves.
const REPEAT_WINDOW: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Record a view, like, save, share or "not interested". A save also adds the
/// work to your saved list. The same interaction with the same work again
/// within a day is not recorded twice: the answer is the earlier one, with 200.
#[utoipa::path(post, path = "/api/interactions", tag = "interactions", security(("bearer" = [])), request_body = RecordInteraction,
    responses(
        (status = 201, description = "Recorded", body = InteractionView),
        (status = 200, description = "Already recorded within the last day; the earlier interaction", body = InteractionView),
        (status = 422, description = "Unknown or unpublished artwork"),
    ))]
async fn record_interaction(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiJson(req): ApiJson<RecordInteraction>,
) -> ApiResult<(StatusCode, Json<InteractionView>)> {
    principal.require(Permission::Interact)?;
    let mut tx = ctx.db.begin().await?;
    // Drafts, archived works and works held for review answer exactly as a
    // missing one, so the answer reveals nothing about them.
    if !artworks::store::is_publicly_visible(&mut tx, req.artwork_id).await? {
        return Err(ApiError::field("artwork_id", "no such published artwork"));
    }
    let repeat = store::recent_identical(&mut tx, principal.user_id, req.artwork_id, req.kind, REPEAT_WINDOW).await?;
    let (status, view) = match repeat {
        Some(earlier) => (StatusCode::OK, earlier),
        None => {
            let view = store::insert_interaction(&mut tx, principal.user_id, req.artwork_id, req.kind).await?;
            (StatusCode::CREATED, view)
        }
    };
    // Saving again after taking a work off the list puts it back, repeat or not.
    if req.kind == InteractionKind::Save {
        store::save(&mut tx, principal.user_id, req.artwork_id).await?;
    }
    store::mark_taste_stale(&mut tx, principal.user_id).await?;
    tx.commit().await?;
    Ok((status, Json(view)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SavesQuery {
    /// The previous page's `next_cursor`.
    #[param(pattern = r"^[0-9]{1,13}\.[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")]
    pub cursor: Option<String>,
    /// 1–100, default 24.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// Your saved artworks, most recently listed first.
#[utoipa::path(get, path = "/api/me/saves", tag = "interactions", security(("bearer" = [])), params(SavesQuery),
    responses(
        (status = 200, body = ArtworkPage),
        (status = 422),
    ))]
async fn list_saves(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiQuery(query): ApiQuery<SavesQuery>,
) -> ApiResult<Json<ArtworkPage>> {
    let limit = query.limit.unwrap_or(24);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 100"));
    }
    let after = query.cursor.as_deref().map(Cursor::decode).transpose().map_err(|e| ApiError::field("cursor", e))?;
    // A saved work stays on the list after it sells or is archived: the
    // collector should see what happened to it.
    let filter = ListFilter {
        statuses: vec![ArtworkStatus::Published, ArtworkStatus::Reserved, ArtworkStatus::Sold, ArtworkStatus::Archived],
        saved_by: Some(principal.user_id),
        include_held: false,
        sort: Sort::Newest,
        after,
        limit,
        ..ListFilter::default()
    };
    run_list(&ctx, &filter).await
}

/// Remove an artwork from your saved list.
#[utoipa::path(delete, path = "/api/me/saves/{artwork_id}", tag = "interactions", security(("bearer" = [])),
    params(("artwork_id" = Uuid, Path)),
    responses(
        (status = 204, description = "No longer saved"),
    ))]
async fn unsave(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(artwork_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    principal.require(Permission::Interact)?;
    store::unsave(&ctx.db, principal.user_id, artwork_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take back a like: the like leaves your interaction memory, and your taste
/// is learnt again without it. Views, saves and the rest stay.
#[utoipa::path(delete, path = "/api/me/likes/{artwork_id}", tag = "interactions", security(("bearer" = [])),
    params(("artwork_id" = Uuid, Path)),
    responses(
        (status = 204, description = "No longer liked (also when it never was)"),
    ))]
async fn unlike(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(artwork_id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    principal.require(Permission::Interact)?;
    let mut tx = ctx.db.begin().await?;
    store::delete_likes(&mut tx, principal.user_id, artwork_id).await?;
    store::mark_taste_stale(&mut tx, principal.user_id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InteractionsQuery {
    /// Return interactions older than this one (its id, from the previous page).
    pub before: Option<Uuid>,
    /// Only your interactions with this artwork, e.g. to show whether you liked it.
    pub artwork_id: Option<Uuid>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema, sqlx::FromRow)]
pub struct MemoryEntry {
    pub id: Uuid,
    pub artwork_id: Uuid,
    pub artwork_title: String,
    /// `view`, `like`, `save`, `share`, `not_interested` or `purchase`.
    pub kind: String,
    pub created_at: DateTime<Utc>,
}

/// Your interaction memory, newest first: everything recommendations learn from.
#[utoipa::path(get, path = "/api/me/interactions", tag = "interactions", security(("bearer" = [])), params(InteractionsQuery),
    responses(
        (status = 200, body = Vec<MemoryEntry>),
        (status = 422),
    ))]
async fn list_interactions(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiQuery(query): ApiQuery<InteractionsQuery>,
) -> ApiResult<Json<Vec<MemoryEntry>>> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 200"));
    }
    let entries = store::memory(&ctx.db, principal.user_id, query.before, query.artwork_id, limit).await?;
    Ok(Json(entries))
}

/// Forget your interaction memory, the taste learnt from it and what you
/// searched for. Saved works and stated preferences stay; recommendations
/// start again from those.
#[utoipa::path(delete, path = "/api/me/interactions", tag = "interactions", security(("bearer" = [])),
    responses(
        (status = 204, description = "Forgotten"),
    ))]
async fn forget_interactions(State(ctx): State<AppContext>, principal: Principal) -> ApiResult<StatusCode> {
    let mut tx = ctx.db.begin().await?;
    store::forget_memory(&mut tx, principal.user_id).await?;
    crate::search::forget_queries(&mut tx, principal.user_id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
