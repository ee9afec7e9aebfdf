//! The collection routes: keep collections and their works, read other
//! people's public ones, and (moderators) publish editorial ones.

use std::collections::HashSet;

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    domain::{
        CollectionKind, Description, MAX_COLLECTIONS_PER_OWNER, MAX_ITEMS, Note, Title, Visibility, chosen_slug,
        slug_candidate,
    },
    store::{self, After, CollectionRow, Fields, NewCollection},
    views::{self, Access, CollectionItem, CollectionPage, CollectionView, ItemPage, access},
};
use crate::{
    app::AppContext,
    auth::{MaybePrincipal, Permission, Principal},
    catalog::{artworks::store::is_publicly_visible, domain::Slug},
    platform::http::{
        ApiJson, ApiPath, ApiQuery,
        error::{ApiError, ApiResult, FieldErrors, OnConstraint},
        idempotency,
        rate_limit::{self, Limit},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(rate_limit::limited(Limit::Interactions, idempotency::keyed(routes!(create_collection))))
        .routes(routes!(my_collections))
        .routes(routes!(user_collections))
        .routes(routes!(editorial_collections))
        .routes(routes!(collection_by_slug))
        .routes(routes!(get_collection, update_collection, delete_collection))
        .routes(routes!(collection_items))
        .routes(rate_limit::limited(Limit::Interactions, routes!(put_collection_item)))
        .routes(routes!(remove_collection_item))
        .routes(routes!(reorder_collection))
        .routes(routes!(publish_collection, unpublish_collection))
}

/// Works shown with a collection before its items are paged.
const FIRST_ITEMS: usize = 48;
/// How many slugs with a number appended are tried before the title is
/// declared too common.
const SLUG_ATTEMPTS: u32 = 100;

fn not_found() -> ApiError {
    ApiError::NotFound("no such collection".to_owned())
}

/// The collection if the caller may read it; 404 as if it did not exist
/// otherwise.
fn readable(row: Option<CollectionRow>, viewer: Option<&Principal>) -> ApiResult<CollectionRow> {
    let row = row.ok_or_else(not_found)?;
    if access(&row, viewer) == Access::None { Err(not_found()) } else { Ok(row) }
}

/// The collection if the caller may change it: 404 when they may not even
/// read it, 403 when they may only read it.
fn editable(row: Option<CollectionRow>, who: &Principal) -> ApiResult<CollectionRow> {
    let row = readable(row, Some(who))?;
    match access(&row, Some(who)) {
        Access::Edit => Ok(row),
        _ => Err(ApiError::Forbidden("only its owner changes a collection, and moderators editorial ones".to_owned())),
    }
}

/// `null` and an absent field mean different things in a PATCH: clear it, or leave it.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn page_limit(raw: Option<i64>, default: i64, max: i64) -> ApiResult<i64> {
    let limit = raw.unwrap_or(default);
    if (1..=max).contains(&limit) { Ok(limit) } else { Err(ApiError::field("limit", format!("must be 1–{max}"))) }
}

/// Accepts exactly what the documented pattern does: up to 16 digits of
/// microseconds (any such time is one chrono can hold), a dot, and an id in
/// lower-case hyphenated form.
fn decode_cursor(raw: Option<&str>) -> ApiResult<After> {
    let Some(raw) = raw else { return Ok(None) };
    let bad = || ApiError::field("cursor", "use the next_cursor of the previous page");
    let (micros, id) = raw.split_once('.').ok_or_else(bad)?;
    if micros.is_empty() || micros.len() > 16 || !micros.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let at = micros.parse().ok().and_then(DateTime::from_timestamp_micros).ok_or_else(bad)?;
    let id = Uuid::try_parse(id).ok().filter(|parsed| parsed.hyphenated().to_string() == id).ok_or_else(bad)?;
    Ok(Some((at, id)))
}

/// The rows of one page (fetched one over `limit`) and the cursor after it,
/// keyed on the time the list is ordered by.
fn paged(
    mut rows: Vec<CollectionRow>,
    limit: i64,
    key: fn(&CollectionRow) -> Option<DateTime<Utc>>,
) -> (Vec<CollectionRow>, Option<String>) {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next =
        rows.last().filter(|_| more).and_then(|row| Some(format!("{}.{}", key(row)?.timestamp_micros(), row.id)));
    (rows, next)
}

