//! Artwork queries: one row shape for reads, keyset-paginated listing, the
//! filter conditions listing and search share, the public-visibility rule in
//! SQL, and the writes behind `changes` with the version snapshots they leave.
//! Only `changes` (and the seed, through it) writes artworks.

use std::{collections::HashSet, sync::LazyLock};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::{ArtistRef, ArtworkFields, ArtworkView, CategoryRef};
use crate::catalog::domain::{ArtworkStatus, Dimensions, Edition, EditionKind, Price, Slug};

#[derive(Debug, sqlx::FromRow)]
pub struct ArtworkRow {
    pub id: Uuid,
    pub artist_id: Uuid,
    pub artist_user_id: Option<Uuid>,
    pub artist_slug: String,
    pub artist_name: String,
    pub title: String,
    pub description: String,
    pub medium: String,
    pub category_slug: String,
    pub category_name: String,
    pub styles: Vec<String>,
    pub tag_slugs: Vec<String>,
    pub tag_names: Vec<String>,
    pub year: Option<i32>,
    pub height_mm: Option<i32>,
    pub width_mm: Option<i32>,
    pub depth_mm: Option<i32>,
    pub framed: bool,
    pub edition_kind: EditionKind,
    pub edition_size: Option<i32>,
    pub edition_available: Option<i32>,
    pub price_minor: i64,
    pub currency: String,
    pub status: ArtworkStatus,
    pub provenance: String,
    pub signature: String,
    pub certificate_of_authenticity: bool,
    pub shipping_origin: Option<String>,
    pub external_ref: Option<String>,
    pub completeness: i16,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub held_for_review: bool,
}

const SELECT_ARTWORK: &str = "SELECT a.id, a.artist_id, ar.user_id AS artist_user_id, ar.slug AS artist_slug,
    ar.name AS artist_name, a.title, a.description, a.medium, c.slug AS category_slug, c.name AS category_name,
    a.styles,
    COALESCE((SELECT array_agg(t.tag_slug ORDER BY t.tag_slug) FROM artwork_tags t WHERE t.artwork_id = a.id), '{}') AS tag_slugs,
    COALESCE((SELECT array_agg(tg.name ORDER BY t.tag_slug) FROM artwork_tags t JOIN tags tg ON tg.slug = t.tag_slug
              WHERE t.artwork_id = a.id), '{}') AS tag_names,
    a.year, a.height_mm, a.width_mm, a.depth_mm, a.framed, a.edition_kind, a.edition_size, a.edition_available,
    a.price_minor, a.currency, a.status, a.provenance, a.signature, a.certificate_of_authenticity,
    a.shipping_origin, a.external_ref, a.completeness, a.version, a.created_at, a.updated_at, a.published_at,
    a.held_for_review
    FROM artworks a JOIN artists ar ON ar.id = a.artist_id JOIN categories c ON c.id = a.category_id";

impl ArtworkRow {
    fn dimensions(&self) -> Option<Dimensions> {
        match (self.height_mm, self.width_mm) {
            (Some(height_mm), Some(width_mm)) => Some(Dimensions { height_mm, width_mm, depth_mm: self.depth_mm }),
            _ => None,
        }
    }

    fn edition(&self) -> Edition {
        Edition::from_columns(self.edition_kind, self.edition_size, self.edition_available)
    }

    pub fn etag(&self) -> String {
        format!("\"{}\"", self.version)
    }

    /// The stored fields, as the starting point of an edit.
    pub fn fields(&self) -> ArtworkFields {
        ArtworkFields {
            title: self.title.clone(),
            description: self.description.clone(),
            medium: self.medium.clone(),
            category: Slug::from_stored(self.category_slug.clone()),
            styles: self.styles.iter().cloned().map(Slug::from_stored).collect(),
            tags: self
                .tag_slugs
                .iter()
                .zip(&self.tag_names)
                .map(|(slug, name)| (Slug::from_stored(slug.clone()), name.clone()))
                .collect(),
            year: self.year,
            dimensions: self.dimensions(),
            framed: self.framed,
            edition: self.edition(),
            price: Price { amount_minor: self.price_minor, currency: self.currency.clone() },
            status: self.status,
            provenance: self.provenance.clone(),
            signature: self.signature.clone(),
            certificate_of_authenticity: self.certificate_of_authenticity,
            shipping_origin: self.shipping_origin.clone(),
            external_ref: self.external_ref.clone(),
        }
    }

