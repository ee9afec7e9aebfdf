//! `/api/artworks/*`.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    ArtworkFields, ArtworkView, CreateArtwork, UpdateArtwork,
    changes::{self, ArtworkChange, AuditNote, ChangedBy, NewArtwork},
    store::{self, ArtworkFilter, ArtworkRow, Cursor, ListFilter, Sort},
};
use crate::{
    app::AppContext,
    auth::{MaybePrincipal, Permission, Principal},
    catalog::{
        artists,
        domain::{ArtworkStatus, CurrencyCode, Slug, is_publicly_visible},
    },
    media::images,
    platform::{
        http::error::{ApiError, ApiResult, FieldErrors},
        http::idempotency,
        http::{ApiJson, ApiPath, ApiQuery, ClientIp},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(routes!(list_artworks))
        .routes(idempotency::keyed(routes!(create_artwork)))
        .routes(routes!(get_artwork, update_artwork, archive_artwork))
        .routes(routes!(artwork_versions))
}

#[derive(Serialize, ToSchema)]
pub struct ArtworkPage {
    pub items: Vec<ArtworkView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Category slug; includes its sub-categories.
    #[param(max_length = 60, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub category: Option<String>,
    /// A style as typed or as its slug.
    #[param(max_length = 40, pattern = r"[\p{L}\p{N}]")]
    pub style: Option<String>,
    /// A tag as typed or as its slug.
    #[param(max_length = 60, pattern = r"[\p{L}\p{N}]")]
    pub tag: Option<String>,
    /// Artist id or slug.
    #[param(min_length = 1, max_length = 60)]
    pub artist: Option<String>,
    /// Minimum price in minor units.
    #[param(minimum = 0)]
    pub min_price: Option<i64>,
    /// Maximum price in minor units; not below `min_price`.
    #[param(minimum = 0)]
    pub max_price: Option<i64>,
    /// Restricts to listings priced in this currency.
    #[param(value_type = Option<CurrencyCode>)]
    pub currency: Option<String>,
    pub year_from: Option<i32>,
    /// Not before `year_from`.
    pub year_to: Option<i32>,
    /// Defaults to the publicly visible statuses. `draft` and `archived` list only
    /// your own works (all works for moderators).
    pub status: Option<ArtworkStatus>,
    pub sort: Option<Sort>,
    /// The previous page's `next_cursor`: where it ended, as the last work's
    /// price in minor units and its id.
    #[param(pattern = r"^[0-9]{1,13}\.[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")]
    pub cursor: Option<String>,
    /// 1–100, default 24.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// Builds the filter, applying who may see what. `artist_id` is set by routes
/// that list one artist's works.
pub(crate) async fn parse_list_query(
    ctx: &AppContext,
    principal: Option<&Principal>,
    query: ListQuery,
    artist_id: Option<Uuid>,
) -> ApiResult<ListFilter> {
    let mut e = FieldErrors::new();
    let sort = query.sort.unwrap_or_default();
    let limit = query.limit.unwrap_or(24);
    if !(1..=100).contains(&limit) {
        e.push("limit", "must be between 1 and 100");
    }
    let category = e.check("category", query.category.as_deref().map(|c| Slug::parse(c.trim(), 60)).transpose());
    let style = e.check("style", query.style.as_deref().map(|s| Slug::from_text(s, 40)).transpose());
    let tag = e.check("tag", query.tag.as_deref().map(|t| Slug::from_text(t, 60)).transpose());
    let after = e.check("cursor", query.cursor.as_deref().map(Cursor::decode).transpose());
    for (field, value) in [("min_price", query.min_price), ("max_price", query.max_price)] {
        if value.is_some_and(|v| v < 0) {
            e.push(field, "must not be negative");
        }
    }
    if let (Some(min), Some(max)) = (query.min_price, query.max_price)
        && min > max
    {
        e.push("max_price", "must not be below min_price");
    }
    if let (Some(from), Some(to)) = (query.year_from, query.year_to)
        && from > to
    {
        e.push("year_to", "must not be before year_from");
    }
    let currency = query.currency.as_deref().map(|c| c.trim().to_ascii_uppercase());
    if let Some(code) = &currency
        && iso_currency::Currency::from_code(code).is_none()
    {
        e.push("currency", "is not an ISO 4217 currency code");
    }

    let mut conn = ctx.db.acquire().await?;
    let artist_id = match (artist_id, &query.artist) {
        (Some(id), _) => Some(id),
        (None, Some(key)) => match artists::resolve(&mut conn, key).await? {
            Some(id) => Some(id),
            None => {
                e.push("artist", "no such artist");
                None
            }
        },
        (None, None) => None,
    };
    let category_ids = match &category {
        Some(Some(slug)) => {
            let ids = store::category_with_descendants(&mut conn, slug).await?;
            if ids.is_empty() {
                e.push("category", "no such category");
            }
            Some(ids)
        }
        _ => None,
    };
    // Drafts and archived works are private: moderators see all of them, an
    // artist sees their own, everyone else is refused rather than shown nothing.
    let own_artist = match principal {
        Some(p) if !p.can(Permission::ModerateCatalog) => artists::artist_of_user(&mut conn, p.user_id).await?,
        _ => None,
    };
    // Works held for review are listed only to moderators and to their artist.
    let include_held = principal.is_some_and(|p| p.can(Permission::ModerateCatalog))
        || (own_artist.is_some() && artist_id == own_artist);
    let (statuses, artist_id) = match query.status {
        None => (ArtworkStatus::PUBLIC.to_vec(), artist_id),
        Some(status) if status.is_public() => (vec![status], artist_id),
        Some(status) => {
            let principal =
                principal.ok_or_else(|| ApiError::Unauthorized("sign in to list private works".to_owned()))?;
            if principal.can(Permission::ModerateCatalog) {
                (vec![status], artist_id)
            } else {
                if own_artist.is_none() || (artist_id.is_some() && artist_id != own_artist) {
                    return Err(ApiError::Forbidden("only your own drafts and archived works are listed".to_owned()));
                }
                (vec![status], own_artist)
            }
        }
    };
    e.finish(|| {
        Some(ListFilter {
            conditions: ArtworkFilter {
                category: category?,
                category_ids,
                style: style?,
                artist_id,
                min_price: query.min_price,
                max_price: query.max_price,
                year_from: query.year_from,
                year_to: query.year_to,
            },
            tag: tag?,
            currency,
            statuses,
            saved_by: None,
            include_held,
            sort,
            after: after?,
            limit,
        })
    })
}

pub(crate) async fn run_list(ctx: &AppContext, filter: &ListFilter) -> ApiResult<Json<ArtworkPage>> {
    let mut conn = ctx.db.acquire().await?;
    let page = store::list(&mut conn, filter).await?;
    let ids: Vec<Uuid> = page.rows.iter().map(|row| row.id).collect();
    let mut images = images::for_artworks(&mut conn, ctx.objects.as_ref(), &ids).await?;
    let items = page
        .rows
        .into_iter()
        .map(|row| {
            let own_images = images.remove(&row.id).unwrap_or_default();
            ArtworkView { images: own_images, ..row.into_view() }
        })
        .collect();
    Ok(Json(ArtworkPage { items, next_cursor: page.next_cursor }))
}

/// Browse the catalog with filters; keyset-paginated, so pages stay stable while
/// new works are listed.
#[utoipa::path(get, path = "/api/artworks", tag = "artworks", security((), ("bearer" = [])), params(ListQuery),
    responses(
        (status = 200, body = ArtworkPage),
        (status = 403, description = "Drafts or archived works of another artist"),
        (status = 422),
    ))]
