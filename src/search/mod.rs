//! Discovery by words and by meaning: hybrid search over the catalogue.

pub mod cards;
pub mod clicks;
pub mod eval;
pub mod fusion;
pub mod indexing;
pub mod keyword;
pub mod routes;
pub mod similar;
mod store;

pub fn router() -> utoipa_axum::router::OpenApiRouter<crate::app::AppContext> {
    routes::router().merge(similar::router()).merge(clicks::router())
}

/// One work's showing in search over a span of time.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ImpressionCounts {
    pub artwork_id: uuid::Uuid,
    /// Search answers that showed it.
    pub impressions: i64,
    /// Of those, the ones whose searcher opened it.
    pub clicks: i64,
    /// The sum of its positions in them (1 is first): over `impressions`, its
    /// average position.
    pub position_sum: i64,
}

/// Each work's impressions, clicks and positions among the searches made in
/// `[start, end)`, for works any search showed: what artist insights roll up.
/// A click counts with its search, whenever it came (within
/// [`clicks::CLICK_WINDOW`]).
pub async fn impression_counts(
    conn: &mut sqlx::PgConnection,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<Vec<ImpressionCounts>> {
    store::impression_counts(conn, start, end).await
}

/// Query analytics name who searched for what, so they are kept no longer
/// than `SEARCH_HISTORY_RETENTION_DAYS`, and so are the impressions of the
/// searches (the rollups keep their counts); scheduled runs call this.
pub async fn purge_old_queries(ctx: &crate::app::AppContext) -> anyhow::Result<u64> {
    Ok(store::purge_queries_before(&ctx.db, ctx.config.search_history_retention).await?)
}

/// Forgets everything `user_id` searched for, when they ask to be forgotten.
pub async fn forget_queries(conn: &mut sqlx::PgConnection, user_id: uuid::Uuid) -> sqlx::Result<()> {
    store::forget_queries(conn, user_id).await
}

use crate::{
    catalog::{artworks::store::ArtworkFilter, domain::ArtworkStatus},
    platform::vectors::VectorFilter,
};

/// Filters a search applies to both of its sides: the catalog's shared artwork
/// conditions, the same ones `GET /api/artworks` applies.
pub type SearchFilter = ArtworkFilter;

/// The public statuses as the vector payload stores them. Works held for
/// review are kept out of the index altogether (`indexing`), so the statuses
/// are all a vector search needs of the visibility rule.
pub fn public_statuses() -> Vec<String> {
    ArtworkStatus::PUBLIC.iter().map(|s| s.as_str().to_owned()).collect()
}

/// The search conditions for the vector index, limited to publicly visible works.
pub fn vector_filter(filter: &SearchFilter) -> VectorFilter {
    VectorFilter {
        category: filter.category.as_ref().map(|c| c.as_str().to_owned()),
        style: filter.style.as_ref().map(|s| s.as_str().to_owned()),
        artist_id: filter.artist_id,
        min_price: filter.min_price,
        max_price: filter.max_price,
        year_from: filter.year_from,
        year_to: filter.year_to,
        statuses: public_statuses(),
        exclude: Vec::new(),
    }
}
