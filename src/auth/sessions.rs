//! `/api/me/sessions`: where the account is signed in (device, address,
//! when), ending one session or all the others, and the mail that tells the
//! owner when a device it has not seen before signs in.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;
use woothee::parser::Parser;

use super::{
    Principal,
    store::{self, UserRow},
};
use crate::{
    app::AppContext,
    mail::{self, Letter, Posted, Template},
    platform::{
        audit::{self, AuditEntry},
        http::error::{ApiError, ApiResult},
        http::rate_limit::{self, Limit},
        http::{ApiPath, ClientIp},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(routes!(my_sessions))
        .routes(rate_limit::limited(Limit::Account, routes!(end_session)))
        .routes(rate_limit::limited(Limit::Account, routes!(end_other_sessions)))
}

/// "Firefox on Linux", as far as the user agent says.
pub fn device(user_agent: Option<&str>) -> String {
    const UNKNOWN: &str = "UNKNOWN";
    match user_agent.and_then(|agent| Parser::new().parse(agent)) {
        Some(found) if found.name != UNKNOWN && found.os != UNKNOWN => format!("{} on {}", found.name, found.os),
        Some(found) if found.name != UNKNOWN => found.name.to_owned(),
        Some(found) if found.os != UNKNOWN => format!("A browser on {}", found.os),
        _ => "An unknown device".to_owned(),
    }
}

/// Posts the new-device notice when none of the account's earlier sessions
/// was on a device like this one's.
pub(super) async fn post_if_new_device(
    ctx: &AppContext,
    conn: &mut sqlx::PgConnection,
    user: &UserRow,
    session_id: Uuid,
    user_agent: Option<&str>,
    ip: &str,
) -> ApiResult<Option<Posted>> {
    let this = device(user_agent);
    let earlier = store::recent_user_agents(conn, user.id, session_id).await?;
    if earlier.iter().any(|agent| device(agent.as_deref()) == this) {
        return Ok(None);
    }
    let letter = Letter {
        user_id: Some(user.id),
        to: &user.email,
        language: &user.language,
        template: Template::NewSignIn,
        vars: serde_json::json!({
            "name": user.display_name,
            "device": this,
            "ip": ip,
            "when": Utc::now().format("%-d %B %Y, %H:%M UTC").to_string(),
            "link": format!("{}/account/security/", ctx.config.site_url),
        }),
        unsubscribe: None,
    };
    Ok(Some(mail::post(ctx, conn, letter).await?))
}

/// One place the account is signed in.
#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    pub id: Uuid,
    /// The browser and system, as its user agent says: "Firefox on Linux".
    pub device: String,
    /// The address it signed in from.
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    /// Whether it is the session asking.
    pub current: bool,
}

/// Where the account is signed in, the most recently used first.
#[utoipa::path(get, path = "/api/me/sessions", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionInfo>), (status = 401)))]
async fn my_sessions(State(ctx): State<AppContext>, principal: Principal) -> ApiResult<Json<Vec<SessionInfo>>> {
    let mut conn = ctx.db.acquire().await?;
    let rows = store::live_sessions(&mut conn, principal.user_id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|row| SessionInfo {
                device: device(row.user_agent.as_deref()),
                current: row.id == principal.session_id,
                id: row.id,
                ip: row.ip,
                created_at: row.created_at,
                last_used_at: row.last_used_at,
            })
            .collect(),
    ))
}

/// Sign one session out, this one included; its tokens stop working at once.
#[utoipa::path(delete, path = "/api/me/sessions/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401),
        (status = 404, description = "No live session of this account has the id"),
        (status = 429, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn end_session(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    let mut tx = ctx.db.begin().await?;
    if !store::revoke_own_session(&mut tx, principal.user_id, id).await? {
        return Err(ApiError::NotFound("no such session".to_owned()));
    }
    audit::record(
        &mut tx,
        AuditEntry {
            actor_id: Some(principal.user_id),
            action: "auth.session_ended",
            entity_type: "session",
            entity_id: Some(id),
            details: serde_json::json!({}),
            ip: Some(&ip),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct SignedOut {
    /// How many sessions ended.
    pub signed_out: u64,
}

/// Sign out everywhere but here.
#[utoipa::path(post, path = "/api/me/sessions/sign-out-others", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, body = SignedOut),
        (status = 401),
        (status = 429, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn end_other_sessions(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
) -> ApiResult<Json<SignedOut>> {
    let mut tx = ctx.db.begin().await?;
    let signed_out = store::revoke_other_sessions(
        &mut tx,
        principal.user_id,
        principal.session_id,
        "signed out from another session",
    )
    .await?;
    audit::record(
        &mut tx,
        AuditEntry {
            actor_id: Some(principal.user_id),
            action: "auth.other_sessions_ended",
            entity_type: "session",
            entity_id: Some(principal.session_id),
            details: serde_json::json!({ "signed_out": signed_out }),
            ip: Some(&ip),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(SignedOut { signed_out }))
}

#[cfg(test)]
mod tests {
    use super::device;

    #[test]
    fn devices_are_named_by_browser_and_system() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(device(Some(firefox)), "Firefox on Linux");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        assert_eq!(device(Some(safari)), "Safari on iPhone");
        assert_eq!(device(Some("something odd/1")), "An unknown device");
        assert_eq!(device(None), "An unknown device");
    }
}
