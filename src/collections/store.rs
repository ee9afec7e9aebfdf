//! The SQL of collections. Which works are on view is the catalog's to say:
//! these queries list a collection's works as stored, and the views leave
//! out those the catalog no longer shows.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::domain::{CollectionKind, Visibility};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CollectionRow {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub kind: CollectionKind,
    pub title: String,
    pub description: Option<String>,
    pub visibility: Visibility,
    pub slug: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "c.id, c.owner_id, c.kind, c.title, c.description, c.visibility, c.slug, c.published_at, c.created_at, c.updated_at";

/// Public to anyone: a personal collection its owner made public, or a
/// published editorial one. Written as the title indexes' predicate is.
const PUBLIC: &str = "c.visibility = 'public' AND (c.kind = 'personal' OR c.published_at IS NOT NULL)";

/// A keyset position in a list ordered by a time, then id, newest first.
pub type After = Option<(DateTime<Utc>, Uuid)>;

/// Waits for any other change to `owner_id`'s set of collections, until the
/// transaction ends, so that the limit on how many they keep holds.
pub async fn lock_owner(conn: &mut PgConnection, owner_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("collections-of:{owner_id}"))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn count_owned(conn: &mut PgConnection, owner_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM collections WHERE owner_id = $1").bind(owner_id).fetch_one(conn).await
}

/// Waits for any other choice of a new slug until the transaction ends, so
/// two collections with the same title cannot both take the free slug.
pub async fn lock_slugs(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('collection-slugs', 0))").execute(conn).await?;
    Ok(())
}

pub async fn slug_taken(conn: &mut PgConnection, slug: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM collections WHERE slug = $1)").bind(slug).fetch_one(conn).await
}

pub struct NewCollection<'a> {
    pub owner_id: Uuid,
    pub kind: CollectionKind,
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub visibility: Visibility,
    pub slug: Option<&'a str>,
}

pub async fn insert(conn: &mut PgConnection, new: NewCollection<'_>) -> sqlx::Result<CollectionRow> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO collections AS c (id, owner_id, kind, title, description, visibility, slug)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    )))
    .bind(Uuid::now_v7())
    .bind(new.owner_id)
    .bind(new.kind)
    .bind(new.title)
    .bind(new.description)
    .bind(new.visibility)
    .bind(new.slug)
    .fetch_one(conn)
    .await
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<CollectionRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM collections c WHERE c.id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn by_slug(conn: &mut PgConnection, slug: &str) -> sqlx::Result<Option<CollectionRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM collections c WHERE c.slug = $1")))
        .bind(slug)
        .fetch_optional(conn)
        .await
}

/// The collection, locked until the transaction ends: every change to a
/// collection or its works takes this lock first.
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<CollectionRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM collections c WHERE c.id = $1 FOR UPDATE")))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// New values for a collection's own fields; every field is written.
pub struct Fields<'a> {
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub visibility: Visibility,
    pub slug: Option<&'a str>,
}

pub async fn update(conn: &mut PgConnection, id: Uuid, fields: Fields<'_>) -> sqlx::Result<CollectionRow> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE collections c SET title = $2, description = $3, visibility = $4, slug = $5, updated_at = now()
         WHERE c.id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(fields.title)
    .bind(fields.description)
    .bind(fields.visibility)
    .bind(fields.slug)
    .fetch_one(conn)
    .await
}

/// Publishes (`true`) or unpublishes an editorial collection. Publishing a
/// published one keeps its first publication time.
pub async fn set_published(conn: &mut PgConnection, id: Uuid, published: bool) -> sqlx::Result<CollectionRow> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE collections c
         SET published_at = CASE WHEN $2 THEN coalesce(c.published_at, now()) END, updated_at = now()
         WHERE c.id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(published)
    .fetch_one(conn)
    .await
}

pub async fn delete(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM collections WHERE id = $1").bind(id).execute(conn).await?;
    Ok(())
}

