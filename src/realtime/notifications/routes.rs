//! The notification routes: the inbox, read marks and preferences.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{Kind, Notification, email, store};
use crate::{
    app::AppContext,
    auth::Principal,
    platform::http::{
        ApiJson, ApiPath, ApiQuery, Bounded, bearer_matches,
        error::{ApiError, ApiResult},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(unread_notifications))
        .routes(routes!(mark_notification_read))
        .routes(routes!(mark_all_notifications_read))
        .routes(routes!(notification_preferences, set_notification_preferences))
        .routes(routes!(unsubscribe_from_notification_mail))
        .routes(routes!(cron_notification_mail))
}

const PAGE_SIZE: i64 = 20;
const MAX_PAGE_SIZE: i64 = 100;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    pub cursor: Option<Uuid>,
    /// Only the unread ones.
    #[serde(default)]
    pub unread: bool,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<Notification>,
    pub next_cursor: Option<Uuid>,
    /// Unread notifications in all, not only on this page.
    pub unread: i64,
}

fn view(row: store::Row) -> Option<Notification> {
    // A kind this build no longer knows is left out rather than failing the page.
    Some(Notification {
        id: row.id,
        kind: Kind::parse(&row.kind)?,
        data: row.data,
        created_at: row.created_at,
        read_at: row.read_at,
    })
}

/// Your notifications, newest first.
#[utoipa::path(get, path = "/api/me/notifications", tag = "notifications", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = NotificationPage)))]
async fn list_notifications(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<NotificationPage>> {
    let limit = query.limit.unwrap_or(PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 100"));
    }
    let mut conn = ctx.db.acquire().await?;
    let mut rows = store::page(&mut conn, principal.user_id, query.cursor, query.unread, limit + 1).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if more { rows.last().map(|r| r.id) } else { None };
    let unread = store::unread(&mut conn, principal.user_id).await?;
    Ok(Json(NotificationPage { items: rows.into_iter().filter_map(view).collect(), next_cursor, unread }))
}

#[derive(Serialize, ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
}

/// How many of your notifications are unread.
#[utoipa::path(get, path = "/api/me/notifications/unread-count", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = UnreadCount)))]
async fn unread_notifications(State(ctx): State<AppContext>, principal: Principal) -> ApiResult<Json<UnreadCount>> {
    let mut conn = ctx.db.acquire().await?;
    Ok(Json(UnreadCount { unread: store::unread(&mut conn, principal.user_id).await? }))
}

/// Mark one notification read. Marking it again changes nothing.
#[utoipa::path(post, path = "/api/me/notifications/{id}/read", tag = "notifications", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = UnreadCount), (status = 404)))]
async fn mark_notification_read(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<UnreadCount>> {
    let mut conn = ctx.db.acquire().await?;
    if !store::mark_read(&mut conn, principal.user_id, id).await? {
        return Err(ApiError::NotFound("no such notification".to_owned()));
    }
    Ok(Json(UnreadCount { unread: store::unread(&mut conn, principal.user_id).await? }))
}

/// Mark every notification read.
#[utoipa::path(post, path = "/api/me/notifications/read", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = UnreadCount)))]
async fn mark_all_notifications_read(
    State(ctx): State<AppContext>,
    principal: Principal,
) -> ApiResult<Json<UnreadCount>> {
    let mut conn = ctx.db.acquire().await?;
    store::mark_all_read(&mut conn, principal.user_id).await?;
    Ok(Json(UnreadCount { unread: 0 }))
}

/// How one kind of notification reaches the person: in the app, by mail.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct Preference {
    pub kind: Kind,
    pub in_app: bool,
    pub email: bool,
}

/// A change to one kind; a channel left out keeps its setting.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferenceChange {
    pub kind: Kind,
    pub in_app: Option<bool>,
    pub email: Option<bool>,
}

async fn preference_list(conn: &mut sqlx::PgConnection, user_id: Uuid) -> sqlx::Result<Vec<Preference>> {
    let chosen = store::preferences(conn, user_id).await?;
    Ok(Kind::ALL
        .into_iter()
        .map(|kind| {
            let choice = chosen.iter().find(|(k, _, _)| k == kind.as_str());
            Preference {
                kind,
                in_app: choice.is_none_or(|(_, in_app, _)| *in_app),
                email: choice.and_then(|(_, _, email)| *email).unwrap_or(kind.mailed_by_default()),
            }
        })
        .collect())
}

