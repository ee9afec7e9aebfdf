//! Discovery driven by what collectors do: the interaction memory, the taste
//! learnt from it, and the recommendations built on both.

pub mod curation;
pub mod interactions;
pub mod recommendations;
mod store;
pub mod taste;

/// The interactions family's routes: the memory, preferences and recommendations.
pub fn router() -> utoipa_axum::router::OpenApiRouter<crate::app::AppContext> {
    interactions::router().merge(recommendations::router()).merge(curation::router())
}

/// One work's interactions in a span of time, as the interaction memory holds
/// them now: a repeat within a day was never recorded, and a like taken back
/// is gone.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct InteractionCounts {
    pub artwork_id: uuid::Uuid,
    pub views: i64,
    pub likes: i64,
    pub saves: i64,
    pub shares: i64,
}

/// Each work's views, likes, saves and shares recorded in `[start, end)`,
/// for works with any: what artist insights roll up.
pub async fn interaction_counts(
    conn: &mut sqlx::PgConnection,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<Vec<InteractionCounts>> {
    store::interaction_counts(conn, start, end).await
}
