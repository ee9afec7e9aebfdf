//! `/api/auth/*`, `/api/me` and `/.well-known/jwks.json`.

use axum::{
    Json,
    body::Bytes,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    Permission, Principal, Role,
    domain::{DisplayName, Email, SignupRole},
    password::{self, Password},
    store::{self, ClientInfo, Rotation, SessionLifetimes, UserRow},
    throttle,
    tokens::hash_opaque_token,
};
use crate::{
    app::AppContext,
    platform::{
        audit::{self, AuditEntry},
        http::error::{ApiError, ApiResult, FieldErrors, OnConstraint},
        http::rate_limit::{self, Limit},
        http::{ApiJson, Bounded, ClientIp},
    },
};

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(rate_limit::limited(Limit::SignIn, routes!(register)))
        .routes(rate_limit::limited(Limit::SignIn, routes!(login)))
        .routes(rate_limit::limited(Limit::SignIn, routes!(refresh)))
        .routes(rate_limit::limited(Limit::Account, routes!(logout)))
        .routes(routes!(get_me))
        .routes(rate_limit::limited(Limit::Account, routes!(update_me)))
        .routes(routes!(jwks))
        .merge(super::recovery::router())
        .merge(super::sessions::router())
        .merge(super::mfa::router())
}

const REFRESH_COOKIE: &str = "refresh_token";

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// The artist profile of this account, once created.
    pub artist_id: Option<Uuid>,
    /// Whether the owner has opened the link mailed to the address. Until
    /// then the account can browse and save, but not buy, sell or message.
    pub email_verified: bool,
    pub created_at: DateTime<Utc>,
}

impl From<UserRow> for UserView {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            role: row.role,
            artist_id: row.artist_id,
            email_verified: row.email_verified_at.is_some(),
            created_at: row.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SessionView {
    pub user: UserView,
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Only for clients that asked for it (`refresh_token_in_body`, or a
    /// refresh that presented its token in the body). Browsers get it in an
    /// HttpOnly cookie scoped to `/api/auth` instead, out of scripts' reach.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// Where a new refresh token goes: a browser keeps it in an HttpOnly cookie
/// no script can read; a native or server-side client, which has no cookie
/// jar worth the name, asks for it in the body.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Delivery {
    Cookie,
    Body,
}

impl Delivery {
    fn asked(in_body: bool) -> Self {
        if in_body { Self::Body } else { Self::Cookie }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(value_type = String, max_length = 254, pattern = r"^[\x21\x23-\x3F\x41-\x7E]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")]
    pub email: Bounded<254>,
    /// Also has to be hard to guess, and not made of the e-mail or the name.
    #[schema(value_type = String, min_length = 8, max_length = 128)]
    pub password: Bounded<128>,
    #[schema(value_type = String, max_length = 80, pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$")]
    pub display_name: Bounded<80>,
    pub role: SignupRole,
    /// Answer with the refresh token in the body rather than only in the
    /// cookie; for clients that are not browsers.
    #[serde(default)]
    pub refresh_token_in_body: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(value_type = String, max_length = 254)]
    pub email: Bounded<254>,
    #[schema(value_type = String, max_length = 128)]
    pub password: Bounded<128>,
    /// Answer with the refresh token in the body rather than only in the
    /// cookie; for clients that are not browsers.
    #[serde(default)]
    pub refresh_token_in_body: bool,
}

/// Optional body of refresh and logout: the token may come from the cookie
/// instead. A token presented here is answered in the body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[schema(value_type = String, max_length = 256)]
    pub refresh_token: Bounded<256>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    #[schema(value_type = Option<String>, max_length = 80, pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$")]
    pub display_name: Option<Bounded<80>>,
    /// Required when `new_password` is given.
    #[schema(value_type = Option<String>, max_length = 128)]
    pub current_password: Option<Bounded<128>>,
    /// Also has to be hard to guess, and not made of the e-mail or the name.
    #[schema(value_type = Option<String>, min_length = 8, max_length = 128)]
    pub new_password: Option<Bounded<128>>,
}

fn lifetimes(ctx: &AppContext) -> SessionLifetimes {
    SessionLifetimes { idle: ctx.config.auth.refresh_idle_ttl, absolute: ctx.config.auth.refresh_absolute_ttl }
}

fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok())
}

fn refresh_cookie(value: &str, max_age_secs: u64) -> HeaderValue {
    let cookie =
        format!("{REFRESH_COOKIE}={value}; Path=/api/auth; HttpOnly; Secure; SameSite=Strict; Max-Age={max_age_secs}");
    HeaderValue::from_str(&cookie).expect("refresh tokens are URL-safe base64")
}