async fn list_artworks(
    State(ctx): State<AppContext>,
    MaybePrincipal(principal): MaybePrincipal,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<ArtworkPage>> {
    let filter = parse_list_query(&ctx, principal.as_ref(), query, None).await?;
    run_list(&ctx, &filter).await
}

/// The artwork with its images, tagged with its version. Processing an image
/// bumps the version, so the ETag changes whenever the images do.
async fn with_etag(
    ctx: &AppContext,
    conn: &mut sqlx::PgConnection,
    status: StatusCode,
    row: ArtworkRow,
) -> ApiResult<Response> {
    let etag = HeaderValue::from_str(&row.etag()).expect("a quoted integer is a valid header");
    let images = images::for_artworks(conn, ctx.objects.as_ref(), &[row.id]).await?.remove(&row.id).unwrap_or_default();
    let mut response = (status, Json(ArtworkView { images, ..row.into_view() })).into_response();
    response.headers_mut().insert(header::ETAG, etag);
    Ok(response)
}

fn may_see(row: &ArtworkRow, principal: Option<&Principal>) -> bool {
    is_publicly_visible(row.status, row.held_for_review)
        || principal.is_some_and(|p| p.can(Permission::ModerateCatalog) || row.artist_user_id == Some(p.user_id))
}

async fn resolve_category(conn: &mut sqlx::PgConnection, fields: &ArtworkFields) -> ApiResult<Uuid> {
    store::category_id(conn, &fields.category)
        .await?
        .ok_or_else(|| ApiError::field("category", "no such category; see GET /api/categories"))
}

/// List a new artwork under your artist profile.
#[utoipa::path(post, path = "/api/artworks", tag = "artworks", security(("bearer" = [])), request_body = CreateArtwork,
    responses(
        (status = 201, body = ArtworkView, headers(("ETag" = String), ("Location" = String))),
        (status = 403),
        (status = 409, description = "No artist profile yet, or the external reference is taken"),
    ))]