    pub fn into_view(self) -> ArtworkView {
        let dimensions = self.dimensions();
        let edition = self.edition();
        ArtworkView {
            id: self.id,
            artist: ArtistRef { id: self.artist_id, slug: self.artist_slug, name: self.artist_name },
            title: self.title,
            description: self.description,
            medium: self.medium,
            category: CategoryRef { slug: self.category_slug, name: self.category_name },
            styles: self.styles,
            tags: self.tag_names,
            year: self.year,
            dimensions,
            framed: self.framed,
            edition,
            price: Price { amount_minor: self.price_minor, currency: self.currency },
            status: self.status,
            provenance: self.provenance,
            signature: self.signature,
            certificate_of_authenticity: self.certificate_of_authenticity,
            shipping_origin: self.shipping_origin,
            external_ref: self.external_ref,
            completeness: self.completeness,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            published_at: self.published_at,
            held_for_review: self.held_for_review,
            images: Vec::new(),
        }
    }
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<ArtworkRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT_ARTWORK} WHERE a.id = $1"))).bind(id).fetch_optional(conn).await
}

/// Locks the artwork row for the rest of the transaction, so the version check
/// and the write cannot interleave with another editor's.
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<i32>> {
    sqlx::query_scalar("SELECT version FROM artworks WHERE id = $1 FOR UPDATE").bind(id).fetch_optional(conn).await
}

/// What a change needs to know of the artwork it changes, and what live
/// viewers and people who saved the work care about.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ArtworkState {
    pub artist_id: Uuid,
    pub title: String,
    pub status: ArtworkStatus,
    pub held_for_review: bool,
    pub version: i32,
    pub published_at: Option<DateTime<Utc>>,
    pub price_minor: i64,
    pub currency: String,
    pub edition_available: Option<i32>,
}

const STATE_COLUMNS: &str = "artist_id, title, status, held_for_review, version, published_at, price_minor,
                             currency::text AS currency, edition_available";

/// Locks the row against other writers for the rest of the transaction and
/// reads its state. `FOR NO KEY UPDATE` is the lock an `UPDATE` of these
/// (non-key) columns takes anyway: it serialises writers without blocking
/// inserts elsewhere that merely reference the artwork (images, flags, saves),
/// so two media jobs whose uploads match each other's artworks cannot deadlock.
/// Routes that read before they decide take the stronger `lock` first.
pub(super) async fn lock_state(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<ArtworkState>> {
    let sql = format!("SELECT {STATE_COLUMNS} FROM artworks WHERE id = $1 FOR NO KEY UPDATE");
    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await
}

/// The row as the caller's transaction sees it now (after its change).
pub(super) async fn state(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<ArtworkState>> {
    let sql = format!("SELECT {STATE_COLUMNS} FROM artworks WHERE id = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await
}

/// The category and all its descendants ("works on paper" includes prints); empty
/// when there is no such category.
pub async fn category_with_descendants(conn: &mut PgConnection, slug: &Slug) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "WITH RECURSIVE sub AS (
             SELECT id FROM categories WHERE slug = $1
             UNION ALL SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id)
         SELECT id FROM sub",
    )
    .bind(slug.as_str())
    .fetch_all(conn)
    .await
}

pub async fn category_id(conn: &mut PgConnection, slug: &Slug) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT id FROM categories WHERE slug = $1").bind(slug.as_str()).fetch_optional(conn).await
}

