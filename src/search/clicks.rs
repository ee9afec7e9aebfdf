//! `POST /api/search/clicks`: the searcher opened one of the results a search
//! answer showed. The position comes from the stored impression, never from
//! the client, so a client can only say which shown result was opened.

use axum::{extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::store;
use crate::{
    app::AppContext,
    platform::http::{
        ApiJson,
        error::{ApiError, ApiResult},
        rate_limit::{self, Limit},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new().routes(rate_limit::limited(Limit::Search, routes!(record_search_click)))
}

/// A click counts if it comes within this long of its search. A click counts
/// on the day of its search (so a day's click-through rate is about that day's
/// impressions), and the rollup recomputes yesterday and today: an hour keeps
/// every click inside the days it recomputes.
pub const CLICK_WINDOW: std::time::Duration = std::time::Duration::from_secs(3600);

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchClick {
    /// The `search_id` of the search answer that showed the work.
    pub search_id: Uuid,
    /// The work opened; one of that answer's `items`.
    pub artwork_id: Uuid,
}

/// Record that the searcher opened one of a search answer's results. Opening
/// it again is the same click.
#[utoipa::path(post, path = "/api/search/clicks", tag = "search", security((), ("bearer" = [])),
    request_body = SearchClick,
    responses(
        (status = 204, description = "Counted (also when it was counted before)"),
        (status = 422, description = "That search did not show the work, or is more than an hour old"),
    ))]
async fn record_search_click(
    State(ctx): State<AppContext>,
    ApiJson(click): ApiJson<SearchClick>,
) -> ApiResult<StatusCode> {
    if store::record_click(&ctx.db, click.search_id, click.artwork_id, CLICK_WINDOW).await? {
        return Ok(StatusCode::NO_CONTENT);
    }
    match store::impression_clicked(&ctx.db, click.search_id, click.artwork_id).await? {
        Some(true) => Ok(StatusCode::NO_CONTENT),
        Some(false) => Err(ApiError::field("search_id", "clicks count within an hour of their search")),
        None => Err(ApiError::field("artwork_id", "was not among that search's results")),
    }
}