fn session_response(
    ctx: &AppContext,
    status: StatusCode,
    user: UserRow,
    session_id: Uuid,
    refresh: &str,
    delivery: Delivery,
) -> ApiResult<Response> {
    let access_token = ctx.tokens.issue_access(user.id, user.role, session_id)?;
    let body = SessionView {
        user: user.into(),
        access_token,
        token_type: "Bearer",
        expires_in: ctx.tokens.access_ttl_secs(),
        refresh_token: (delivery == Delivery::Body).then(|| refresh.to_owned()),
    };
    let mut response = (status, Json(body)).into_response();
    if delivery == Delivery::Cookie {
        response
            .headers_mut()
            .insert(header::SET_COOKIE, refresh_cookie(refresh, ctx.config.auth.refresh_idle_ttl.as_secs()));
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub(super) async fn hash_password(password: Password) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(ApiError::Internal)
}

pub(super) async fn verify_password(candidate: String, stored: String) -> ApiResult<bool> {
    tokio::task::spawn_blocking(move || password::verify(&candidate, &stored))
        .await
        .map_err(|e| ApiError::Internal(e.into()))
}

/// Create an account and sign it in, and mail a link to confirm the address.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created and signed in", body = SessionView),
        (status = 409, description = "The e-mail is taken"),
        (status = 422, description = "Invalid fields"),
    ))]
async fn register(
    axum::extract::State(ctx): axum::extract::State<AppContext>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> ApiResult<Response> {
    let mut errors = FieldErrors::new();
    let email = errors.check("email", Email::parse(req.email.as_str()));
    let display_name = errors.check("display_name", DisplayName::parse(req.display_name.as_str()));
    let local_part = req.email.as_str().split('@').next().unwrap_or_default();
    let password =
        errors.check("password", Password::parse(req.password.as_str(), &[local_part, req.display_name.as_str()]));
    let (email, display_name, password) = errors.finish(|| Some((email?, display_name?, password?)))?;
    let hash = hash_password(password).await?;

    let mut tx = ctx.db.begin().await?;
    let user = store::insert_user(&mut tx, &email, &hash, &display_name, req.role.into())
        .await
        .on_constraint("users_email_normalized_key", || {
            ApiError::Conflict("an account with this e-mail already exists".to_owned())
        })?;
    let client = ClientInfo { ip: &ip, user_agent: user_agent(&headers) };
    let (session_id, refresh) = store::create_session(&mut tx, user.id, &lifetimes(&ctx), &client).await?;
    let verification = super::recovery::post_verification(&ctx, &mut tx, &user, &email).await?;
    audit::record(
        &mut tx,
        AuditEntry {
            actor_id: Some(user.id),
            action: "auth.register",
            entity_type: "user",
            entity_id: Some(user.id),
            details: serde_json::json!({ "role": user.role }),
            ip: Some(&ip),
        },
    )
    .await?;
    tx.commit().await?;
    verification.dispatch(&ctx).await;
    session_response(
        &ctx,
        StatusCode::CREATED,
        user,
        session_id,
        refresh.as_str(),
        Delivery::asked(req.refresh_token_in_body),
    )
}

/// Sign in with e-mail and password. An account with a second factor gets
/// a token for the second step (`POST /api/auth/login/mfa`) instead of a session.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = SessionView),
        (status = 202, description = "The password is right; a code from the second factor is needed", body = super::mfa::MfaChallenge),
        (status = 401, description = "Wrong e-mail or password (never says which)"),
        (status = 429, description = "Too many failed attempts, or rate limited; see Retry-After", headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn login(
    axum::extract::State(ctx): axum::extract::State<AppContext>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let normalized = req.email.as_str().trim().to_lowercase();
    // No account can have such an address; answering like any other failure keeps
    // control characters away from the throttle keys and the database.
    if normalized.chars().any(char::is_control) {
        return Err(ApiError::Unauthorized("the e-mail or password is wrong".to_owned()));
    }
    throttle::check(ctx.kv.as_ref(), &normalized, &ip).await?;
    let user = store::user_by_email(&ctx.db, &normalized).await?;
    let stored_hash = user.as_ref().map_or_else(|| password::decoy_hash().to_owned(), |u| u.password_hash.clone());
    let password_ok = verify_password(req.password.into_inner(), stored_hash).await?;
    let Some(user) = user.filter(|_| password_ok) else {
        throttle::record_failure(ctx.kv.as_ref(), &normalized, &ip).await?;
        return Err(ApiError::Unauthorized("the e-mail or password is wrong".to_owned()));
    };
    throttle::record_success(ctx.kv.as_ref(), &normalized).await?;
    if let Some(challenge) = super::mfa::challenge(&ctx, &user).await? {
        return Ok(challenge);
    }
    sign_in(&ctx, user, &ip, &headers, req.refresh_token_in_body, "auth.login").await
}

/// Opens a session for `user`, whose credentials were checked, and answers
/// it; a device the account has not used before is told by mail.
pub(super) async fn sign_in(
    ctx: &AppContext,
    user: UserRow,
    ip: &str,
    headers: &HeaderMap,
    refresh_token_in_body: bool,
    action: &'static str,
) -> ApiResult<Response> {
    let mut tx = ctx.db.begin().await?;
    let client = ClientInfo { ip, user_agent: user_agent(headers) };
    let (session_id, refresh) = store::create_session(&mut tx, user.id, &lifetimes(ctx), &client).await?;
    let notice = super::sessions::post_if_new_device(ctx, &mut tx, &user, session_id, client.user_agent, ip).await?;
    audit::record(
        &mut tx,
        AuditEntry {
            actor_id: Some(user.id),
            action,
            entity_type: "session",
            entity_id: Some(session_id),
            details: serde_json::json!({}),
            ip: Some(ip),
        },
    )
    .await?;
    tx.commit().await?;
    if let Some(notice) = notice {
        notice.dispatch(ctx).await;
    }
    session_response(ctx, StatusCode::OK, user, session_id, refresh.as_str(), Delivery::asked(refresh_token_in_body))
}

/// The refresh token from the JSON body, else from the cookie, and where
/// its successor goes: back the way it came.
fn presented_refresh_token(headers: &HeaderMap, body: &Bytes) -> ApiResult<Option<(String, Delivery)>> {
    if let Some(req) = optional_json::<RefreshRequest>(headers, body)? {
        return Ok(Some((req.refresh_token.into_inner(), Delivery::Body)));
    }
    let from_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == REFRESH_COOKIE)
        .map(|(_, value)| (value.to_owned(), Delivery::Cookie));
    Ok(from_cookie)
}

/// Parses a JSON body that may be absent altogether.
fn optional_json<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> ApiResult<Option<T>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == "application" && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"))
        });
    if !is_json {
        return Err(ApiError::UnsupportedMediaType("send the body as application/json".to_owned()));
    }
    let not_json = || ApiError::BadRequest("the body is not valid JSON".to_owned());
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    // As an `Option`, so that a `null` body is no body, as the document allows.
    let value: Option<T> =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| match e.inner().classify() {
            serde_json::error::Category::Data => ApiError::field(e.path().to_string(), e.inner().to_string()),
            _ => not_json(),
        })?;
    deserializer.end().map_err(|_| not_json())?;
    Ok(value)
}