/// Binds the editable columns as `$2..$23`, in the order both `insert` and
/// `update` name them; `$1` is the artwork id.
fn bind_fields<'q>(
    query: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
    category_id: Uuid,
    fields: &'q ArtworkFields,
) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
    let (kind, size, available) = fields.edition.columns();
    let dims = fields.dimensions;
    query
        .bind(&fields.title)
        .bind(&fields.description)
        .bind(&fields.medium)
        .bind(category_id)
        .bind(fields.styles.iter().map(Slug::as_str).collect::<Vec<_>>())
        .bind(fields.year)
        .bind(dims.map(|d| d.height_mm))
        .bind(dims.map(|d| d.width_mm))
        .bind(dims.and_then(|d| d.depth_mm))
        .bind(fields.framed)
        .bind(kind)
        .bind(size)
        .bind(available)
        .bind(fields.price.amount_minor)
        .bind(&fields.price.currency)
        .bind(fields.status)
        .bind(&fields.provenance)
        .bind(&fields.signature)
        .bind(fields.certificate_of_authenticity)
        .bind(&fields.shipping_origin)
        .bind(&fields.external_ref)
        .bind(fields.completeness())
}

/// Writes a new artwork (tags included) at version 1. Call it through
/// `changes::create` / `changes::import`, which record the version snapshot.
pub async fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    artist_id: Uuid,
    category_id: Uuid,
    fields: &ArtworkFields,
) -> sqlx::Result<()> {
    let query = sqlx::query(
        "INSERT INTO artworks (id, title, description, medium, category_id, styles, year,
             height_mm, width_mm, depth_mm, framed, edition_kind, edition_size, edition_available,
             price_minor, currency, status, provenance, signature, certificate_of_authenticity,
             shipping_origin, external_ref, completeness, artist_id, published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                 $21, $22, $23, $24, CASE WHEN $17 = 'published'::artwork_status THEN now() END)",
    )
    .bind(id);
    bind_fields(query, category_id, fields).bind(artist_id).execute(&mut *conn).await?;
    replace_tags(conn, id, &fields.tags).await
}

/// Rewrites every editable field (tags included) and bumps the version.
pub(super) async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    category_id: Uuid,
    fields: &ArtworkFields,
) -> sqlx::Result<()> {
    let query = sqlx::query(
        "UPDATE artworks SET title = $2, description = $3, medium = $4, category_id = $5, styles = $6, year = $7,
             height_mm = $8, width_mm = $9, depth_mm = $10, framed = $11, edition_kind = $12, edition_size = $13,
             edition_available = $14, price_minor = $15, currency = $16, status = $17, provenance = $18,
             signature = $19, certificate_of_authenticity = $20, shipping_origin = $21, external_ref = $22,
             completeness = $23, version = version + 1, updated_at = now(),
             published_at = CASE WHEN $17 = 'published'::artwork_status THEN COALESCE(published_at, now())
                                 ELSE published_at END
         WHERE id = $1",
    )
    .bind(id);
    bind_fields(query, category_id, fields).execute(&mut *conn).await?;
    replace_tags(conn, id, &fields.tags).await
}

/// Sets the status and bumps the version; publishing stamps `published_at` the
/// first time, as an edit does.
pub(super) async fn set_status(conn: &mut PgConnection, id: Uuid, status: ArtworkStatus) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE artworks SET status = $2, version = version + 1, updated_at = now(),
             published_at = CASE WHEN $2 = 'published'::artwork_status THEN COALESCE(published_at, now())
                                 ELSE published_at END
         WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .execute(conn)
    .await?;
    Ok(())
}

/// Holds the artwork back from the public while a moderator reviews it, or
/// releases it; bumps the version either way.
pub(super) async fn set_held_for_review(conn: &mut PgConnection, id: Uuid, held: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE artworks SET held_for_review = $2, version = version + 1, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(held)
        .execute(conn)
        .await?;
    Ok(())
}

