//! The review routes: an order's parties write and read their reviews,
//! anyone reads an artist's, signed-in people a collector's, anyone signed in
//! reports one, and moderators work through reports and hide reviews.

use axum::{Json, extract::State, http::StatusCode};
use chrono::Utc;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    domain::Draft,
    exchange,
    store::{self, Outcome, Subject},
    views::{OrderReviews, ReportedReview, ReviewPage, ReviewReportView, ReviewView},
};
use crate::{
    app::AppContext,
    auth::{Permission, Principal},
    catalog::{artists::resolve, domain::bounded_text},
    platform::{
        audit::{self, AuditEntry},
        http::{
            ApiJson, ApiPath, ApiQuery, ClientIp,
            error::{ApiError, ApiResult},
            rate_limit::{self, Limit},
        },
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(routes!(write_order_review, order_reviews))
        .routes(routes!(pending_reviews))
        .routes(routes!(artist_reviews))
        .routes(routes!(collector_reviews))
        .routes(routes!(get_review))
        .routes(rate_limit::limited(Limit::Messages, routes!(report_review)))
        .routes(routes!(review_reports))
        .routes(routes!(resolve_review_report))
        .routes(routes!(hide_review, unhide_review))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// Whole stars, 1 to 5.
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i64,
    /// Plain text of up to 2,000 characters: line breaks and tabs, no other
    /// control characters, something besides white space.
    #[schema(
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub body: String,
}

/// Review the other party to an order you bought or sold: its artist if you
/// bought it, its buyer if you sold it. You may from the moment the order
/// completes until the window closes (`window.closes_at`, 14 days later by
/// default), once; a review cannot be edited or withdrawn. Reviews are
/// double-blind: the other party and the public read yours only once they
/// have written theirs or the window has closed, and the second review
/// publishes both at once.
#[utoipa::path(post, path = "/api/orders/{id}/reviews", tag = "reviews", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order")), request_body = ReviewRequest,
    responses(
        (status = 201, body = OrderReviews, description = "Written; the order's reviews as you now see them"),
        (status = 403),
        (status = 404, description = "No such order of yours"),
        (status = 409, description = "You have reviewed it already, the order has not completed, or the window has closed"),
    ))]
async fn write_order_review(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ReviewRequest>,
) -> ApiResult<(StatusCode, Json<OrderReviews>)> {
    principal.require(Permission::Interact)?;
    let draft = Draft::parse(request.rating, &request.body)?;
    let view = exchange::write(&ctx, principal.user_id, id, &draft, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// An order's reviews as you, its buyer or its artist, see them: the window,
/// yours, and the other party's once it is published (or where it stands).
#[utoipa::path(get, path = "/api/orders/{id}/reviews", tag = "reviews", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order")),
    responses((status = 200, body = OrderReviews), (status = 404, description = "No such order of yours")))]
async fn order_reviews(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<OrderReviews>> {
    Ok(Json(exchange::of_order(&ctx, principal.user_id, id, Utc::now()).await?))
}

/// The orders you bought or sold that you may still review, the soonest to
/// close first (at most 50).
#[utoipa::path(get, path = "/api/me/reviews/pending", tag = "reviews", security(("bearer" = [])),
    responses((status = 200, body = Vec<OrderReviews>)))]
async fn pending_reviews(State(ctx): State<AppContext>, principal: Principal) -> ApiResult<Json<Vec<OrderReviews>>> {
    Ok(Json(exchange::pending(&ctx, principal.user_id, Utc::now()).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewListQuery {
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^[0-9]{1,20}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    pub cursor: Option<String>,
}

/// What buyers said of an artist: published reviews that no moderator hid,
/// the latest first, 20 a page, each from a verified purchase, with the
/// average rating and count of them all.
#[utoipa::path(get, path = "/api/artists/{id}/reviews", tag = "reviews", security((), ("bearer" = [])),
    params(("id" = String, Path, description = "Artist id or slug"), ReviewListQuery),
    responses((status = 200, body = ReviewPage), (status = 404)))]
async fn artist_reviews(
    State(ctx): State<AppContext>,
    ApiPath(key): ApiPath<String>,
    ApiQuery(query): ApiQuery<ReviewListQuery>,
) -> ApiResult<Json<ReviewPage>> {
    let mut conn = ctx.db.acquire().await?;
    let artist = resolve(&mut conn, &key).await?.ok_or_else(|| ApiError::NotFound("no such artist".to_owned()))?;
    drop(conn);
    Ok(Json(exchange::page(&ctx, Subject::Artist(artist), query.cursor.as_deref(), Utc::now()).await?))
}

/// What artists said of a collector they sold to, as the artist list does
/// (an id that names nobody has none). Collectors have no public profile:
/// signed-in people only, such as an artist deciding on an order.
#[utoipa::path(get, path = "/api/users/{id}/reviews", tag = "reviews", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The collector's account"), ReviewListQuery),
    responses((status = 200, body = ReviewPage)))]
async fn collector_reviews(
    State(ctx): State<AppContext>,
    _principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<ReviewListQuery>,
) -> ApiResult<Json<ReviewPage>> {
    Ok(Json(exchange::page(&ctx, Subject::Collector(id), query.cursor.as_deref(), Utc::now()).await?))
}