/// How each kind of notification reaches you, every kind listed.
#[utoipa::path(get, path = "/api/me/notification-preferences", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = Vec<Preference>), (status = 401)))]
async fn notification_preferences(
    State(ctx): State<AppContext>,
    principal: Principal,
) -> ApiResult<Json<Vec<Preference>>> {
    let mut conn = ctx.db.acquire().await?;
    Ok(Json(preference_list(&mut conn, principal.user_id).await?))
}

/// Turn kinds of notification on or off, in the app or by mail; kinds and
/// channels left out keep their setting, and a kind named twice takes its
/// last setting.
#[utoipa::path(put, path = "/api/me/notification-preferences", tag = "notifications", security(("bearer" = [])),
    request_body = Vec<PreferenceChange>, responses((status = 200, body = Vec<Preference>), (status = 401), (status = 422)))]
async fn set_notification_preferences(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiJson(changes): ApiJson<Vec<PreferenceChange>>,
) -> ApiResult<Json<Vec<Preference>>> {
    // The last word on each kind counts; at most one write per kind, however
    // long the list.
    let mut latest: Vec<PreferenceChange> = Vec::new();
    for change in changes.into_iter().rev() {
        if !latest.iter().any(|p| p.kind == change.kind) {
            latest.push(change);
        }
    }
    let mut tx = ctx.db.begin().await?;
    for change in &latest {
        store::set_preference(&mut tx, principal.user_id, change.kind, change.in_app, change.email).await?;
    }
    let list = preference_list(&mut tx, principal.user_id).await?;
    tx.commit().await?;
    Ok(Json(list))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UnsubscribeQuery {
    /// The token from the mail's unsubscribe link.
    #[param(value_type = String, max_length = 200)]
    pub token: Bounded<200>,
}

/// Stop all notification mail, in one click from a message (RFC 8058: mail
/// clients POST here with `List-Unsubscribe=One-Click`). The token in the
/// link names the account; no session is needed. Notifications in the app
/// stay as they are, and mail can be turned back on kind by kind.
#[utoipa::path(post, path = "/api/me/notifications/unsubscribe", tag = "notifications", params(UnsubscribeQuery),
    responses(
        (status = 204, description = "No more notification mail"),
        (status = 403, description = "The token is not one we signed"),
        (status = 422),
    ))]
async fn unsubscribe_from_notification_mail(
    State(ctx): State<AppContext>,
    ApiQuery(query): ApiQuery<UnsubscribeQuery>,
) -> ApiResult<StatusCode> {
    let user_id = email::unsubscriber(&ctx, query.token.as_str())
        .ok_or_else(|| ApiError::Forbidden("this unsubscribe link is not valid".to_owned()))?;
    let mut tx = ctx.db.begin().await?;
    store::stop_all_mail(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many notifications a run of the mailer settled.
#[derive(Serialize, ToSchema)]
pub struct NotificationMailRun {
    pub mailed: usize,
    pub skipped: usize,
}

/// Mail the notifications that are due (Vercel Cron). Requires
/// `Authorization: Bearer <CRON_SECRET>`; without a configured secret the
/// route does not exist.
#[utoipa::path(get, path = "/api/cron/notification-mail", tag = "notifications",
    responses(
        (status = 200, body = NotificationMailRun),
        (status = 401),
        (status = 404),
    ))]
async fn cron_notification_mail(
    State(ctx): State<AppContext>,
    headers: HeaderMap,
) -> ApiResult<Json<NotificationMailRun>> {
    let Some(secret) = ctx.config.cron_secret.as_ref() else {
        return Err(ApiError::NotFound("no such route".to_owned()));
    };
    if !bearer_matches(&headers, secret) {
        return Err(ApiError::Unauthorized("the cron secret is missing or wrong".to_owned()));
    }
    let run = email::send_due(&ctx).await?;
    Ok(Json(NotificationMailRun { mailed: run.mailed, skipped: run.skipped }))
}