async fn create_artwork(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiJson(req): ApiJson<CreateArtwork>,
) -> ApiResult<Response> {
    principal.require(Permission::SellArtworks)?;
    let fields = req.parse()?;
    let mut tx = ctx.db.begin().await?;
    let artist_id = artists::artist_of_user(&mut tx, principal.user_id)
        .await?
        .ok_or_else(|| ApiError::Conflict("create your artist profile (POST /api/artists) first".to_owned()))?;
    let category_id = resolve_category(&mut tx, &fields).await?;
    let id = Uuid::now_v7();
    let audit =
        AuditNote { action: "artwork.create", details: serde_json::json!({ "status": fields.status }), ip: Some(&ip) };
    let after_commit = changes::create(
        &mut tx,
        NewArtwork { id, artist_id, category_id, fields: &fields },
        ChangedBy::user(principal.user_id, audit),
    )
    .await?;
    let row = store::get(&mut tx, id).await?.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("artwork vanished")))?;
    let mut response = with_etag(&ctx, &mut tx, StatusCode::CREATED, row).await?;
    tx.commit().await?;
    after_commit.run(ctx.queue.as_ref()).await;
    let location = HeaderValue::from_str(&format!("/api/artworks/{id}")).expect("uuid path is a valid header");
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

/// One artwork. Drafts and archived works are visible only to their artist and moderators.
#[utoipa::path(get, path = "/api/artworks/{id}", tag = "artworks", security((), ("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = ArtworkView, headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ))]
async fn get_artwork(
    State(ctx): State<AppContext>,
    MaybePrincipal(principal): MaybePrincipal,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut conn = ctx.db.acquire().await?;
    let row = store::get(&mut conn, id)
        .await?
        .filter(|row| may_see(row, principal.as_ref()))
        .ok_or_else(|| ApiError::NotFound("no such artwork".to_owned()))?;
    let etag = row.etag();
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim().trim_start_matches("W/") == etag));
    if unchanged {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        response.headers_mut().insert(header::ETAG, HeaderValue::from_str(&etag).expect("valid etag"));
        return Ok(response);
    }
    with_etag(&ctx, &mut conn, StatusCode::OK, row).await
}

/// Whether the caller may edit this artwork, and as whom.
fn editor_role(row_owner: Option<Uuid>, principal: &Principal) -> ApiResult<bool> {
    if principal.can(Permission::ModerateCatalog) {
        return Ok(true);
    }
    principal.require(Permission::SellArtworks)?;
    if row_owner != Some(principal.user_id) {
        return Err(ApiError::Forbidden("only the artist or a moderator may change this artwork".to_owned()));
    }
    Ok(false)
}

/// Edit an artwork. Send the ETag you read in `If-Match`; a stale one is refused
/// with 412 so that two editors never overwrite each other.
#[utoipa::path(patch, path = "/api/artworks/{id}", tag = "artworks", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "The ETag of the version being edited")),
    request_body = UpdateArtwork,
    responses(
        (status = 200, body = ArtworkView, headers(("ETag" = String))),
        (status = 403),
        (status = 409),
        (status = 412, description = "The artwork changed since that ETag"),
        (status = 428, description = "If-Match is missing"),
    ))]
