//! `/api/admin/mail`: what operators need to see of mail that did not go
//! out; `/api/dev/mail`: the embedded mailbox, in development only.

use axum::{Json, extract::State};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::store::{self, MessageSummary, State as MailState};
use crate::{
    app::AppContext,
    auth::{Permission, Principal},
    platform::{
        config::Environment,
        http::{
            ApiQuery, Bounded,
            error::{ApiError, ApiResult},
        },
        mail::MailboxEntry,
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new().routes(routes!(operator_mail)).routes(routes!(development_mailbox))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MailQuery {
    /// Only messages in this state; `bounced` and `failed` are the ones to look into.
    pub state: Option<MailState>,
    /// The page after this message (the last id of the page before).
    pub before: Option<Uuid>,
    /// At most 100; 50 by default.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// Mail the marketplace sent or tried to send, newest first: who it was for,
/// which message, and for bounced and failed ones, why. Bodies are not kept
/// once a message is settled.
#[utoipa::path(get, path = "/api/admin/mail", tag = "mail", security(("bearer" = [])), params(MailQuery),
    responses(
        (status = 200, body = Vec<MessageSummary>),
        (status = 401),
        (status = 403),
        (status = 422),
    ))]
async fn operator_mail(
    State(ctx): State<AppContext>,
    principal: Principal,
    ApiQuery(query): ApiQuery<MailQuery>,
) -> ApiResult<Json<Vec<MessageSummary>>> {
    principal.require(Permission::ModerateCatalog)?;
    let limit = match query.limit {
        None => 50,
        Some(limit @ 1..=100) => limit,
        Some(_) => return Err(ApiError::field("limit", "must be between 1 and 100")),
    };
    let mut conn = ctx.db.acquire().await?;
    Ok(Json(store::list(&mut conn, query.state, query.before, limit).await?))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MailboxQuery {
    /// Only mail to this address (any case).
    #[param(value_type = Option<String>, max_length = 254)]
    pub to: Option<Bounded<254>>,
}

/// What the embedded mailbox received, newest first (at most 50): a
/// developer's inbox for every account on this machine. Only in development
/// and with `MAIL=local`; anywhere else the route does not exist.
#[utoipa::path(get, path = "/api/dev/mail", tag = "mail", params(MailboxQuery),
    responses(
        (status = 200, body = Vec<MailboxEntry>),
        (status = 404, description = "Not in development, or mail leaves the machine"),
        (status = 422),
    ))]
async fn development_mailbox(
    State(ctx): State<AppContext>,
    ApiQuery(query): ApiQuery<MailboxQuery>,
) -> ApiResult<Json<Vec<MailboxEntry>>> {
    let mailbox = ctx
        .local_mailbox
        .as_ref()
        .filter(|_| ctx.config.environment == Environment::Development)
        .ok_or_else(|| ApiError::NotFound("no such route".to_owned()))?;
    Ok(Json(mailbox.list(query.to.as_ref().map(Bounded::as_str), 50).await?))
}
