//! Tickets: how a browser authenticates a live connection. A WebSocket
//! handshake (and an `EventSource`) cannot carry an Authorization header, and
//! an access token in a URL would end up in logs. A ticket is random, lives
//! `REALTIME_TICKET_SECONDS` (30 by default), works once, and stands for the
//! session that asked for it.

use axum::{Json, extract::State, http::StatusCode};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    app::AppContext,
    auth::{Principal, principal::session_principal},
    platform::http::error::{ApiError, ApiResult},
};

#[derive(Serialize, ToSchema)]
pub struct Ticket {
    /// Pass as `?ticket=` when connecting.
    pub ticket: String,
    /// Seconds it stays valid.
    pub expires_in: u64,
}

/// Keys hold a hash of the ticket: the store never has one that works.
fn key(kind: &str, ticket: &str) -> String {
    let digest = Sha256::digest(ticket.as_bytes());
    format!("rt-{kind}:{}", URL_SAFE_NO_PAD.encode(digest))
}

/// A ticket for your next live connection.
#[utoipa::path(post, path = "/api/realtime/ticket", tag = "realtime", security(("bearer" = [])),
    responses((status = 201, body = Ticket)))]
pub async fn issue_realtime_ticket(
    State(ctx): State<AppContext>,
    principal: Principal,
) -> ApiResult<(StatusCode, Json<Ticket>)> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let ticket = URL_SAFE_NO_PAD.encode(bytes);
    let mut value = principal.user_id.as_bytes().to_vec();
    value.extend_from_slice(principal.session_id.as_bytes());
    let lifetime = ctx.config.realtime.ticket_lifetime;
    ctx.kv.put(&key("ticket", &ticket), &value, lifetime).await.map_err(ApiError::Internal)?;
    Ok((StatusCode::CREATED, Json(Ticket { ticket, expires_in: lifetime.as_secs() })))
}

/// Who a live connection is for: the bearer token's caller, else the
/// ticket's, else nobody (public channels only).
pub async fn caller(ctx: &AppContext, bearer: Option<Principal>, ticket: Option<&str>) -> ApiResult<Option<Principal>> {
    match (bearer, ticket) {
        (Some(principal), _) => Ok(Some(principal)),
        (None, Some(ticket)) => Ok(Some(redeem(ctx, ticket).await?)),
        (None, None) => Ok(None),
    }
}

/// The caller a ticket stands for, once: a second use, an expired ticket and
/// one never issued are all refused alike.
async fn redeem(ctx: &AppContext, ticket: &str) -> ApiResult<Principal> {
    let refused = || ApiError::Unauthorized("the ticket is invalid, used or expired".to_owned());
    if ticket.is_empty() || ticket.len() > 64 {
        return Err(refused());
    }
    // Read before claiming, so tickets never issued cost no write.
    let value = ctx.kv.get(&key("ticket", ticket)).await.map_err(ApiError::Internal)?.ok_or_else(refused)?;
    let lifetime = ctx.config.realtime.ticket_lifetime;
    let claimed = ctx.kv.put_if_absent(&key("used", ticket), b"", lifetime * 2).await.map_err(ApiError::Internal)?;
    if !claimed {
        return Err(refused());
    }
    let (user, session) = value.split_at_checked(16).ok_or_else(refused)?;
    let (user_id, session_id) =
        (Uuid::from_slice(user).map_err(|_| refused())?, Uuid::from_slice(session).map_err(|_| refused())?);
    session_principal(ctx, user_id, session_id).await
}