async fn update_artwork(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<UpdateArtwork>,
) -> ApiResult<Response> {
    let if_match = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
        .ok_or_else(|| ApiError::PreconditionRequired("send the artwork's ETag in If-Match".to_owned()))?;
    let mut tx = ctx.db.begin().await?;
    let not_found = || ApiError::NotFound("no such artwork".to_owned());
    store::lock(&mut tx, id).await?.ok_or_else(not_found)?;
    let current = store::get(&mut tx, id).await?.filter(|row| may_see(row, Some(&principal))).ok_or_else(not_found)?;
    let is_moderator = editor_role(current.artist_user_id, &principal)?;
    if if_match != "*" && if_match != current.etag() {
        return Err(ApiError::PreconditionFailed(format!(
            "the artwork is now at version {}; reload it and apply your change again",
            current.version
        )));
    }
    if !is_moderator {
        if matches!(current.status, ArtworkStatus::Sold | ArtworkStatus::Reserved) {
            return Err(ApiError::Conflict("a reserved or sold artwork can no longer be edited".to_owned()));
        }
        if let Some(status) = patch.status
            && !status.owner_may_set()
        {
            return Err(ApiError::field("status", "reserved and sold are set by orders, not by edits"));
        }
        if current.held_for_review
            && patch.status == Some(ArtworkStatus::Published)
            && current.status != ArtworkStatus::Published
        {
            return Err(ApiError::Conflict(
                "the artwork is held while a moderator reviews a possible duplicate; it can be published once cleared"
                    .to_owned(),
            ));
        }
    }
    let previous_status = current.status;
    let fields = patch.apply(current.fields())?;
    let category_id = resolve_category(&mut tx, &fields).await?;
    let audit = AuditNote {
        action: "artwork.update",
        details: serde_json::json!({ "from_status": previous_status, "to_status": fields.status, "as_moderator": is_moderator }),
        ip: Some(&ip),
    };
    let changed = changes::apply(
        &mut tx,
        id,
        ArtworkChange::Edit { category_id, fields: &fields },
        ChangedBy::user(principal.user_id, audit),
    )
    .await?
    .ok_or_else(not_found)?;
    let row = store::get(&mut tx, id).await?.ok_or_else(not_found)?;
    let response = with_etag(&ctx, &mut tx, StatusCode::OK, row).await?;
    tx.commit().await?;
    changed.after_commit.run(ctx.queue.as_ref()).await;
    Ok(response)
}

/// Archive an artwork: it leaves the public catalog but its history stays.
#[utoipa::path(delete, path = "/api/artworks/{id}", tag = "artworks", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Archived"),
        (status = 403),
        (status = 409),
    ))]
async fn archive_artwork(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let mut tx = ctx.db.begin().await?;
    let not_found = || ApiError::NotFound("no such artwork".to_owned());
    store::lock(&mut tx, id).await?.ok_or_else(not_found)?;
    let current = store::get(&mut tx, id).await?.filter(|row| may_see(row, Some(&principal))).ok_or_else(not_found)?;
    let is_moderator = editor_role(current.artist_user_id, &principal)?;
    if current.status == ArtworkStatus::Archived {
        return Ok(StatusCode::NO_CONTENT);
    }
    if !is_moderator && matches!(current.status, ArtworkStatus::Sold | ArtworkStatus::Reserved) {
        return Err(ApiError::Conflict("a reserved or sold artwork cannot be archived by its artist".to_owned()));
    }
    let audit = AuditNote {
        action: "artwork.archive",
        details: serde_json::json!({ "from_status": current.status }),
        ip: Some(&ip),
    };
    let changed = changes::apply(
        &mut tx,
        id,
        ArtworkChange::Status(ArtworkStatus::Archived),
        ChangedBy::user(principal.user_id, audit),
    )
    .await?
    .ok_or_else(not_found)?;
    tx.commit().await?;
    changed.after_commit.run(ctx.queue.as_ref()).await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct VersionView {
    pub version: i32,
    pub changed_by: Option<Uuid>,
    pub changed_at: chrono::DateTime<chrono::Utc>,
    /// The artwork's stored fields as they were at this version.
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
}

/// Every stored version of an artwork, newest first (artist and moderators only).
#[utoipa::path(get, path = "/api/artworks/{id}/versions", tag = "artworks", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<VersionView>),
        (status = 403),
    ))]
async fn artwork_versions(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<VersionView>>> {
    let mut conn = ctx.db.acquire().await?;
    let row = store::get(&mut conn, id)
        .await?
        .filter(|row| may_see(row, Some(&principal)))
        .ok_or_else(|| ApiError::NotFound("no such artwork".to_owned()))?;
    editor_role(row.artist_user_id, &principal)?;
    let versions = store::versions(&mut conn, id).await?;
    Ok(Json(
        versions
            .into_iter()
            .map(|v| VersionView {
                version: v.version,
                changed_by: v.changed_by,
                changed_at: v.changed_at,
                snapshot: v.snapshot,
            })
            .collect(),
    ))
}