/// A processed image was attached: a new representation, so a new version; a
/// possible copy also holds the work (an existing hold is never lifted here).
pub(super) async fn image_attached(conn: &mut PgConnection, id: Uuid, hold_for_review: bool) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE artworks SET version = version + 1, updated_at = now(), held_for_review = held_for_review OR $2
         WHERE id = $1",
    )
    .bind(id)
    .bind(hold_for_review)
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn set_price(conn: &mut PgConnection, id: Uuid, price: &Price) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE artworks SET price_minor = $2, currency = $3, version = version + 1, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(price.amount_minor)
    .bind(&price.currency)
    .execute(conn)
    .await?;
    Ok(())
}

/// Copies left of a limited edition. The `artworks_edition_shape` constraint
/// refuses it for unique and open editions and outside `0..=edition_size`.
pub(super) async fn set_edition_available(conn: &mut PgConnection, id: Uuid, available: i32) -> sqlx::Result<()> {
    sqlx::query("UPDATE artworks SET edition_available = $2, version = version + 1, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(available)
        .execute(conn)
        .await?;
    Ok(())
}

/// Adds `delta` copies (negative: takes them) to a limited edition, only if
/// the result stays within `0..=edition_size`; tells whether it did. The
/// condition is in the statement, so concurrent takers cannot oversell even
/// without the row lock, and `artworks_edition_shape` checks it again.
pub(super) async fn add_copies(conn: &mut PgConnection, id: Uuid, delta: i32) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE artworks SET edition_available = edition_available + $2, version = version + 1, updated_at = now()
         WHERE id = $1 AND edition_kind = 'limited' AND edition_available + $2 BETWEEN 0 AND edition_size",
    )
    .bind(id)
    .bind(delta)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// What a checkout needs to know of a work, read under the row lock that
/// `changes` takes again (the same transaction, so no wait).
#[derive(Debug, sqlx::FromRow)]
pub(super) struct SaleRow {
    pub artist_id: Uuid,
    pub title: String,
    pub status: ArtworkStatus,
    pub held_for_review: bool,
    pub edition_kind: EditionKind,
    pub edition_available: Option<i32>,
    pub price_minor: i64,
    pub currency: String,
}

