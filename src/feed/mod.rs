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
