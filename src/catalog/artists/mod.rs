//! `/api/artists/*`: artist profiles, their works, and follows.

mod store;

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{
    ToSchema,
    openapi::{Array, ArrayBuilder, ObjectBuilder, Type, schema::SchemaType},
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use self::store::{ArtistChanges, ArtistRow, NewArtist};
pub use self::store::{account_of_artist, artist_of_user, resolve};
use super::{
    artworks::routes::{ArtworkPage, ListQuery, parse_list_query, run_list},
    domain::{Slug, bounded_text, labels, labels_schema},
};
use crate::{
    app::AppContext,
    auth::{MaybePrincipal, Permission, Principal},
    platform::{
        audit::{self, AuditEntry},
        http::error::{ApiError, ApiResult, FieldErrors, OnConstraint},
        http::idempotency,
        http::{ApiJson, ApiPath, ApiQuery, ClientIp},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(idempotency::keyed(routes!(create_artist)))
        .routes(routes!(get_artist, update_artist))
        .routes(routes!(artist_artworks))
        .routes(routes!(follow, unfollow))
}

#[derive(Serialize, ToSchema)]
pub struct ArtistView {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub bio: String,
    pub location: Option<String>,
    pub links: Vec<String>,
    pub styles: Vec<String>,
    pub birth_year: Option<i32>,
    pub death_year: Option<i32>,
    /// Reference in the collection the profile was imported from, e.g. `tate-artist:38`.
    pub external_ref: Option<String>,
    /// Whether the profile belongs to an Atelier account (imported ones do not until claimed).
    pub claimed: bool,
    pub follower_count: i64,
    pub artwork_count: i64,
    /// Whether the signed-in caller follows this artist; absent when anonymous.
    pub following: Option<bool>,
    pub created_at: DateTime<Utc>,
}

impl From<ArtistRow> for ArtistView {
    fn from(row: ArtistRow) -> Self {
        Self {
            id: row.id,
            slug: row.slug,
            name: row.name,
            bio: row.bio,
            location: row.location,
            links: row.links.0,
            styles: row.styles,
            birth_year: row.birth_year,
            death_year: row.death_year,
            external_ref: row.external_ref,
            claimed: row.user_id.is_some(),
            follower_count: row.follower_count,
            artwork_count: row.artwork_count,
            following: row.following,
            created_at: row.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArtist {
    /// Lower-case letters, digits and single hyphens; 3–60 characters. Appears in URLs.
    #[schema(min_length = 3, max_length = 60, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: String,
    /// Defaults to the account's display name.
    #[schema(
        max_length = 120,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 5000, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub bio: String,
    #[schema(max_length = 120, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub location: Option<String>,
    #[serde(default)]
    #[schema(schema_with = links_schema)]
    pub links: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = styles_schema)]
    pub styles: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArtist {
    #[schema(
        max_length = 120,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    #[schema(max_length = 5000, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub bio: Option<String>,
    #[schema(max_length = 120, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub location: Option<String>,
    #[schema(schema_with = patch_links_schema)]
    pub links: Option<Vec<String>>,
    #[schema(schema_with = patch_styles_schema)]
    pub styles: Option<Vec<String>>,
}

const MAX_LINKS: usize = 10;
const MAX_STYLES: usize = 10;

fn links_builder() -> ArrayBuilder {
    let link = ObjectBuilder::new().schema_type(Type::String).max_length(Some(300)).pattern(Some(
        r"^https?://([A-Za-z0-9-]+\.)*[A-Za-z0-9-]*[A-Za-z][A-Za-z0-9-]*(:[0-9]{1,4})?([/?#][\x21-\x7E]*)?$",
    ));
    ArrayBuilder::new()
        .items(link)
        .max_items(Some(MAX_LINKS))
        .description(Some("http(s) links: portfolio, shop, social profiles."))
}

fn links_schema() -> Array {
    links_builder().build()
}

fn patch_links_schema() -> Array {
    links_builder().schema_type(SchemaType::from_iter([Type::Array, Type::Null])).build()
}

fn styles_schema() -> Array {
    labels_schema(MAX_STYLES, 40, "Styles as typed, e.g. `Abstract Expressionism`.").build()
}

fn patch_styles_schema() -> Array {
    labels_schema(MAX_STYLES, 40, "Styles as typed; replaces them all.")
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .build()
}

fn parse_slug(raw: &str) -> Result<Slug, String> {
    let slug = Slug::parse(raw.trim(), 60)?;
    if slug.as_str().len() < 3 {
        return Err("must be at least 3 characters".to_owned());
    }
    Ok(slug)
}

fn parse_links(raw: &[String]) -> Result<Vec<String>, String> {
    if raw.len() > MAX_LINKS {
        return Err(format!("at most {MAX_LINKS} links"));
    }
    raw.iter()
        .map(|link| {
            let parsed = url::Url::parse(link.trim()).map_err(|_| format!("{link:?} is not a URL"))?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() || link.len() > 300 {
                return Err(format!("{link:?} must be an http(s) URL of at most 300 characters"));
            }
            Ok(parsed.to_string())
        })
        .collect()
}

fn parse_styles(raw: &[String]) -> Result<Vec<String>, String> {
    labels(raw, MAX_STYLES, 40).map(|parsed| parsed.into_iter().map(|(slug, _)| slug.into_string()).collect())
}

/// Create the signed-in artist's public profile (one per account).
#[utoipa::path(post, path = "/api/artists", tag = "artists", security(("bearer" = [])), request_body = CreateArtist,
    responses(
        (status = 201, body = ArtistView),
        (status = 403),
        (status = 409, description = "Slug taken or profile exists"),
    ))]
async fn create_artist(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiJson(req): ApiJson<CreateArtist>,
) -> ApiResult<Response> {
    principal.require(Permission::SellArtworks)?;
    let mut e = FieldErrors::new();
    let slug = e.check("slug", parse_slug(&req.slug));
    let name = e.check("name", req.name.as_deref().map(|n| bounded_text(n, 120, true)).transpose());
    let bio = e.check("bio", bounded_text(&req.bio, 5000, false));
    let location = e.check("location", req.location.as_deref().map(|l| bounded_text(l, 120, false)).transpose());
    let links = e.check("links", parse_links(&req.links));
    let styles = e.check("styles", parse_styles(&req.styles));
    let (slug, name, bio, location, links, styles) =
        e.finish(|| Some((slug?, name?, bio?, location?, links?, styles?)))?;

    let mut tx = ctx.db.begin().await?;
    if artist_of_user(&mut tx, principal.user_id).await?.is_some() {
        return Err(ApiError::Conflict("this account already has an artist profile".to_owned()));
    }
    let id = Uuid::now_v7();
    let new = NewArtist {
        id,
        user_id: principal.user_id,
        slug: slug.as_str(),
        name,
        bio,
        location,
        links: &links,
        styles: &styles,
    };
    store::insert(&mut tx, new)
        .await
        .on_constraint("artists_slug_key", || ApiError::Conflict(format!("the slug {:?} is taken", slug.as_str())))?;
    audit::record(
        &mut tx,
        AuditEntry {
            actor_id: Some(principal.user_id),
            action: "artist.create",
            entity_type: "artist",
            entity_id: Some(id),
            details: serde_json::json!({ "slug": slug.as_str() }),
            ip: Some(&ip),
        },
    )
    .await?;
    let row = store::load(&mut tx, id, Some(principal.user_id))
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("artist vanished")))?;
    tx.commit().await?;
    let mut response = (StatusCode::CREATED, Json(ArtistView::from(row))).into_response();
    let location = HeaderValue::from_str(&format!("/api/artists/{}", slug.as_str())).expect("slug is a valid header");
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

/// An artist profile by id or slug.
#[utoipa::path(get, path = "/api/artists/{id}", tag = "artists", security((), ("bearer" = [])), params(("id" = String, Path, description = "Artist id or slug")),
    responses(
        (status = 200, body = ArtistView),
        (status = 404),
    ))]