pub(super) async fn lock_for_sale(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<SaleRow>> {
    sqlx::query_as(
        "SELECT artist_id, title, status, held_for_review, edition_kind, edition_available, price_minor, currency
         FROM artworks WHERE id = $1 FOR NO KEY UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The works' sale terms as they are now, for carts and checkouts to compare
/// with what the buyer saw; hidden works are absent.
pub(super) async fn offers(conn: &mut PgConnection, ids: &[Uuid]) -> sqlx::Result<Vec<OfferRow>> {
    let sql = format!(
        "SELECT a.id, a.artist_id, ar.slug AS artist_slug, ar.name AS artist_name, a.title, a.status,
                a.edition_kind, a.edition_size, a.edition_available, a.price_minor, a.currency
         FROM artworks a JOIN artists ar ON ar.id = a.artist_id
         WHERE a.id = ANY($1) AND {}",
        publicly_visible_sql()
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ids).fetch_all(conn).await
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct OfferRow {
    pub id: Uuid,
    pub artist_id: Uuid,
    pub artist_slug: String,
    pub artist_name: String,
    pub title: String,
    pub status: ArtworkStatus,
    pub edition_kind: EditionKind,
    pub edition_size: Option<i32>,
    pub edition_available: Option<i32>,
    pub price_minor: i64,
    pub currency: String,
}

async fn replace_tags(conn: &mut PgConnection, artwork_id: Uuid, tags: &[(Slug, String)]) -> sqlx::Result<()> {
    let slugs: Vec<&str> = tags.iter().map(|(slug, _)| slug.as_str()).collect();
    let names: Vec<&str> = tags.iter().map(|(_, name)| name.as_str()).collect();
    // A tag keeps the spelling of whoever used it first.
    sqlx::query("INSERT INTO tags (slug, name) SELECT * FROM UNNEST($1::text[], $2::text[]) ON CONFLICT DO NOTHING")
        .bind(&slugs)
        .bind(&names)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM artwork_tags WHERE artwork_id = $1 AND NOT (tag_slug = ANY($2))")
        .bind(artwork_id)
        .bind(&slugs)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO artwork_tags (artwork_id, tag_slug) SELECT $1, UNNEST($2::text[]) ON CONFLICT DO NOTHING")
        .bind(artwork_id)
        .bind(&slugs)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a write to these artworks: refreshes their search documents and
/// stores the current state of each as its version snapshot (the row as JSON
/// plus its tag slugs). `changes` calls it for every write in its transaction,
/// the seed included, so every artwork starts with version 1 on record and is
/// findable.
pub async fn record_changes(conn: &mut PgConnection, ids: &[Uuid], changed_by: Option<Uuid>) -> sqlx::Result<()> {
    sqlx::query("SELECT refresh_artwork_search($1)").bind(ids).execute(&mut *conn).await?;
    sqlx::query(
        "INSERT INTO artwork_versions (artwork_id, version, snapshot, changed_by)
         SELECT a.id, a.version,
                (to_jsonb(a) - 'search_document') || jsonb_build_object('tags', COALESCE(
                    (SELECT jsonb_agg(t.tag_slug ORDER BY t.tag_slug) FROM artwork_tags t WHERE t.artwork_id = a.id),
                    '[]'::jsonb)),
                $2
         FROM artworks a WHERE a.id = ANY($1)
         ON CONFLICT DO NOTHING",
    )
    .bind(ids)
    .bind(changed_by)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct VersionRow {
    pub version: i32,
    pub snapshot: serde_json::Value,
    pub changed_by: Option<Uuid>,
    pub changed_at: DateTime<Utc>,
}

pub async fn versions(conn: &mut PgConnection, artwork_id: Uuid) -> sqlx::Result<Vec<VersionRow>> {
    sqlx::query_as(
        "SELECT version, snapshot, changed_by, changed_at FROM artwork_versions
         WHERE artwork_id = $1 ORDER BY version DESC",
    )
    .bind(artwork_id)
    .fetch_all(conn)
    .await
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Newest,
    PriceAsc,
    PriceDesc,
}

/// Where the previous page ended: the last work's price in minor units and
/// its id, written `{price}.{id}`. Any such point is a place every ordering can
/// continue from, so a cursor is valid whatever sort it is used with.
#[derive(Debug)]
pub struct Cursor {
    price: i64,
    id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.price, self.id)
    }

    /// Accepts exactly what the document's pattern for cursors does: 1–13
    /// digits, a dot and a hyphenated id.
    pub fn decode(raw: &str) -> Result<Self, &'static str> {
        const INVALID: &str = "is not a cursor from this API";
        let (price, id) = raw.split_once('.').ok_or(INVALID)?;
        if !(1..=13).contains(&price.len()) || !price.bytes().all(|b| b.is_ascii_digit()) || id.len() != 36 {
            return Err(INVALID);
        }
        Ok(Self { price: price.parse().map_err(|_| INVALID)?, id: Uuid::try_parse(id).map_err(|_| INVALID)? })
    }
}

/// [`crate::catalog::domain::is_publicly_visible`] as an SQL condition over
/// `artworks a`, built from [`ArtworkStatus::PUBLIC`]. The statuses are
/// literals rather than a bound array so the planner sees them.
pub fn publicly_visible_sql() -> &'static str {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        let statuses: Vec<String> = ArtworkStatus::PUBLIC.iter().map(|s| format!("'{}'", s.as_str())).collect();
        format!("a.status IN ({}) AND NOT a.held_for_review", statuses.join(", "))
    });
    &SQL
}