async fn free_slug(conn: &mut sqlx::PgConnection, base: &Slug) -> ApiResult<String> {
    store::lock_slugs(conn).await?;
    for attempt in 1..=SLUG_ATTEMPTS {
        let candidate = slug_candidate(base, attempt);
        if !store::slug_taken(conn, &candidate).await? {
            return Ok(candidate);
        }
    }
    Err(ApiError::Conflict("too many collections have this title; choose another".to_owned()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCollection {
    /// 1–120 characters; runs of white space become single spaces.
    #[schema(
        max_length = 120,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub title: String,
    /// Up to 2,000 characters of plain text, line breaks allowed.
    #[schema(max_length = 2000, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub description: Option<String>,
    /// `private` unless given. Editorial collections cannot be private: they
    /// are on view once published, and only moderators see them before.
    pub visibility: Option<Visibility>,
    /// `personal` unless given; `editorial` is for moderators.
    pub kind: Option<CollectionKind>,
}

/// Start a collection. An editorial one (moderators) gets a slug made from
/// its title, with a number appended when another collection has it, and
/// stays a draft until published.
#[utoipa::path(post, path = "/api/collections", tag = "collections", security(("bearer" = [])),
    request_body = CreateCollection,
    responses(
        (status = 201, body = CollectionView, headers(("Location" = String, description = "The new collection"))),
        (status = 403, description = "Editorial collections are for moderators"),
        (status = 409, description = "You already keep the most collections one may (200)"),
    ))]
async fn create_collection(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiJson(request): ApiJson<CreateCollection>,
) -> ApiResult<(StatusCode, [(header::HeaderName, String); 1], Json<CollectionView>)> {
    principal.require(Permission::Interact)?;
    let kind = request.kind.unwrap_or(CollectionKind::Personal);
    if kind == CollectionKind::Editorial {
        principal.require(Permission::ModerateCatalog)?;
    }
    let mut e = FieldErrors::new();
    let title = e.check("title", Title::parse(&request.title));
    let description = e.check("description", request.description.as_deref().map(Description::parse).transpose());
    let visibility = match (kind, request.visibility) {
        (CollectionKind::Editorial, Some(Visibility::Private)) => {
            e.push("visibility", "editorial collections are on view once published; leave them unpublished instead");
            None
        }
        (CollectionKind::Editorial, _) => Some(Visibility::Public),
        (CollectionKind::Personal, chosen) => Some(chosen.unwrap_or(Visibility::Private)),
    };
    let (title, description, visibility) = e.finish(|| Some((title?, description?.flatten(), visibility?)))?;

    let mut tx = ctx.db.begin().await?;
    store::lock_owner(&mut tx, principal.user_id).await?;
    if store::count_owned(&mut tx, principal.user_id).await? >= MAX_COLLECTIONS_PER_OWNER {
        return Err(ApiError::Conflict(format!(
            "you keep {MAX_COLLECTIONS_PER_OWNER} collections, the most one may; delete one first"
        )));
    }
    let slug = match kind {
        CollectionKind::Editorial => Some(free_slug(&mut tx, &title.slug()).await?),
        CollectionKind::Personal => None,
    };
    let row = store::insert(
        &mut tx,
        NewCollection {
            owner_id: principal.user_id,
            kind,
            title: title.as_str(),
            description: description.as_ref().map(Description::as_str),
            visibility,
            slug: slug.as_deref(),
        },
    )
    .await?;
    tx.commit().await?;
    let location = format!("/api/collections/{}", row.id);
    let mut conn = ctx.db.acquire().await?;
    let view = views::detail(&mut conn, ctx.objects.as_ref(), row, Some(&principal), FIRST_ITEMS).await?;
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(view)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MyCollectionsQuery {
    /// Say for each collection whether it holds this work (the "add to
    /// collection" menu of a work's page).
    pub artwork_id: Option<Uuid>,
    /// The previous page's `next_cursor`.
    #[param(pattern = r"^[0-9]{1,16}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    pub cursor: Option<String>,
    /// 1–50, default 24.
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
}

/// Your collections (personal, and editorial ones you started), most
/// recently changed first, private ones included.
#[utoipa::path(get, path = "/api/me/collections", tag = "collections", security(("bearer" = [])),
    params(MyCollectionsQuery), responses((status = 200, body = CollectionPage)))]