/// Marks the collection changed now (a work added, removed or moved).
pub async fn touch(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE collections SET updated_at = now() WHERE id = $1").bind(id).execute(conn).await?;
    Ok(())
}

/// `owner_id`'s collections, most recently changed first.
pub async fn owned(
    conn: &mut PgConnection,
    owner_id: Uuid,
    after: After,
    limit: i64,
) -> sqlx::Result<Vec<CollectionRow>> {
    let (at, id) = after.unzip();
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM collections c
         WHERE c.owner_id = $1 AND ($2::timestamptz IS NULL OR (c.updated_at, c.id) < ($2, $3))
         ORDER BY c.updated_at DESC, c.id DESC LIMIT $4"
    )))
    .bind(owner_id)
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// `owner_id`'s public personal collections, most recently changed first.
pub async fn public_of(
    conn: &mut PgConnection,
    owner_id: Uuid,
    after: After,
    limit: i64,
) -> sqlx::Result<Vec<CollectionRow>> {
    let (at, id) = after.unzip();
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM collections c
         WHERE c.owner_id = $1 AND c.kind = 'personal' AND c.visibility = 'public'
           AND ($2::timestamptz IS NULL OR (c.updated_at, c.id) < ($2, $3))
         ORDER BY c.updated_at DESC, c.id DESC LIMIT $4"
    )))
    .bind(owner_id)
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Published editorial collections, most recently published first.
pub async fn published(conn: &mut PgConnection, after: After, limit: i64) -> sqlx::Result<Vec<CollectionRow>> {
    let (at, id) = after.unzip();
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM collections c
         WHERE c.published_at IS NOT NULL AND ($1::timestamptz IS NULL OR (c.published_at, c.id) < ($1, $2))
         ORDER BY c.published_at DESC, c.id DESC LIMIT $3"
    )))
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Editorial collections not yet published, newest first.
pub async fn drafts(conn: &mut PgConnection, after: After, limit: i64) -> sqlx::Result<Vec<CollectionRow>> {
    let (at, id) = after.unzip();
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM collections c
         WHERE c.kind = 'editorial' AND c.published_at IS NULL
           AND ($1::timestamptz IS NULL OR (c.created_at, c.id) < ($1, $2))
         ORDER BY c.created_at DESC, c.id DESC LIMIT $3"
    )))
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Public collections whose title matches `query`: all its words (stemmed),
/// or the query as part of the title, or close to a run of its words (a
/// typo). Editorial ones first, then the closer matches.
pub async fn matching_public(conn: &mut PgConnection, query: &str, limit: i64) -> sqlx::Result<Vec<CollectionRow>> {
    let mut tx = sqlx::Connection::begin(conn).await?;
    // As the keyword side of search does: one-letter slips in short words
    // fall under pg_trgm's default of 0.6.
    sqlx::query("SET LOCAL pg_trgm.word_similarity_threshold = 0.5").execute(&mut *tx).await?;
    let pattern = format!("%{}%", query.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    // One branch per way of matching, each answerable from its own index.
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "WITH q AS MATERIALIZED (SELECT lower($1) AS raw, plainto_tsquery('english', $1) AS tsq),
         candidates AS (
             SELECT c.id FROM collections c, q WHERE {PUBLIC} AND to_tsvector('english', c.title) @@ q.tsq
             UNION SELECT c.id FROM collections c WHERE {PUBLIC} AND lower(c.title) LIKE $2
             UNION SELECT c.id FROM collections c, q WHERE {PUBLIC} AND q.raw <% lower(c.title)
         )
         SELECT {COLUMNS} FROM candidates m JOIN collections c ON c.id = m.id, q
         ORDER BY c.kind = 'editorial' DESC,
                  ts_rank(to_tsvector('english', c.title), q.tsq) + word_similarity(q.raw, lower(c.title)) DESC,
                  c.updated_at DESC, c.id DESC
         LIMIT $3"
    )))
    .bind(query)
    .bind(pattern)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ItemRow {
    pub artwork_id: Uuid,
    pub position: i32,
    pub note: Option<String>,
    pub added_at: DateTime<Utc>,
}

