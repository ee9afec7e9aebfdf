//! The compact artwork card search results, recommendations and feeds show.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    catalog::{
        artworks::{ArtistRef, store::publicly_visible_sql},
        domain::Price,
    },
    media::images::{self, VariantView},
    platform::objects::ObjectStore,
};

#[derive(Clone, Serialize, ToSchema)]
pub struct ArtworkCard {
    pub id: Uuid,
    pub title: String,
    pub artist: ArtistRef,
    pub year: Option<i32>,
    /// Category slug.
    pub category: String,
    pub styles: Vec<String>,
    pub price: Price,
    /// The cover image's variants (WebP and JPEG, smallest first), when it has one.
    pub thumbnail: Option<Vec<VariantView>>,
    /// The cover's dominant colour (`#rrggbb`), for a placeholder.
    pub dominant_color: Option<String>,
}

#[derive(sqlx::FromRow)]
struct CardRow {
    id: Uuid,
    title: String,
    artist_id: Uuid,
    artist_slug: String,
    artist_name: String,
    year: Option<i32>,
    category: String,
    styles: Vec<String>,
    price_minor: i64,
    currency: String,
}

/// Cards for the publicly visible artworks among `ids`; withdrawn or held
/// works are left out, so a stale index entry never surfaces them.
pub async fn visible_cards(
    conn: &mut PgConnection,
    objects: &dyn ObjectStore,
    ids: &[Uuid],
) -> anyhow::Result<HashMap<Uuid, ArtworkCard>> {
    let rows: Vec<CardRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT a.id, a.title, a.artist_id, ar.slug AS artist_slug, ar.name AS artist_name, a.year,
                c.slug AS category, a.styles, a.price_minor, a.currency
         FROM artworks a JOIN artists ar ON ar.id = a.artist_id JOIN categories c ON c.id = a.category_id
         WHERE a.id = ANY($1) AND {}",
        publicly_visible_sql()
    )))
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    let found: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut covers = images::for_artworks(conn, objects, &found).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let cover = covers.remove(&row.id).and_then(|images| images.into_iter().next());
            let card = ArtworkCard {
                id: row.id,
                title: row.title,
                artist: ArtistRef { id: row.artist_id, slug: row.artist_slug, name: row.artist_name },
                year: row.year,
                category: row.category,
                styles: row.styles,
                price: Price { amount_minor: row.price_minor, currency: row.currency },
                dominant_color: cover.as_ref().and_then(|c| c.palette.first()).map(|s| s.hex.clone()),
                thumbnail: cover.map(|c| c.variants),
            };
            (card.id, card)
        })
        .collect())
}
