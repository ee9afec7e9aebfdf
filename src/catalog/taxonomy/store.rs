//! Category and tag queries.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{CategoryView, TagView};
use crate::catalog::artworks::store::publicly_visible_sql;

/// One category with the public works filed directly under it.
#[derive(sqlx::FromRow)]
pub struct CategoryRow {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub slug: String,
    pub name: String,
    pub own_count: i64,
}

/// Every category, in display order.
pub async fn categories(pool: &PgPool) -> sqlx::Result<Vec<CategoryRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT c.id, c.parent_id, c.slug, c.name,
                (SELECT count(*) FROM artworks a WHERE a.category_id = c.id AND {}) AS own_count
         FROM categories c ORDER BY c.position, c.name",
        publicly_visible_sql()
    )))
    .fetch_all(pool)
    .await
}

pub async fn category_id(conn: &mut PgConnection, slug: &str) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT id FROM categories WHERE slug = $1").bind(slug).fetch_optional(conn).await
}

pub struct NewCategory<'a> {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub slug: &'a str,
    pub name: &'a str,
    pub position: i32,
}

pub async fn insert_category(conn: &mut PgConnection, category: NewCategory<'_>) -> sqlx::Result<CategoryView> {
    sqlx::query_as(
        "INSERT INTO categories (id, parent_id, slug, name, position) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, slug, name, parent_id, position",
    )
    .bind(category.id)
    .bind(category.parent_id)
    .bind(category.slug)
    .bind(category.name)
    .bind(category.position)
    .fetch_one(conn)
    .await
}

/// Renames or moves a category; `None` keeps the stored value. `None` back
/// when there is no such category.
pub async fn update_category(
    conn: &mut PgConnection,
    id: Uuid,
    name: Option<String>,
    position: Option<i32>,
) -> sqlx::Result<Option<CategoryView>> {
    sqlx::query_as(
        "UPDATE categories SET name = COALESCE($2, name), position = COALESCE($3, position) WHERE id = $1
         RETURNING id, slug, name, parent_id, position",
    )
    .bind(id)
    .bind(name)
    .bind(position)
    .fetch_optional(conn)
    .await
}

/// Rebuilds the search documents of the category's works, which carry its name.
pub async fn refresh_artwork_search(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("SELECT refresh_artwork_search(array_agg(id)) FROM artworks WHERE category_id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Tags whose slug starts with `prefix` (taken literally), most used first.
/// Only tags of public works: a draft's or a held work's tags are as private
/// as the work.
pub async fn tags(pool: &PgPool, prefix: &str, limit: i64) -> sqlx::Result<Vec<TagView>> {
    let pattern = format!("{}%", prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT t.slug, t.name, count(a.id) AS artwork_count
         FROM tags t
         JOIN artwork_tags at ON at.tag_slug = t.slug
         JOIN artworks a ON a.id = at.artwork_id AND {}
         WHERE t.slug LIKE $1
         GROUP BY t.slug
         ORDER BY artwork_count DESC, t.slug LIMIT $2",
        publicly_visible_sql()
    )))
    .bind(pattern)
    .bind(limit)
    .fetch_all(pool)
    .await
}
