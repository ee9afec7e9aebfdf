//! Collections: named, ordered lists of works with a note on each, like
//! boards. Anyone signed in keeps personal ones, public or private;
//! moderators make editorial ones, which the home page shows once published
//! and which have their own pages by slug. Public collections whose title
//! matches a search are among its results.

pub mod domain;
mod routes;
mod store;
pub mod views;

pub use routes::router;

use crate::{
    auth::Principal,
    platform::{http::error::ApiResult, objects::ObjectStore},
};

/// Search looks at this many title matches for each result it may show:
/// matches without a work on view are left out.
const CANDIDATES_PER_RESULT: usize = 4;

/// Public collections whose title matches `query` and that have works on
/// view, best first, at most `limit`: the collections search shows with its
/// works.
pub async fn search_public(
    conn: &mut sqlx::PgConnection,
    objects: &dyn ObjectStore,
    query: &str,
    viewer: Option<&Principal>,
    limit: usize,
) -> ApiResult<Vec<views::CollectionSummary>> {
    let rows = store::matching_public(conn, query, (limit * CANDIDATES_PER_RESULT) as i64).await?;
    let mut found = views::summaries(conn, objects, rows, viewer, None).await?;
    found.retain(|c| c.item_count > 0);
    found.truncate(limit);
    Ok(found)
}
