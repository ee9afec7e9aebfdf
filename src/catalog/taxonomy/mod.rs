//! `/api/categories` (a tree moderators manage) and `/api/tags` (grown by use).

mod store;

use axum::{Json, extract::State, http::StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use self::store::{CategoryRow, NewCategory};
use super::domain::{Slug, bounded_text};
use crate::{
    app::AppContext,
    auth::{Permission, Principal},
    platform::{
        audit::{self, AuditEntry},
        http::error::{ApiError, ApiResult, FieldErrors},
        http::idempotency,
        http::{ApiJson, ApiPath, ApiQuery, ClientIp},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(routes!(list_categories))
        .routes(idempotency::keyed(routes!(create_category)))
        .routes(routes!(update_category))
        .routes(routes!(list_tags))
}

#[derive(Serialize, ToSchema)]
pub struct CategoryNode {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    /// Published works in this category and its descendants.
    pub artwork_count: i64,
    #[schema(no_recursion)]
    pub children: Vec<CategoryNode>,
}

fn build_tree(rows: &[CategoryRow], parent: Option<Uuid>) -> Vec<CategoryNode> {
    rows.iter()
        .filter(|row| row.parent_id == parent)
        .map(|row| {
            let children = build_tree(rows, Some(row.id));
            let artwork_count = row.own_count + children.iter().map(|c| c.artwork_count).sum::<i64>();
            CategoryNode { id: row.id, slug: row.slug.clone(), name: row.name.clone(), artwork_count, children }
        })
        .collect()
}

/// The category tree.
#[utoipa::path(get, path = "/api/categories", tag = "taxonomy", responses((status = 200, body = Vec<CategoryNode>)))]
async fn list_categories(State(ctx): State<AppContext>) -> ApiResult<Json<Vec<CategoryNode>>> {
    let rows = store::categories(&ctx.db).await?;
    Ok(Json(build_tree(&rows, None)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategory {
    #[schema(max_length = 60, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: String,
    #[schema(
        max_length = 80,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    /// Slug of the parent; omit for a top-level category.
    #[schema(max_length = 60, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub parent: Option<String>,
    #[serde(default)]
    pub position: i32,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategory {
    #[schema(
        max_length = 80,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    pub position: Option<i32>,
}

#[derive(Serialize, ToSchema, sqlx::FromRow)]
pub struct CategoryView {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub position: i32,
}

/// Add a category (moderators).
#[utoipa::path(post, path = "/api/categories", tag = "taxonomy", security(("bearer" = [])), request_body = CreateCategory,
    responses(
        (status = 201, body = CategoryView),
        (status = 403),
    ))]
async fn create_category(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiJson(req): ApiJson<CreateCategory>,
) -> ApiResult<(StatusCode, Json<CategoryView>)> {
    principal.require(Permission::ManageTaxonomy)?;
    let mut e = FieldErrors::new();
    let slug = e.check("slug", Slug::parse(req.slug.trim(), 60));
    let name = e.check("name", bounded_text(&req.name, 80, true));
    let parent = e.check("parent", req.parent.as_deref().map(|p| Slug::parse(p.trim(), 60)).transpose());
    let (slug, name, parent) = e.finish(|| Some((slug?, name?, parent?)))?;
    let mut tx = ctx.db.begin().await?;
    let parent_id: Option<Uuid> = match &parent {
        Some(parent) => Some(
            store::category_id(&mut tx, parent.as_str())
                .await?
                .ok_or_else(|| ApiError::field("parent", "no such category"))?,
        ),
        None => None,
    };
    let new = NewCategory { id: Uuid::now_v7(), parent_id, slug: slug.as_str(), name: &name, position: req.position };
    let created = store::insert_category(&mut tx, new).await?;
    audit::record(
        &mut tx,
        AuditEntry {
            actor_id: Some(principal.user_id),
            action: "category.create",
            entity_type: "category",
            entity_id: Some(created.id),
            details: serde_json::json!({ "slug": created.slug }),
            ip: Some(&ip),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Rename or reorder a category (moderators). Slugs are permanent: they are in shared URLs.
#[utoipa::path(patch, path = "/api/categories/{id}", tag = "taxonomy", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UpdateCategory,
    responses(
        (status = 200, body = CategoryView),
        (status = 403),
    ))]
async fn update_category(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateCategory>,
) -> ApiResult<Json<CategoryView>> {
    principal.require(Permission::ManageTaxonomy)?;
    let mut e = FieldErrors::new();
    let name = e.check("name", req.name.as_deref().map(|n| bounded_text(n, 80, true)).transpose());
    let name = e.finish(|| name)?;
    let renamed = name.is_some();
    let mut tx = ctx.db.begin().await?;
    let updated = store::update_category(&mut tx, id, name, req.position)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such category".to_owned()))?;
    if renamed {
        // The category's name is part of each of its works' search documents.
        store::refresh_artwork_search(&mut tx, id).await?;
    }
    audit::record(
        &mut tx,
        AuditEntry {
            actor_id: Some(principal.user_id),
            action: "category.update",
            entity_type: "category",
            entity_id: Some(id),
            details: serde_json::json!({}),
            ip: Some(&ip),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(updated))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TagQuery {
    /// Matches the start of the tag (case and punctuation ignored).
    pub prefix: Option<String>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema, sqlx::FromRow)]
pub struct TagView {
    pub slug: String,
    pub name: String,
    /// Published works carrying the tag.
    pub artwork_count: i64,
}

/// Tags for autocomplete, most used first.
#[utoipa::path(get, path = "/api/tags", tag = "taxonomy", params(TagQuery),
    responses(
        (status = 200, body = Vec<TagView>),
        (status = 422),
    ))]
async fn list_tags(
    State(ctx): State<AppContext>,
    ApiQuery(query): ApiQuery<TagQuery>,
) -> ApiResult<Json<Vec<TagView>>> {
    let limit = query.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 100"));
    }
    // An empty or punctuation-only prefix lists the most used tags overall.
    let prefix =
        query.prefix.as_deref().and_then(|p| Slug::from_text(p, 60).ok()).map(Slug::into_string).unwrap_or_default();
    Ok(Json(store::tags(&ctx.db, &prefix, limit).await?))
}