/// Which of `ids` anyone may see: for capabilities that keep lists of works
/// (collections) and must leave out those that have since been hidden.
pub async fn publicly_visible_among(conn: &mut PgConnection, ids: &[Uuid]) -> sqlx::Result<HashSet<Uuid>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let sql = format!("SELECT a.id FROM artworks a WHERE a.id = ANY($1) AND {}", publicly_visible_sql());
    let visible: Vec<Uuid> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(ids).fetch_all(conn).await?;
    Ok(visible.into_iter().collect())
}

/// Whether anyone may see the work: what other capabilities ask before they
/// let people act on one (a hidden work answers as if it did not exist).
pub async fn is_publicly_visible(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    let sql = format!("SELECT EXISTS (SELECT 1 FROM artworks a WHERE a.id = $1 AND {})", publicly_visible_sql());
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(conn).await
}

/// The conditions the artwork listing (`GET /api/artworks`) and search
/// (`GET /api/search`) share, over `artworks a`. Both endpoints have always
/// applied them with the same SQL; they differ only in how a request is
/// checked (the listing also refuses inverted price and year ranges).
#[derive(Clone, Debug, Default)]
pub struct ArtworkFilter {
    /// The category asked for, as given (search logs it and filters vectors by it).
    pub category: Option<Slug>,
    /// `category` and all its descendants, resolved before the query so that
    /// the query stays cheap to plan.
    pub category_ids: Option<Vec<Uuid>>,
    pub style: Option<Slug>,
    pub artist_id: Option<Uuid>,
    /// Inclusive, in minor units of whatever currency the work is priced in.
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    /// Inclusive; works without a year never match a year bound.
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
}

impl ArtworkFilter {
    /// Appends each set condition as ` AND …`.
    pub fn push_conditions(&self, q: &mut QueryBuilder<Postgres>) {
        if let Some(ids) = &self.category_ids {
            q.push(" AND a.category_id = ANY(").push_bind(ids.clone()).push(")");
        }
        if let Some(style) = &self.style {
            q.push(" AND a.styles @> ARRAY[").push_bind(style.as_str().to_owned()).push("]::text[]");
        }
        if let Some(artist) = self.artist_id {
            q.push(" AND a.artist_id = ").push_bind(artist);
        }
        if let Some(min) = self.min_price {
            q.push(" AND a.price_minor >= ").push_bind(min);
        }
        if let Some(max) = self.max_price {
            q.push(" AND a.price_minor <= ").push_bind(max);
        }
        if let Some(from) = self.year_from {
            q.push(" AND a.year >= ").push_bind(from);
        }
        if let Some(to) = self.year_to {
            q.push(" AND a.year <= ").push_bind(to);
        }
    }
}

/// A parsed listing query. `statuses` is never empty; visibility rules have
/// already been applied by the route.
#[derive(Debug, Default)]
pub struct ListFilter {
    /// Category, style, artist, price and year: the conditions search shares.
    pub conditions: ArtworkFilter,
    pub tag: Option<Slug>,
    pub currency: Option<String>,
    pub statuses: Vec<ArtworkStatus>,
    pub saved_by: Option<Uuid>,
    /// Whether works held for review are listed (to moderators and their artist).
    pub include_held: bool,
    pub sort: Sort,
    pub after: Option<Cursor>,
    pub limit: i64,
}

pub struct Page {
    pub rows: Vec<ArtworkRow>,
    pub next_cursor: Option<String>,
}