async fn my_collections(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiQuery(query): ApiQuery<MyCollectionsQuery>,
) -> ApiResult<Json<CollectionPage>> {
    let limit = page_limit(query.limit, 24, 50)?;
    let after = decode_cursor(query.cursor.as_deref())?;
    let mut conn = ctx.db.acquire().await?;
    let rows = store::owned(&mut conn, principal.user_id, after, limit + 1).await?;
    let (rows, next_cursor) = paged(rows, limit, |r| Some(r.updated_at));
    let holding = match query.artwork_id {
        Some(artwork_id) => {
            let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
            Some(store::holding(&mut conn, &ids, artwork_id).await?)
        }
        None => None,
    };
    let items = views::summaries(&mut conn, ctx.objects.as_ref(), rows, Some(&principal), holding.as_ref()).await?;
    Ok(Json(CollectionPage { items, next_cursor }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The previous page's `next_cursor`.
    #[param(pattern = r"^[0-9]{1,16}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    pub cursor: Option<String>,
    /// 1–50, default 24.
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
}

/// Someone's public collections that have works on view, most recently
/// changed first. An unknown person has none.
#[utoipa::path(get, path = "/api/users/{id}/collections", tag = "collections", security((), ("bearer" = [])),
    params(("id" = Uuid, Path), PageQuery), responses((status = 200, body = CollectionPage)))]