async fn get_artist(
    State(ctx): State<AppContext>,
    MaybePrincipal(principal): MaybePrincipal,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<Json<ArtistView>> {
    let mut conn = ctx.db.acquire().await?;
    let not_found = || ApiError::NotFound("no such artist".to_owned());
    let id = resolve(&mut conn, &key).await?.ok_or_else(not_found)?;
    let row = store::load(&mut conn, id, principal.map(|p| p.user_id)).await?.ok_or_else(not_found)?;
    Ok(Json(row.into()))
}

/// Edit a profile (its artist, or a moderator).
#[utoipa::path(patch, path = "/api/artists/{id}", tag = "artists", security(("bearer" = [])),
    params(("id" = String, Path, description = "Artist id or slug")), request_body = UpdateArtist,
    responses(
        (status = 200, body = ArtistView),
        (status = 403),
        (status = 404),
    ))]
async fn update_artist(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiPath(key): ApiPath<String>,
    ApiJson(req): ApiJson<UpdateArtist>,
) -> ApiResult<Json<ArtistView>> {
    let mut tx = ctx.db.begin().await?;
    let not_found = || ApiError::NotFound("no such artist".to_owned());
    let id = resolve(&mut tx, &key).await?.ok_or_else(not_found)?;
    let owner = store::lock_owner(&mut tx, id).await?;
    if !principal.can(Permission::ModerateCatalog) {
        principal.require(Permission::SellArtworks)?;
        if owner != Some(principal.user_id) {
            return Err(ApiError::Forbidden("only the artist or a moderator may edit this profile".to_owned()));
        }
    }
    let mut e = FieldErrors::new();
    let name = e.check("name", req.name.as_deref().map(|n| bounded_text(n, 120, true)).transpose());
    let bio = e.check("bio", req.bio.as_deref().map(|b| bounded_text(b, 5000, false)).transpose());
    let location = e.check("location", req.location.as_deref().map(|l| bounded_text(l, 120, false)).transpose());
    let links = e.check("links", req.links.as_deref().map(parse_links).transpose());
    let styles = e.check("styles", req.styles.as_deref().map(parse_styles).transpose());
    let (name, bio, location, links, styles) = e.finish(|| Some((name?, bio?, location?, links?, styles?)))?;
    let renamed = name.is_some();
    store::update(&mut tx, id, ArtistChanges { name, bio, location, links, styles }).await?;
    if renamed {
        // The artist's name is part of each of their works' search documents.
        store::refresh_artwork_search(&mut tx, id).await?;
    }
    audit::record(
        &mut tx,
        AuditEntry {
            actor_id: Some(principal.user_id),
            action: "artist.update",
            entity_type: "artist",
            entity_id: Some(id),
            details: serde_json::json!({}),
            ip: Some(&ip),
        },
    )
    .await?;
    let row = store::load(&mut tx, id, Some(principal.user_id)).await?.ok_or_else(not_found)?;
    tx.commit().await?;
    Ok(Json(row.into()))
}