pub async fn list(conn: &mut PgConnection, filter: &ListFilter) -> sqlx::Result<Page> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(SELECT_ARTWORK);
    if filter.saved_by.is_some() {
        q.push(" JOIN saves sv ON sv.artwork_id = a.id");
    }
    q.push(" WHERE a.status = ANY(").push_bind(filter.statuses.clone()).push(")");
    if !filter.include_held {
        q.push(" AND NOT a.held_for_review");
    }
    if let Some(user) = filter.saved_by {
        q.push(" AND sv.user_id = ").push_bind(user);
    }
    filter.conditions.push_conditions(&mut q);
    if let Some(tag) = &filter.tag {
        q.push(" AND EXISTS (SELECT 1 FROM artwork_tags t WHERE t.artwork_id = a.id AND t.tag_slug = ")
            .push_bind(tag.as_str().to_owned())
            .push(")");
    }
    if let Some(currency) = &filter.currency {
        q.push(" AND a.currency = ").push_bind(currency.clone());
    }
    if let Some(cursor) = &filter.after {
        match filter.sort {
            Sort::Newest => {
                q.push(" AND a.id < ").push_bind(cursor.id);
            }
            Sort::PriceAsc => {
                q.push(" AND (a.price_minor, a.id) > (")
                    .push_bind(cursor.price)
                    .push(", ")
                    .push_bind(cursor.id)
                    .push(")");
            }
            Sort::PriceDesc => {
                q.push(" AND (a.price_minor, a.id) < (")
                    .push_bind(cursor.price)
                    .push(", ")
                    .push_bind(cursor.id)
                    .push(")");
            }
        }
    }
    q.push(match filter.sort {
        Sort::Newest => " ORDER BY a.id DESC",
        Sort::PriceAsc => " ORDER BY a.price_minor ASC, a.id ASC",
        Sort::PriceDesc => " ORDER BY a.price_minor DESC, a.id DESC",
    });
    // One extra row tells whether another page exists without a count query.
    q.push(" LIMIT ").push_bind(filter.limit + 1);
    let mut rows: Vec<ArtworkRow> = q.build_query_as().fetch_all(conn).await?;
    let next_cursor = if rows.len() as i64 > filter.limit {
        rows.truncate(filter.limit as usize);
        rows.last().map(|last| Cursor { price: last.price_minor, id: last.id }.encode())
    } else {
        None
    };
    Ok(Page { rows, next_cursor })
}

/// The artist of each of `ids` that exists.
pub async fn artists_of(conn: &mut PgConnection, ids: &[Uuid]) -> sqlx::Result<Vec<(Uuid, Uuid)>> {
    sqlx::query_as("SELECT id, artist_id FROM artworks WHERE id = ANY($1)").bind(ids).fetch_all(conn).await
}

/// One of an artist's works, as their own lists name it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WorkSummary {
    pub id: Uuid,
    pub title: String,
    pub status: ArtworkStatus,
}

/// Every work of the artist, whatever its status, newest first.
pub async fn works_of_artist(conn: &mut PgConnection, artist_id: Uuid) -> sqlx::Result<Vec<WorkSummary>> {
    sqlx::query_as("SELECT id, title, status FROM artworks WHERE artist_id = $1 ORDER BY id DESC")
        .bind(artist_id)
        .fetch_all(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_a_price_and_an_id() {
        let id = Uuid::now_v7();
        let cursor = Cursor::decode(&Cursor { price: 125_000, id }.encode()).unwrap();
        assert_eq!((cursor.price, cursor.id), (125_000, id));
        let simple = id.simple().to_string();
        for bad in ["", "garbage!", &format!("+5.{id}"), &format!("5.{simple}"), &format!("12345678901234.{id}")] {
            assert!(Cursor::decode(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_sql_visibility_rule_is_the_domain_rule() {
        assert_eq!(publicly_visible_sql(), "a.status IN ('published', 'reserved', 'sold') AND NOT a.held_for_review");
    }

    #[test]
    fn shared_conditions_are_appended_in_one_place() {
        let filter = ArtworkFilter {
            category_ids: Some(vec![Uuid::nil()]),
            style: Some(Slug::from_stored("cubism".to_owned())),
            min_price: Some(1),
            year_to: Some(1950),
            ..ArtworkFilter::default()
        };
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new("SELECT a.id FROM artworks a WHERE true");
        filter.push_conditions(&mut q);
        assert_eq!(
            q.into_string(),
            "SELECT a.id FROM artworks a WHERE true AND a.category_id = ANY($1) AND a.styles @> ARRAY[$2]::text[] \
             AND a.price_minor >= $3 AND a.year <= $4"
        );
    }
}