async fn user_collections(
    State(ctx): State<AppContext>,
    MaybePrincipal(principal): MaybePrincipal,
    ApiPath(owner_id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<CollectionPage>> {
    let limit = page_limit(query.limit, 24, 50)?;
    let after = decode_cursor(query.cursor.as_deref())?;
    let mut conn = ctx.db.acquire().await?;
    let rows = store::public_of(&mut conn, owner_id, after, limit + 1).await?;
    let (rows, next_cursor) = paged(rows, limit, |r| Some(r.updated_at));
    let mut items = views::summaries(&mut conn, ctx.objects.as_ref(), rows, principal.as_ref(), None).await?;
    items.retain(|c| c.item_count > 0);
    Ok(Json(CollectionPage { items, next_cursor }))
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EditorialState {
    /// On view: what the home page shows.
    #[default]
    Published,
    /// Not yet published (moderators only).
    Draft,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EditorialQuery {
    /// `published` (default) or `draft`.
    #[param(inline)]
    pub state: Option<EditorialState>,
    /// The previous page's `next_cursor`.
    #[param(pattern = r"^[0-9]{1,16}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    pub cursor: Option<String>,
    /// 1–50, default 24.
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
}

/// Editorial collections for the home page: the published ones that have
/// works on view, most recently published first. Moderators may ask for the
/// drafts instead.
#[utoipa::path(get, path = "/api/collections/editorial", tag = "collections", security((), ("bearer" = [])),
    params(EditorialQuery),
    responses((status = 200, body = CollectionPage), (status = 403, description = "Drafts are for moderators")))]
async fn editorial_collections(
    State(ctx): State<AppContext>,
    MaybePrincipal(principal): MaybePrincipal,
    ApiQuery(query): ApiQuery<EditorialQuery>,
) -> ApiResult<Json<CollectionPage>> {
    let limit = page_limit(query.limit, 24, 50)?;
    let after = decode_cursor(query.cursor.as_deref())?;
    let state = query.state.unwrap_or_default();
    if state == EditorialState::Draft {
        match &principal {
            Some(who) => who.require(Permission::ModerateCatalog)?,
            None => return Err(ApiError::Unauthorized("sign in to see drafts".to_owned())),
        }
    }
    let mut conn = ctx.db.acquire().await?;
    let (rows, next_cursor) = match state {
        EditorialState::Published => {
            paged(store::published(&mut conn, after, limit + 1).await?, limit, |r| r.published_at)
        }
        EditorialState::Draft => {
            paged(store::drafts(&mut conn, after, limit + 1).await?, limit, |r| Some(r.created_at))
        }
    };
    let mut items = views::summaries(&mut conn, ctx.objects.as_ref(), rows, principal.as_ref(), None).await?;
    if state == EditorialState::Published {
        items.retain(|c| c.item_count > 0);
    }
    Ok(Json(CollectionPage { items, next_cursor }))
}

/// An editorial collection by its slug: the page at `/collections/{slug}`.
/// Drafts answer moderators only.
#[utoipa::path(get, path = "/api/collections/by-slug/{slug}", tag = "collections", security((), ("bearer" = [])),
    params(("slug" = String, Path, max_length = 80, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")),
    responses((status = 200, body = CollectionView)))]
async fn collection_by_slug(
    State(ctx): State<AppContext>,
    MaybePrincipal(principal): MaybePrincipal,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<CollectionView>> {
    let slug = Slug::parse(&slug, 80).map_err(|_| not_found())?;
    let mut conn = ctx.db.acquire().await?;
    let row = readable(store::by_slug(&mut conn, slug.as_str()).await?, principal.as_ref())?;
    Ok(Json(views::detail(&mut conn, ctx.objects.as_ref(), row, principal.as_ref(), FIRST_ITEMS).await?))
}

/// A collection with its first works. Public ones answer anyone; a private
/// one answers its owner only, and an editorial draft moderators only: to
/// anyone else they do not exist.
#[utoipa::path(get, path = "/api/collections/{id}", tag = "collections", security((), ("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = CollectionView)))]
async fn get_collection(
    State(ctx): State<AppContext>,
    MaybePrincipal(principal): MaybePrincipal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CollectionView>> {
    let mut conn = ctx.db.acquire().await?;
    let row = readable(store::get(&mut conn, id).await?, principal.as_ref())?;
    Ok(Json(views::detail(&mut conn, ctx.objects.as_ref(), row, principal.as_ref(), FIRST_ITEMS).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCollection {
    /// 1–120 characters; runs of white space become single spaces.
    #[schema(
        max_length = 120,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub title: Option<String>,
    /// Up to 2,000 characters; `null` or empty removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 2000, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub description: Option<Option<String>>,
    /// Personal collections only (editorial ones are always `public`).
    pub visibility: Option<Visibility>,
    /// Editorial collections only: the page's address, 3–80 lower-case
    /// letters and digits in words joined by hyphens. Changing the title
    /// keeps the slug, so links stay good.
    #[schema(min_length = 3, max_length = 80, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
}

/// Change a collection's title, description, visibility or (editorial) slug.
#[utoipa::path(patch, path = "/api/collections/{id}", tag = "collections", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UpdateCollection,
    responses(
        (status = 200, body = CollectionView),
        (status = 403, description = "Not yours to change"),
        (status = 409, description = "Another collection has the slug"),
    ))]
async fn update_collection(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<UpdateCollection>,
) -> ApiResult<Json<CollectionView>> {
    let mut tx = ctx.db.begin().await?;
    let row = editable(store::lock(&mut tx, id).await?, &principal)?;
    let editorial = row.kind == CollectionKind::Editorial;
    let mut e = FieldErrors::new();
    let title = match &request.title {
        Some(raw) => e.check("title", Title::parse(raw)).map(|t| t.as_str().to_owned()),
        None => Some(row.title.clone()),
    };
    let description = match &request.description {
        Some(raw) => e
            .check("description", raw.as_deref().map(Description::parse).transpose())
            .map(|d| d.flatten().map(|d| d.as_str().to_owned())),
        None => Some(row.description.clone()),
    };
    let visibility = match request.visibility {
        Some(Visibility::Private) if editorial => {
            e.push("visibility", "editorial collections are on view once published; unpublish one to hide it");
            None
        }
        Some(chosen) => Some(chosen),
        None => Some(row.visibility),
    };
    let slug = match &request.slug {
        Some(_) if !editorial => {
            e.push("slug", "only editorial collections have a slug");
            None
        }
        Some(raw) => e.check("slug", chosen_slug(raw)).map(|s| Some(s.into_string())),
        None => Some(row.slug.clone()),
    };
    let (title, description, visibility, slug) = e.finish(|| Some((title?, description?, visibility?, slug?)))?;
    let fields = Fields { title: &title, description: description.as_deref(), visibility, slug: slug.as_deref() };
    let row = store::update(&mut tx, id, fields)
        .await
        .on_constraint("collections_slug_key", || ApiError::Conflict("another collection has this slug".to_owned()))?;
    tx.commit().await?;
    let mut conn = ctx.db.acquire().await?;
    Ok(Json(views::detail(&mut conn, ctx.objects.as_ref(), row, Some(&principal), FIRST_ITEMS).await?))
}

/// Delete a collection. Its works stay where they are; only the list goes.
#[utoipa::path(delete, path = "/api/collections/{id}", tag = "collections", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, description = "Not yours to delete")))]
async fn delete_collection(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let mut tx = ctx.db.begin().await?;
    editable(store::lock(&mut tx, id).await?, &principal)?;
    store::delete(&mut tx, id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ItemsQuery {
    /// The previous page's `next_cursor`.
    #[param(pattern = r"^[0-9]{1,9}$")]
    pub cursor: Option<String>,
    /// 1–100, default 48.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// More of a collection's works, in order, after the first ones its view
/// shows.
#[utoipa::path(get, path = "/api/collections/{id}/items", tag = "collections", security((), ("bearer" = [])),
    params(("id" = Uuid, Path), ItemsQuery), responses((status = 200, body = ItemPage)))]
async fn collection_items(
    State(ctx): State<AppContext>,
    MaybePrincipal(principal): MaybePrincipal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<ItemsQuery>,
) -> ApiResult<Json<ItemPage>> {
    let limit = page_limit(query.limit, FIRST_ITEMS as i64, 100)?;
    let after = match query.cursor.as_deref() {
        None => None,
        Some(raw) if (1..=9).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit()) => raw.parse().ok(),
        Some(_) => return Err(ApiError::field("cursor", "use the next_cursor of the previous page")),
    };
    let mut conn = ctx.db.acquire().await?;
    let row = readable(store::get(&mut conn, id).await?, principal.as_ref())?;
    Ok(Json(views::item_page(&mut conn, ctx.objects.as_ref(), row.id, after, limit as usize).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutItem {
    /// Up to 500 characters of plain text about the work here. Leave it out
    /// to keep the note as it is; `null` or empty removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 500, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub note: Option<Option<String>>,
}

/// Add a work to a collection (after its last one), or change its note.
/// Adding a work that is already there adds nothing: the answer is the work
/// as it is, with 200.
#[utoipa::path(put, path = "/api/collections/{id}/items/{artwork_id}", tag = "collections", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("artwork_id" = Uuid, Path)), request_body = PutItem,
    responses(
        (status = 201, body = CollectionItem, description = "Added"),
        (status = 200, body = CollectionItem, description = "Already in the collection; its note as asked"),
        (status = 403, description = "Not yours to change"),
        (status = 404, description = "No such collection, or no such work on view"),
        (status = 409, description = "The collection holds the most works one may (500)"),
    ))]
async fn put_collection_item(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath((id, artwork_id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(request): ApiJson<PutItem>,
) -> ApiResult<(StatusCode, Json<CollectionItem>)> {
    let note = match &request.note {
        Some(raw) => Some(
            raw.as_deref().map(Note::parse).transpose().map_err(|message| ApiError::field("note", message))?.flatten(),
        ),
        None => None,
    };
    let mut tx = ctx.db.begin().await?;
    editable(store::lock(&mut tx, id).await?, &principal)?;
    // A hidden work answers as a missing one, whether or not it is listed.
    if !is_publicly_visible(&mut tx, artwork_id).await? {
        return Err(ApiError::NotFound("no such artwork on view".to_owned()));
    }
    let note = note.as_ref().map(|n| n.as_ref().map(Note::as_str));
    let (status, item) = match store::item(&mut tx, id, artwork_id).await? {
        Some(existing) => match note {
            Some(note) if existing.note.as_deref() != note => {
                (StatusCode::OK, store::set_note(&mut tx, id, artwork_id, note).await?)
            }
            _ => (StatusCode::OK, existing),
        },
        None => {
            if store::item_count(&mut tx, id).await? >= MAX_ITEMS as i64 {
                return Err(ApiError::Conflict(format!(
                    "the collection holds {MAX_ITEMS} works, the most one may; remove one first"
                )));
            }
            (StatusCode::CREATED, store::append(&mut tx, id, artwork_id, note.flatten()).await?)
        }
    };
    store::touch(&mut tx, id).await?;
    let view = views::item(&mut tx, ctx.objects.as_ref(), item)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such artwork on view".to_owned()))?;
    tx.commit().await?;
    Ok((status, Json(view)))
}

/// Take a work out of a collection. Taking out one that is not there changes
/// nothing.
#[utoipa::path(delete, path = "/api/collections/{id}/items/{artwork_id}", tag = "collections", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("artwork_id" = Uuid, Path)),
    responses((status = 204, description = "Not in the collection"), (status = 403, description = "Not yours to change")))]
async fn remove_collection_item(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath((id, artwork_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    let mut tx = ctx.db.begin().await?;
    editable(store::lock(&mut tx, id).await?, &principal)?;
    if store::remove(&mut tx, id, artwork_id).await? {
        store::touch(&mut tx, id).await?;
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reorder {
    /// Every work of the collection on view, each once, in the new order.
    #[schema(max_items = 500)]
    pub artwork_ids: Vec<Uuid>,
}

/// Put a collection's works in a new order. Works no longer on view keep
/// their place among themselves, after the rest.
#[utoipa::path(put, path = "/api/collections/{id}/order", tag = "collections", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = Reorder,
    responses(
        (status = 200, body = CollectionView),
        (status = 403, description = "Not yours to change"),
        (status = 422, description = "The ids are not the collection's works on view, each once"),
    ))]
async fn reorder_collection(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<Reorder>,
) -> ApiResult<Json<CollectionView>> {
    let not_a_permutation =
        || ApiError::field("artwork_ids", "must name every work of the collection on view, each once");
    if request.artwork_ids.len() > MAX_ITEMS {
        return Err(not_a_permutation());
    }
    let mut tx = ctx.db.begin().await?;
    let row = editable(store::lock(&mut tx, id).await?, &principal)?;
    let (on_view, hidden) = views::works_by_visibility(&mut tx, id).await?;
    let given: HashSet<Uuid> = request.artwork_ids.iter().copied().collect();
    if given.len() != request.artwork_ids.len() || given != on_view.iter().copied().collect::<HashSet<_>>() {
        return Err(not_a_permutation());
    }
    let order: Vec<Uuid> = request.artwork_ids.into_iter().chain(hidden).collect();
    store::reorder(&mut tx, id, &order).await?;
    store::touch(&mut tx, id).await?;
    tx.commit().await?;
    let mut conn = ctx.db.acquire().await?;
    let row = store::get(&mut conn, row.id).await?.ok_or_else(not_found)?;
    Ok(Json(views::detail(&mut conn, ctx.objects.as_ref(), row, Some(&principal), FIRST_ITEMS).await?))
}

/// Publishes an editorial collection (puts it on the home page) or takes it
/// back to the editors, under its row lock. Repeating either changes nothing.
async fn publication(ctx: &AppContext, principal: &Principal, id: Uuid, publish: bool) -> ApiResult<CollectionView> {
    principal.require(Permission::ModerateCatalog)?;
    let mut tx = ctx.db.begin().await?;
    let row = readable(store::lock(&mut tx, id).await?, Some(principal))?;
    if row.kind != CollectionKind::Editorial {
        return Err(ApiError::Conflict("only editorial collections are published".to_owned()));
    }
    if publish && views::works_by_visibility(&mut tx, id).await?.0.is_empty() {
        return Err(ApiError::Conflict("add works on view before publishing the collection".to_owned()));
    }
    let row = store::set_published(&mut tx, id, publish).await?;
    tx.commit().await?;
    let mut conn = ctx.db.acquire().await?;
    views::detail(&mut conn, ctx.objects.as_ref(), row, Some(principal), FIRST_ITEMS).await
}

/// Moderators: publish an editorial collection, putting it on the home page
/// and its page at `/collections/{slug}` on view.
#[utoipa::path(put, path = "/api/collections/{id}/publication", tag = "collections", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = CollectionView),
        (status = 403, description = "Moderators publish"),
        (status = 409, description = "Not an editorial collection, or no works on view in it"),
    ))]
async fn publish_collection(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CollectionView>> {
    Ok(Json(publication(&ctx, &principal, id, true).await?))
}

/// Moderators: take an editorial collection off view, back to the drafts.
#[utoipa::path(delete, path = "/api/collections/{id}/publication", tag = "collections", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = CollectionView),
        (status = 403, description = "Moderators unpublish"),
        (status = 409, description = "Not an editorial collection"),
    ))]
async fn unpublish_collection(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CollectionView>> {
    Ok(Json(publication(&ctx, &principal, id, false).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_exactly_what_the_pattern_admits() {
        let id = Uuid::now_v7();
        let (at, read) = decode_cursor(Some(&format!("1700000000000000.{id}"))).unwrap().unwrap();
        assert_eq!((at.timestamp_micros(), read), (1_700_000_000_000_000, id));
        assert!(decode_cursor(Some(&format!("9999999999999999.{id}"))).unwrap().is_some());
        for bad in [
            format!("+5.{id}"),
            format!("12345678901234567.{id}"),
            format!(".{id}"),
            format!("5.{}", id.to_string().to_uppercase()),
            format!("5.{}", id.simple()),
            "5".to_owned(),
        ] {
            assert!(decode_cursor(Some(&bad)).is_err(), "{bad}");
        }
    }
}