/// Exchange a refresh token for a new access token and a new refresh token.
///
/// Each refresh token works once. Presenting one that was already used signs out
/// the whole session it belongs to (a stolen copy is assumed) and answers 401.
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body(content = Option<RefreshRequest>, description = "Omit to use the cookie"),
    responses(
        (status = 200, description = "New tokens", body = SessionView),
        (status = 401, description = "Missing, expired, revoked or reused token"),
    ))]
async fn refresh(
    axum::extract::State(ctx): axum::extract::State<AppContext>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let (presented, delivery) = presented_refresh_token(&headers, &body)?
        .ok_or_else(|| ApiError::Unauthorized("no refresh token was presented".to_owned()))?;
    match store::rotate(&ctx.db, &hash_opaque_token(&presented), ctx.config.auth.refresh_idle_ttl).await? {
        Rotation::Rotated { user_id, session_id, token } => {
            let mut conn = ctx.db.acquire().await?;
            let user = store::user_by_id(&mut conn, user_id)
                .await?
                .ok_or_else(|| ApiError::Unauthorized("the account no longer exists".to_owned()))?;
            session_response(&ctx, StatusCode::OK, user, session_id, token.as_str(), delivery)
        }
        Rotation::Reused { user_id, session_id } => {
            tracing::warn!(%user_id, %session_id, "refresh token reuse; session revoked");
            let mut conn = ctx.db.acquire().await?;
            audit::record(
                &mut conn,
                AuditEntry {
                    actor_id: Some(user_id),
                    action: "auth.refresh_reuse",
                    entity_type: "session",
                    entity_id: Some(session_id),
                    details: serde_json::json!({}),
                    ip: Some(&ip),
                },
            )
            .await?;
            Err(ApiError::Unauthorized(
                "this refresh token was already used; the session has been signed out".to_owned(),
            ))
        }
        Rotation::Invalid => Err(ApiError::Unauthorized("the refresh token is invalid or expired".to_owned())),
    }
}

/// End the session of the presented refresh token (body or cookie), or of the bearer token.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security((), ("bearer" = [])), request_body(content = Option<RefreshRequest>, description = "Omit to use the cookie or the bearer token"),
    responses(
        (status = 204, description = "Signed out; the cookie is cleared"),
        (status = 401, description = "Nothing identified a session"),
    ))]
