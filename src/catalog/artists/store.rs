//! Artist queries: lookup by id, slug or account, the profile row with its
//! counts, profile writes, and follows.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::catalog::artworks::store::publicly_visible_sql;

#[derive(sqlx::FromRow)]
pub struct ArtistRow {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub slug: String,
    pub name: String,
    pub bio: String,
    pub location: Option<String>,
    pub links: sqlx::types::Json<Vec<String>>,
    pub styles: Vec<String>,
    pub birth_year: Option<i32>,
    pub death_year: Option<i32>,
    pub external_ref: Option<String>,
    pub follower_count: i64,
    pub artwork_count: i64,
    pub following: Option<bool>,
    pub created_at: DateTime<Utc>,
}

/// Resolves an artist by id or slug.
pub async fn resolve(conn: &mut PgConnection, key: &str) -> sqlx::Result<Option<Uuid>> {
    let key = key.trim();
    // PostgreSQL refuses NUL in text; no slug has one, so the key names nobody.
    if key.contains('\0') {
        return Ok(None);
    }
    match Uuid::parse_str(key) {
        Ok(id) => sqlx::query_scalar("SELECT id FROM artists WHERE id = $1").bind(id).fetch_optional(conn).await,
        Err(_) => sqlx::query_scalar("SELECT id FROM artists WHERE slug = $1").bind(key).fetch_optional(conn).await,
    }
}

pub async fn artist_of_user(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT id FROM artists WHERE user_id = $1").bind(user_id).fetch_optional(conn).await
}

/// The account behind a profile; none for imported artists nobody claimed.
pub async fn account_of_artist(conn: &mut PgConnection, artist_id: Uuid) -> sqlx::Result<Option<Uuid>> {
    let row: Option<(Option<Uuid>,)> =
        sqlx::query_as("SELECT user_id FROM artists WHERE id = $1").bind(artist_id).fetch_optional(conn).await?;
    Ok(row.and_then(|(user,)| user))
}

/// The profile with its counts; `following` is `None` without a `viewer`.
pub async fn load(conn: &mut PgConnection, id: Uuid, viewer: Option<Uuid>) -> sqlx::Result<Option<ArtistRow>> {
    // The works are aliased `a` as the visibility rule expects; the artist
    // is `p` here.
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT p.id, p.user_id, p.slug, p.name, p.bio, p.location, p.links, p.styles, p.birth_year, p.death_year,
                p.external_ref, p.created_at,
                (SELECT count(*) FROM follows f WHERE f.artist_id = p.id) AS follower_count,
                (SELECT count(*) FROM artworks a WHERE a.artist_id = p.id AND {}) AS artwork_count,
                CASE WHEN $2::uuid IS NULL THEN NULL
                     ELSE EXISTS (SELECT 1 FROM follows f WHERE f.artist_id = p.id AND f.user_id = $2) END AS following
         FROM artists p WHERE p.id = $1",
        publicly_visible_sql()
    )))
    .bind(id)
    .bind(viewer)
    .fetch_optional(conn)
    .await
}

pub struct NewArtist<'a> {
    pub id: Uuid,
    pub user_id: Uuid,
    pub slug: &'a str,
    /// `None` takes the account's display name.
    pub name: Option<String>,
    pub bio: String,
    /// Empty is stored as none.
    pub location: Option<String>,
    pub links: &'a [String],
    pub styles: &'a [String],
}

/// Inserts the profile of an existing account. A taken slug violates
/// `artists_slug_key`.
pub async fn insert(conn: &mut PgConnection, artist: NewArtist<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO artists (id, user_id, slug, name, bio, location, links, styles)
         SELECT $1, u.id, $3, COALESCE($4, u.display_name), $5, $6, $7, $8 FROM users u WHERE u.id = $2",
    )
    .bind(artist.id)
    .bind(artist.user_id)
    .bind(artist.slug)
    .bind(artist.name)
    .bind(artist.bio)
    .bind(artist.location.filter(|l| !l.is_empty()))
    .bind(sqlx::types::Json(artist.links))
    .bind(artist.styles)
    .execute(conn)
    .await?;
    Ok(())
}

/// Locks the profile for an edit and returns the account it belongs to
/// (none for an unclaimed import). The artist must exist.
pub async fn lock_owner(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT user_id FROM artists WHERE id = $1 FOR UPDATE").bind(id).fetch_one(conn).await
}

/// Fields to change; `None` keeps the stored value. An empty location clears it.
pub struct ArtistChanges {
    pub name: Option<String>,
    pub bio: Option<String>,
    pub location: Option<String>,
    pub links: Option<Vec<String>>,
    pub styles: Option<Vec<String>>,
}

pub async fn update(conn: &mut PgConnection, id: Uuid, changes: ArtistChanges) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE artists SET name = COALESCE($2, name), bio = COALESCE($3, bio),
             location = CASE WHEN $4::text IS NULL THEN location ELSE NULLIF($4, '') END,
             links = COALESCE($5, links), styles = COALESCE($6, styles), updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(changes.name)
    .bind(changes.bio)
    .bind(changes.location)
    .bind(changes.links.map(sqlx::types::Json))
    .bind(changes.styles)
    .execute(conn)
    .await?;
    Ok(())
}

/// Rebuilds the search documents of the artist's works, which carry the artist's name.
pub async fn refresh_artwork_search(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("SELECT refresh_artwork_search(array_agg(id)) FROM artworks WHERE artist_id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Following twice is the same as once.
pub async fn follow(conn: &mut PgConnection, user_id: Uuid, artist_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO follows (user_id, artist_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(user_id)
        .bind(artist_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn unfollow(conn: &mut PgConnection, user_id: Uuid, artist_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM follows WHERE user_id = $1 AND artist_id = $2")
        .bind(user_id)
        .bind(artist_id)
        .execute(conn)
        .await?;
    Ok(())
}