/// One review: its author and moderators always see it (with why it was
/// hidden, if it was), the other party to the order once it is published
/// and not hidden.
#[utoipa::path(get, path = "/api/reviews/{id}", tag = "reviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = ReviewView), (status = 404)))]
async fn get_review(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ReviewView>> {
    let moderator = principal.can(Permission::ModerateCatalog);
    Ok(Json(exchange::one(&ctx, principal.user_id, moderator, id, Utc::now()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewReportRequest {
    /// What is wrong: up to 1,000 characters, line breaks and tabs but no
    /// other control characters, something besides white space.
    #[schema(
        max_length = 1000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub reason: String,
}

fn short_text(field: &str, raw: &str) -> ApiResult<String> {
    bounded_text(raw, 1000, true).map_err(|message| ApiError::field(field, message))
}

async fn report_view(ctx: &AppContext, id: Uuid) -> ApiResult<ReviewReportView> {
    let mut conn = ctx.db.acquire().await?;
    let row =
        store::report_by_id(&mut conn, id).await?.ok_or_else(|| ApiError::NotFound("no such report".to_owned()))?;
    Ok(row.into())
}

/// Report a published review to the moderators. Reporting again while your
/// report is open changes nothing.
#[utoipa::path(post, path = "/api/reviews/{id}/reports", tag = "reviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ReviewReportRequest,
    responses((status = 201, body = ReviewReportView), (status = 403),
        (status = 404, description = "No such published review"), (status = 409, description = "Your own review")))]
async fn report_review(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ReviewReportRequest>,
) -> ApiResult<(StatusCode, Json<ReviewReportView>)> {
    principal.require(Permission::Interact)?;
    let reason = short_text("reason", &request.reason)?;
    let report = exchange::report(&ctx, principal.user_id, id, &reason, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(report_view(&ctx, report).await?)))
}

fn moderator(principal: &Principal) -> ApiResult<()> {
    principal.require(Permission::ModerateCatalog)
}

/// Moderators: open reports on reviews, oldest first (100 at most), each
/// with the review.
#[utoipa::path(get, path = "/api/review-reports", tag = "reviews", security(("bearer" = [])),
    responses((status = 200, body = Vec<ReportedReview>), (status = 403)))]
async fn review_reports(State(ctx): State<AppContext>, principal: Principal) -> ApiResult<Json<Vec<ReportedReview>>> {
    moderator(&principal)?;
    Ok(Json(exchange::reported(&ctx, Utc::now()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewResolveRequest {
    /// Why the review stays: up to 1,000 characters, line breaks and tabs
    /// but no other control characters, something besides white space.
    #[schema(
        max_length = 1000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub resolution: String,
}

/// Moderators: close a report and keep the review as it is. To take the
/// review out of view instead, hide it (which closes its reports).
#[utoipa::path(post, path = "/api/review-reports/{id}/resolve", tag = "reviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ReviewResolveRequest,
    responses((status = 200, body = ReviewReportView), (status = 403), (status = 404, description = "No such open report")))]
async fn resolve_review_report(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ReviewResolveRequest>,
) -> ApiResult<Json<ReviewReportView>> {
    moderator(&principal)?;
    let resolution = short_text("resolution", &request.resolution)?;
    let mut tx = ctx.db.begin().await?;
    if !store::resolve_report(&mut tx, id, principal.user_id, Outcome::Kept, &resolution).await? {
        return Err(ApiError::NotFound("no such open report".to_owned()));
    }
    let entry = AuditEntry {
        actor_id: Some(principal.user_id),
        action: "review_report.keep",
        entity_type: "review_report",
        entity_id: Some(id),
        details: serde_json::json!({ "resolution": resolution }),
        ip: Some(&ip),
    };
    audit::record(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(Json(report_view(&ctx, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HideReviewRequest {
    /// Why: shown to the review's author and to moderators. Up to 1,000
    /// characters, line breaks and tabs but no other control characters,
    /// something besides white space.
    #[schema(
        max_length = 1000,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub reason: String,
}

/// Hides or shows a review again, with its audit row; answers it as
/// moderators see it.
async fn set_hidden(
    ctx: &AppContext,
    principal: &Principal,
    ip: &str,
    id: Uuid,
    reason: Option<&str>,
) -> ApiResult<ReviewView> {
    moderator(principal)?;
    let now = Utc::now();
    let mut tx = ctx.db.begin().await?;
    if !store::set_hidden(&mut tx, id, reason.map(|r| (principal.user_id, r)), now).await? {
        return Err(ApiError::NotFound("no such review".to_owned()));
    }
    let resolved = match reason {
        Some(reason) => store::resolve_reports_of(&mut tx, id, principal.user_id, Outcome::Hidden, reason).await?,
        None => 0,
    };
    let entry = AuditEntry {
        actor_id: Some(principal.user_id),
        action: if reason.is_some() { "review.hide" } else { "review.unhide" },
        entity_type: "review",
        entity_id: Some(id),
        details: serde_json::json!({ "reason": reason, "reports_resolved": resolved }),
        ip: Some(ip),
    };
    audit::record(&mut tx, entry).await?;
    tx.commit().await?;
    exchange::one(ctx, principal.user_id, true, id, now).await
}

/// Moderators: take a review out of view, saying why. It leaves every list
/// and summary and the other party's view; its author sees that it was
/// hidden and why. Its open reports close as `hidden`. Hiding it again
/// replaces the reason.
#[utoipa::path(put, path = "/api/reviews/{id}/hidden", tag = "reviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = HideReviewRequest,
    responses((status = 200, body = ReviewView), (status = 403), (status = 404)))]
async fn hide_review(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<HideReviewRequest>,
) -> ApiResult<Json<ReviewView>> {
    moderator(&principal)?;
    let reason = short_text("reason", &request.reason)?;
    Ok(Json(set_hidden(&ctx, &principal, &ip, id, Some(&reason)).await?))
}

/// Moderators: show a hidden review again.
#[utoipa::path(delete, path = "/api/reviews/{id}/hidden", tag = "reviews", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = ReviewView), (status = 403), (status = 404)))]
async fn unhide_review(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ReviewView>> {
    Ok(Json(set_hidden(&ctx, &principal, &ip, id, None).await?))
}