/// One artist's works, with the same filters and pagination as `GET /api/artworks`.
#[utoipa::path(get, path = "/api/artists/{id}/artworks", tag = "artists", security((), ("bearer" = [])),
    params(("id" = String, Path, description = "Artist id or slug"), ListQuery),
    responses(
        (status = 200, body = ArtworkPage),
        (status = 403, description = "Drafts or archived works of another artist"),
        (status = 404),
        (status = 422),
    ))]
async fn artist_artworks(
    State(ctx): State<AppContext>,
    MaybePrincipal(principal): MaybePrincipal,
    ApiPath(key): ApiPath<String>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<ArtworkPage>> {
    let mut conn = ctx.db.acquire().await?;
    let id = resolve(&mut conn, &key).await?.ok_or_else(|| ApiError::NotFound("no such artist".to_owned()))?;
    drop(conn);
    let filter = parse_list_query(&ctx, principal.as_ref(), query, Some(id)).await?;
    run_list(&ctx, &filter).await
}

/// Follows (or stops following) the artist named by `key`.
async fn set_following(ctx: &AppContext, principal: &Principal, key: &str, following: bool) -> ApiResult<StatusCode> {
    principal.require(Permission::Interact)?;
    let mut conn = ctx.db.acquire().await?;
    let id = resolve(&mut conn, key).await?.ok_or_else(|| ApiError::NotFound("no such artist".to_owned()))?;
    if following {
        store::follow(&mut conn, principal.user_id, id).await?;
    } else {
        store::unfollow(&mut conn, principal.user_id, id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Follow an artist. Following twice is the same as once.
#[utoipa::path(put, path = "/api/artists/{id}/follow", tag = "artists", security(("bearer" = [])),
    params(("id" = String, Path, description = "Artist id or slug")),
    responses(
        (status = 204, description = "Following"),
        (status = 404),
    ))]
async fn follow(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<StatusCode> {
    set_following(&ctx, &principal, &key, true).await
}

/// Stop following an artist.
#[utoipa::path(delete, path = "/api/artists/{id}/follow", tag = "artists", security(("bearer" = [])),
    params(("id" = String, Path, description = "Artist id or slug")),
    responses(
        (status = 204, description = "Not following"),
        (status = 404),
    ))]
async fn unfollow(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<StatusCode> {
    set_following(&ctx, &principal, &key, false).await
}