/// Every work of a collection as stored, in order (at most the item limit).
pub async fn items(conn: &mut PgConnection, collection_id: Uuid) -> sqlx::Result<Vec<ItemRow>> {
    sqlx::query_as(
        "SELECT artwork_id, position, note, added_at FROM collection_items
         WHERE collection_id = $1 ORDER BY position",
    )
    .bind(collection_id)
    .fetch_all(conn)
    .await
}

/// `(collection, work)` for every work of the collections, each
/// collection's in order.
pub async fn items_of(conn: &mut PgConnection, collection_ids: &[Uuid]) -> sqlx::Result<Vec<(Uuid, Uuid)>> {
    sqlx::query_as(
        "SELECT collection_id, artwork_id FROM collection_items
         WHERE collection_id = ANY($1) ORDER BY collection_id, position",
    )
    .bind(collection_ids)
    .fetch_all(conn)
    .await
}

/// Which of the collections hold the work.
pub async fn holding(
    conn: &mut PgConnection,
    collection_ids: &[Uuid],
    artwork_id: Uuid,
) -> sqlx::Result<HashSet<Uuid>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT collection_id FROM collection_items WHERE collection_id = ANY($1) AND artwork_id = $2",
    )
    .bind(collection_ids)
    .bind(artwork_id)
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().collect())
}

pub async fn item_count(conn: &mut PgConnection, collection_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM collection_items WHERE collection_id = $1")
        .bind(collection_id)
        .fetch_one(conn)
        .await
}

pub async fn item(conn: &mut PgConnection, collection_id: Uuid, artwork_id: Uuid) -> sqlx::Result<Option<ItemRow>> {
    sqlx::query_as(
        "SELECT artwork_id, position, note, added_at FROM collection_items
         WHERE collection_id = $1 AND artwork_id = $2",
    )
    .bind(collection_id)
    .bind(artwork_id)
    .fetch_optional(conn)
    .await
}

/// Adds the work after the collection's last one. The caller holds the
/// collection's lock and knows the work is not in it yet.
pub async fn append(
    conn: &mut PgConnection,
    collection_id: Uuid,
    artwork_id: Uuid,
    note: Option<&str>,
) -> sqlx::Result<ItemRow> {
    sqlx::query_as(
        "INSERT INTO collection_items (collection_id, artwork_id, position, note)
         SELECT $1, $2, coalesce(max(position), 0) + 1, $3 FROM collection_items WHERE collection_id = $1
         RETURNING artwork_id, position, note, added_at",
    )
    .bind(collection_id)
    .bind(artwork_id)
    .bind(note)
    .fetch_one(conn)
    .await
}

pub async fn set_note(
    conn: &mut PgConnection,
    collection_id: Uuid,
    artwork_id: Uuid,
    note: Option<&str>,
) -> sqlx::Result<ItemRow> {
    sqlx::query_as(
        "UPDATE collection_items SET note = $3 WHERE collection_id = $1 AND artwork_id = $2
         RETURNING artwork_id, position, note, added_at",
    )
    .bind(collection_id)
    .bind(artwork_id)
    .bind(note)
    .fetch_one(conn)
    .await
}

/// Takes the work out of the collection; whether it was in it.
pub async fn remove(conn: &mut PgConnection, collection_id: Uuid, artwork_id: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM collection_items WHERE collection_id = $1 AND artwork_id = $2")
        .bind(collection_id)
        .bind(artwork_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Numbers the collection's works 1, 2, … in the order of `artwork_ids`,
/// which names each of them once.
pub async fn reorder(conn: &mut PgConnection, collection_id: Uuid, artwork_ids: &[Uuid]) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE collection_items ci SET position = o.position::integer
         FROM unnest($2::uuid[]) WITH ORDINALITY AS o (artwork_id, position)
         WHERE ci.collection_id = $1 AND ci.artwork_id = o.artwork_id",
    )
    .bind(collection_id)
    .bind(artwork_ids)
    .execute(conn)
    .await?;
    Ok(())
}