async fn logout(
    axum::extract::State(ctx): axum::extract::State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: crate::auth::MaybePrincipal,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let from_token = match presented_refresh_token(&headers, &body)? {
        Some((token, _)) => store::session_of_token(&ctx.db, &hash_opaque_token(&token)).await?,
        None => None,
    };
    let session = from_token.or(principal.0.map(|p| (p.session_id, p.user_id)));
    let Some((session_id, user_id)) = session else {
        return Err(ApiError::Unauthorized("no session was presented".to_owned()));
    };
    let mut tx = ctx.db.begin().await?;
    store::revoke_session(&mut tx, session_id, "logout").await?;
    audit::record(
        &mut tx,
        AuditEntry {
            actor_id: Some(user_id),
            action: "auth.logout",
            entity_type: "session",
            entity_id: Some(session_id),
            details: serde_json::json!({}),
            ip: Some(&ip),
        },
    )
    .await?;
    tx.commit().await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(header::SET_COOKIE, refresh_cookie("", 0));
    Ok(response)
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, body = UserView),
    ))]
async fn get_me(
    axum::extract::State(ctx): axum::extract::State<AppContext>,
    principal: Principal,
) -> ApiResult<Json<UserView>> {
    let mut conn = ctx.db.acquire().await?;
    let user = store::user_by_id(&mut conn, principal.user_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the account no longer exists".to_owned()))?;
    Ok(Json(user.into()))
}

/// Change the display name or the password. A password change signs out every
/// other session; wrong current passwords count towards the sign-in throttle.
#[utoipa::path(patch, path = "/api/me", tag = "auth", security(("bearer" = [])), request_body = UpdateMeRequest,
    responses(
        (status = 200, body = UserView),
    ))]
async fn update_me(
    axum::extract::State(ctx): axum::extract::State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiJson(req): ApiJson<UpdateMeRequest>,
) -> ApiResult<Json<UserView>> {
    principal.require(Permission::EditAccount)?;
    let mut conn = ctx.db.acquire().await?;
    let current = store::user_by_id(&mut conn, principal.user_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the account no longer exists".to_owned()))?;
    drop(conn);

    let mut errors = FieldErrors::new();
    let display_name = match &req.display_name {
        Some(raw) => errors.check("display_name", DisplayName::parse(raw.as_str())),
        None => None,
    };
    let new_password = match &req.new_password {
        Some(raw) => {
            let local_part = current.email.split('@').next().unwrap_or_default();
            errors.check("new_password", Password::parse(raw.as_str(), &[local_part, &current.display_name]))
        }
        None => None,
    };
    if new_password.is_some() {
        // A stolen access token must not buy unlimited guesses at the password
        // it would take to lock the owner out: the sign-in throttle applies.
        let account = current.email.trim().to_lowercase();
        throttle::check(ctx.kv.as_ref(), &account, &ip).await?;
        let confirmed = match req.current_password.clone() {
            Some(candidate) => verify_password(candidate.into_inner(), current.password_hash.clone()).await?,
            None => false,
        };
        if confirmed {
            throttle::record_success(ctx.kv.as_ref(), &account).await?;
        } else {
            throttle::record_failure(ctx.kv.as_ref(), &account, &ip).await?;
            errors.push("current_password", "must be your current password");
        }
    }
    errors.into_result()?;
    let new_hash = match new_password {
        Some(password) => Some(hash_password(password).await?),
        None => None,
    };

    let mut tx = ctx.db.begin().await?;
    store::update_user(&mut tx, principal.user_id, display_name.as_ref(), new_hash.as_deref()).await?;
    let notice = if new_hash.is_some() {
        store::revoke_other_sessions(&mut tx, principal.user_id, principal.session_id, "password changed").await?;
        Some(super::recovery::post_password_changed(&ctx, &mut tx, &current).await?)
    } else {
        None
    };
    audit::record(
        &mut tx,
        AuditEntry {
            actor_id: Some(principal.user_id),
            action: "account.update",
            entity_type: "user",
            entity_id: Some(principal.user_id),
            details: serde_json::json!({
                "display_name": display_name.is_some(),
                "password": new_hash.is_some(),
            }),
            ip: Some(&ip),
        },
    )
    .await?;
    let user = store::user_by_id(&mut tx, principal.user_id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("user vanished inside its own update")))?;
    tx.commit().await?;
    if let Some(notice) = notice {
        notice.dispatch(&ctx).await;
    }
    Ok(Json(user.into()))
}

/// The public keys that verify access tokens (RFC 7517).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth",
    responses((status = 200, description = "JSON Web Key Set", body = Object)))]
async fn jwks(axum::extract::State(ctx): axum::extract::State<AppContext>) -> Response {
    let mut response = Json(ctx.tokens.jwks()).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}
