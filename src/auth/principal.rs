//! Who is calling: the bearer token's user, checked against a live session.

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, request::Parts},
};
use std::sync::Arc;

use sqlx::PgPool;
use uuid::Uuid;

use super::{Permission, Role, store, tokens::TokenKeys};
use crate::{
    app::AppContext,
    platform::http::{
        CallerIdentity,
        error::{ApiError, ApiResult},
    },
};

#[derive(Clone, Debug)]
pub struct Principal {
    pub user_id: Uuid,
    pub role: Role,
    pub session_id: Uuid,
    pub email_verified: bool,
}

impl Principal {
    pub fn require(&self, permission: Permission) -> ApiResult<()> {
        if !self.role.allows(permission) {
            Err(ApiError::Forbidden(format!("a {} account cannot do this", self.role.as_str())))
        } else if permission.needs_verified_email() && !self.email_verified {
            Err(ApiError::EmailUnverified)
        } else {
            Ok(())
        }
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.role.allows(permission)
    }
}

/// A caller who may or may not be signed in. A token that is present but invalid
/// is still refused: a client with a broken token should learn it, not silently
/// see the anonymous view.
pub struct MaybePrincipal(pub Option<Principal>);

fn bearer_token(headers: &HeaderMap) -> Option<Result<&str, ApiError>> {
    let header = headers.get(axum::http::header::AUTHORIZATION)?;
    let value = match header.to_str() {
        Ok(v) => v,
        Err(_) => return Some(Err(ApiError::Unauthorized("malformed Authorization header".to_owned()))),
    };
    Some(match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(token.trim()),
        _ => Err(ApiError::Unauthorized("use the Bearer scheme".to_owned())),
    })
}

async fn authenticate(ctx: &AppContext, token: &str) -> ApiResult<Principal> {
    let claims = ctx
        .tokens
        .verify_access(token)
        .map_err(|_| ApiError::Unauthorized("the access token is invalid or expired".to_owned()))?;
    // The session is checked on every request so that logout and reuse detection
    // take effect at once, and the role is read fresh so a demotion does too.
    let (role, email_verified) = store::live_session_role(&ctx.db, claims.sid, claims.sub)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the session has ended; sign in again".to_owned()))?;
    Ok(Principal { user_id: claims.sub, role, session_id: claims.sid, email_verified })
}

/// The caller a session names, if the session is still live: for credentials
/// other than an access token that stand for one (a live connection's ticket).
pub async fn session_principal(ctx: &AppContext, user_id: Uuid, session_id: Uuid) -> ApiResult<Principal> {
    let (role, email_verified) = store::live_session_role(&ctx.db, session_id, user_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the session has ended; sign in again".to_owned()))?;
    Ok(Principal { user_id, role, session_id, email_verified })
}

/// The user a validly signed, unexpired access token names, without the
/// session check (no database round trip). Enough to key per-user state such
/// as rate limits and idempotency records, never to authorise: the handler
/// still authenticates the caller.
/// Tells callers apart for the route middleware: by their token, and where
/// it matters by their live session.
pub struct Callers {
    pub tokens: Arc<TokenKeys>,
    pub db: PgPool,
}

#[async_trait::async_trait]
impl CallerIdentity for Callers {
    fn subject(&self, headers: &HeaderMap) -> Option<Uuid> {
        let token = bearer_token(headers)?.ok()?;
        self.tokens.verify_access(token).ok().map(|claims| claims.sub)
    }

    async fn signed_in(&self, headers: &HeaderMap) -> Option<Uuid> {
        let token = bearer_token(headers)?.ok()?;
        let claims = self.tokens.verify_access(token).ok()?;
        match store::live_session_role(&self.db, claims.sid, claims.sub).await {
            Ok(role) => role.map(|_| claims.sub),
            Err(error) => {
                tracing::warn!(error = ?error, "checking a session for the route middleware failed");
                None
            }
        }
    }
}

impl FromRequestParts<AppContext> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, ctx: &AppContext) -> Result<Self, Self::Rejection> {
        match bearer_token(&parts.headers) {
            None => Err(ApiError::Unauthorized("sign in to do this".to_owned())),
            Some(token) => authenticate(ctx, token?).await,
        }
    }
}

impl FromRequestParts<AppContext> for MaybePrincipal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, ctx: &AppContext) -> Result<Self, Self::Rejection> {
        match bearer_token(&parts.headers) {
            None => Ok(Self(None)),
            Some(token) => Ok(Self(Some(authenticate(ctx, token?).await?))),
        }
    }
}
