//! The second factor: an authenticator app's time-based codes (RFC 6238,
//! through totp-rs) with ten single-use recovery codes. Enrolment shows the
//! secret and its QR code and takes effect with a first code; a sign-in with
//! a second factor is two steps; turning it off or making new recovery codes
//! needs the password again. A code works once: the step it was accepted in
//! is kept, and a code from that step or an earlier one is refused.

use std::time::Duration;

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    Permission, Principal,
    routes::{sign_in, verify_password},
    store::{self, TokenPurpose, UserRow},
    throttle,
    tokens::hash_opaque_token,
};
use crate::{
    app::AppContext,
    platform::{
        audit::{self, AuditEntry},
        http::error::{ApiError, ApiResult},
        http::rate_limit::{self, Limit},
        http::{ApiJson, Bounded, ClientIp},
    },
};

/// How long the step between password and code may take.
const CHALLENGE_FOR: Duration = Duration::from_secs(5 * 60);
/// Wrong codes one challenge takes before the password is asked again.
const CHALLENGE_TRIES: i64 = 5;
const RECOVERY_CODES: usize = 10;

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(routes!(mfa_status))
        .routes(rate_limit::limited(Limit::Account, routes!(start_totp, stop_totp)))
        .routes(rate_limit::limited(Limit::Account, routes!(confirm_totp)))
        .routes(rate_limit::limited(Limit::Account, routes!(new_recovery_codes)))
        .routes(rate_limit::limited(Limit::SignIn, routes!(login_second_step)))
}

fn totp(ctx: &AppContext, secret: &[u8], account: &str) -> ApiResult<Totp> {
    Builder::new()
        .with_secret(Secret::from(secret.to_vec()))
        .with_issuer(Some(ctx.config.mail.site_name.as_str()))
        .with_account_name(account)
        .build()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("building a TOTP: {e:?}")))
}

fn now_secs() -> u64 {
    chrono::Utc::now().timestamp().max(0) as u64
}

/// The step a code from the account's app was made in, if it is right now
/// and newer than the last one accepted.
fn accepted_step(factor: &store::TotpFactor, totp: &Totp, code: &str) -> Option<i64> {
    let step = totp.check(code.trim(), now_secs())? as i64;
    factor.last_used_step.is_none_or(|last| step > last).then_some(step)
}

fn recovery_hash(code: &str) -> Vec<u8> {
    // Typed with or without the dash, in either case.
    let canonical: String = code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
    Sha256::digest(canonical.as_bytes()).to_vec()
}

/// Ten fresh codes, "xxxxx-xxxxx" of base32 (50 bits each), replacing any before.
async fn issue_recovery_codes(conn: &mut sqlx::PgConnection, user_id: Uuid) -> ApiResult<RecoveryCodes> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 10];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let chars: String = bytes.iter().map(|b| ALPHABET[(*b & 31) as usize] as char).collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect();
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| recovery_hash(c)).collect();
    store::replace_recovery_codes(conn, user_id, &hashes).await?;
    Ok(RecoveryCodes { codes })
}

/// The password again, for what changes how the account is protected; the
/// sign-in throttle keeps it from being guessed through here.
async fn confirm_password(ctx: &AppContext, user: &UserRow, ip: &str, candidate: &Bounded<128>) -> ApiResult<()> {
    let account = user.email.to_lowercase();
    throttle::check(ctx.kv.as_ref(), &account, ip).await?;
    if verify_password(candidate.as_str().to_owned(), user.password_hash.clone()).await? {
        throttle::record_success(ctx.kv.as_ref(), &account).await?;
        Ok(())
    } else {
        throttle::record_failure(ctx.kv.as_ref(), &account, ip).await?;
        Err(ApiError::field("current_password", "must be your current password"))
    }
}

async fn current_user(conn: &mut sqlx::PgConnection, principal: &Principal) -> ApiResult<UserRow> {
    store::lock_user(conn, principal.user_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the account no longer exists".to_owned()))
}

#[derive(Serialize, ToSchema)]
pub struct MfaStatus {
    /// Whether sign-in asks for a code from an authenticator app.
    pub totp: bool,
    pub recovery_codes_left: i64,
}

/// Whether the account has a second factor, and how many recovery codes are left.
#[utoipa::path(get, path = "/api/me/mfa", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MfaStatus), (status = 401)))]
async fn mfa_status(State(ctx): State<AppContext>, principal: Principal) -> ApiResult<Json<MfaStatus>> {
    let mut conn = ctx.db.acquire().await?;
    Ok(Json(MfaStatus {
        totp: store::totp_enabled(&mut conn, principal.user_id).await?,
        recovery_codes_left: store::recovery_codes_left(&mut conn, principal.user_id).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordConfirmation {
    #[schema(value_type = String, max_length = 128)]
    pub current_password: Bounded<128>,
}

/// What an authenticator app needs: the secret, as a link and a QR code.
#[derive(Serialize, ToSchema)]
pub struct TotpEnrolment {
    /// The secret in base32, for typing into an app.
    pub secret: String,
    /// The `otpauth://` link the QR code holds.
    pub otpauth_url: String,
    /// The QR code, a PNG as a `data:` URL.
    pub qr_code: String,
}

/// Start using an authenticator app: a new secret, which takes effect once
/// a code from the app confirms it. Needs the password.
#[utoipa::path(post, path = "/api/me/mfa/totp", tag = "auth", security(("bearer" = [])), request_body = PasswordConfirmation,
    responses(
        (status = 201, body = TotpEnrolment),
        (status = 401),
        (status = 403),
        (status = 409, description = "An authenticator app is in use already; turn it off first"),
        (status = 422, description = "The password is wrong"),
        (status = 429, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn start_totp(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiJson(req): ApiJson<PasswordConfirmation>,
) -> ApiResult<(StatusCode, Json<TotpEnrolment>)> {
    principal.require(Permission::EditAccount)?;
    let mut tx = ctx.db.begin().await?;
    let user = current_user(&mut tx, &principal).await?;
    confirm_password(&ctx, &user, &ip, &req.current_password).await?;
    if store::lock_totp(&mut tx, user.id).await?.is_some_and(|f| f.confirmed) {
        return Err(ApiError::Conflict("an authenticator app is in use already; turn it off first".to_owned()));
    }
    let secret = Secret::generate();
    let bytes = secret.as_bytes().to_vec();
    let totp = totp(&ctx, &bytes, &user.email)?;
    store::put_totp(&mut tx, user.id, &bytes).await?;
    tx.commit().await?;
    let qr = totp.to_qr_base64().map_err(|e| ApiError::Internal(anyhow::anyhow!("drawing the QR code: {e:?}")))?;
    let otpauth_url = totp.to_url().map_err(|e| ApiError::Internal(anyhow::anyhow!("the otpauth link: {e:?}")))?;
    Ok((
        StatusCode::CREATED,
        Json(TotpEnrolment { secret: secret.to_base32(), otpauth_url, qr_code: format!("data:image/png;base64,{qr}") }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// The six digits the app shows now.
    #[schema(value_type = String, max_length = 16)]
    pub code: Bounded<16>,
}

/// Ten single-use codes for when the app is not at hand. Shown once.
#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

/// Confirm the authenticator app with a code from it: from now on sign-in
/// asks for a code. Answers the recovery codes, shown this once.
#[utoipa::path(post, path = "/api/me/mfa/totp/confirm", tag = "auth", security(("bearer" = [])), request_body = CodeRequest,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 401),
        (status = 409, description = "No enrolment is waiting, or it is confirmed already"),
        (status = 422, description = "The code is wrong, or was used already"),
        (status = 429, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn confirm_totp(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiJson(req): ApiJson<CodeRequest>,
) -> ApiResult<Json<RecoveryCodes>> {
    let mut tx = ctx.db.begin().await?;
    let user = current_user(&mut tx, &principal).await?;
    let factor = store::lock_totp(&mut tx, user.id)
        .await?
        .filter(|f| !f.confirmed)
        .ok_or_else(|| ApiError::Conflict("start with a new authenticator app first".to_owned()))?;
    let step = accepted_step(&factor, &totp(&ctx, &factor.secret, &user.email)?, req.code.as_str())
        .ok_or_else(|| ApiError::field("code", "is not the code the app shows now"))?;
    store::use_totp_step(&mut tx, user.id, step).await?;
    let codes = issue_recovery_codes(&mut tx, user.id).await?;
    record(&mut tx, &user, "auth.mfa_enabled", &ip).await?;
    tx.commit().await?;
    Ok(Json(codes))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StopTotpRequest {
    #[schema(value_type = String, max_length = 128)]
    pub current_password: Bounded<128>,
    /// A code from the app, or a recovery code.
    #[schema(value_type = String, max_length = 16)]
    pub code: Bounded<16>,
}

/// Stop asking for a code at sign-in. Needs the password and a code (from
/// the app or a recovery code); the recovery codes go too.
#[utoipa::path(delete, path = "/api/me/mfa/totp", tag = "auth", security(("bearer" = [])), request_body = StopTotpRequest,
    responses(
        (status = 204, description = "Sign-in asks for the password only"),
        (status = 401),
        (status = 409, description = "No authenticator app is in use"),
        (status = 422, description = "The password or the code is wrong"),
        (status = 429, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn stop_totp(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiJson(req): ApiJson<StopTotpRequest>,
) -> ApiResult<StatusCode> {
    let mut tx = ctx.db.begin().await?;
    let user = current_user(&mut tx, &principal).await?;
    let factor = store::lock_totp(&mut tx, user.id)
        .await?
        .filter(|f| f.confirmed)
        .ok_or_else(|| ApiError::Conflict("no authenticator app is in use".to_owned()))?;
    confirm_password(&ctx, &user, &ip, &req.current_password).await?;
    if !second_factor(&ctx, &mut tx, &user, &factor, req.code.as_str()).await? {
        return Err(ApiError::field("code", "is not a code from your app or one of your recovery codes"));
    }
    store::delete_second_factor(&mut tx, user.id).await?;
    record(&mut tx, &user, "auth.mfa_disabled", &ip).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace the recovery codes with ten new ones. Needs the password.
#[utoipa::path(post, path = "/api/me/mfa/recovery-codes", tag = "auth", security(("bearer" = [])), request_body = PasswordConfirmation,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 401),
        (status = 409, description = "No authenticator app is in use"),
        (status = 422, description = "The password is wrong"),
        (status = 429, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn new_recovery_codes(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiJson(req): ApiJson<PasswordConfirmation>,
) -> ApiResult<Json<RecoveryCodes>> {
    let mut tx = ctx.db.begin().await?;
    let user = current_user(&mut tx, &principal).await?;
    if !store::totp_enabled(&mut tx, user.id).await? {
        return Err(ApiError::Conflict("no authenticator app is in use".to_owned()));
    }
    confirm_password(&ctx, &user, &ip, &req.current_password).await?;
    let codes = issue_recovery_codes(&mut tx, user.id).await?;
    record(&mut tx, &user, "auth.recovery_codes_replaced", &ip).await?;
    tx.commit().await?;
    Ok(Json(codes))
}

/// Whether `code` is the app's current code (newer than the last accepted)
/// or an unused recovery code; either is used up.
async fn second_factor(
    ctx: &AppContext,
    conn: &mut sqlx::PgConnection,
    user: &UserRow,
    factor: &store::TotpFactor,
    code: &str,
) -> ApiResult<bool> {
    if let Some(step) = accepted_step(factor, &totp(ctx, &factor.secret, &user.email)?, code) {
        store::use_totp_step(conn, user.id, step).await?;
        return Ok(true);
    }
    Ok(store::use_recovery_code(conn, user.id, &recovery_hash(code)).await?)
}

async fn record(conn: &mut sqlx::PgConnection, user: &UserRow, action: &'static str, ip: &str) -> ApiResult<()> {
    audit::record(
        conn,
        AuditEntry {
            actor_id: Some(user.id),
            action,
            entity_type: "user",
            entity_id: Some(user.id),
            details: serde_json::json!({}),
            ip: Some(ip),
        },
    )
    .await?;
    Ok(())
}

/// The answer to a right password when a second factor is on: no session
/// yet, but a token for the second step.
#[derive(Serialize, ToSchema)]
pub struct MfaChallenge {
    /// Always true: send a code with this token to `POST /api/auth/login/mfa`.
    pub mfa_required: bool,
    /// Good for five minutes and five wrong codes.
    pub mfa_token: String,
}

/// Answers a right password for an account with a second factor, or `None`
/// when it has none.
pub(super) async fn challenge(ctx: &AppContext, user: &UserRow) -> ApiResult<Option<Response>> {
    let mut tx = ctx.db.begin().await?;
    if !store::totp_enabled(&mut tx, user.id).await? {
        return Ok(None);
    }
    let token = store::issue_token(&mut tx, user.id, TokenPurpose::MfaLogin, None, CHALLENGE_FOR).await?;
    tx.commit().await?;
    let body = MfaChallenge { mfa_required: true, mfa_token: token.as_str().to_owned() };
    Ok(Some((StatusCode::ACCEPTED, Json(body)).into_response()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondStepRequest {
    #[schema(value_type = String, max_length = 128)]
    pub mfa_token: Bounded<128>,
    /// A code from the app, or a recovery code.
    #[schema(value_type = String, max_length = 16)]
    pub code: Bounded<16>,
    /// Answer with the refresh token in the body rather than only in the
    /// cookie; for clients that are not browsers.
    #[serde(default)]
    pub refresh_token_in_body: bool,
}

/// The second step of a sign-in: the token from the first and a code from
/// the app (each accepted once) or a recovery code (each good once).
#[utoipa::path(post, path = "/api/auth/login/mfa", tag = "auth", request_body = SecondStepRequest,
    responses(
        (status = 200, description = "Signed in", body = super::routes::SessionView),
        (status = 401, description = "The token has expired, was used, or took too many wrong codes: sign in again"),
        (status = 422, description = "The code is wrong"),
        (status = 429, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn login_second_step(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SecondStepRequest>,
) -> ApiResult<Response> {
    let start_again = || ApiError::Unauthorized("this sign-in has expired; enter your password again".to_owned());
    let hash = hash_opaque_token(req.mfa_token.as_str());
    let mut tx = ctx.db.begin().await?;
    let user_id = store::token_owner(&mut tx, &hash, TokenPurpose::MfaLogin).await?.ok_or_else(start_again)?;
    let user = store::lock_user(&mut tx, user_id).await?.ok_or_else(start_again)?;
    let factor = store::lock_totp(&mut tx, user.id).await?.filter(|f| f.confirmed).ok_or_else(start_again)?;
    if !second_factor(&ctx, &mut tx, &user, &factor, req.code.as_str()).await? {
        // Five wrong codes and the password is asked again.
        let key = format!("mfa-tries:{}", hex(&hash));
        if ctx.kv.increment(&key, CHALLENGE_FOR).await?.value >= CHALLENGE_TRIES {
            store::claim_token(&mut tx, &hash, TokenPurpose::MfaLogin).await?;
            tx.commit().await?;
            return Err(start_again());
        }
        return Err(ApiError::field("code", "is not the code your app shows now, nor an unused recovery code"));
    }
    store::claim_token(&mut tx, &hash, TokenPurpose::MfaLogin).await?.ok_or_else(start_again)?;
    tx.commit().await?;
    sign_in(&ctx, user, &ip, &headers, req.refresh_token_in_body, "auth.login_mfa").await
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_match_however_they_are_typed() {
        assert_eq!(recovery_hash("abcde-fghjk"), recovery_hash(" ABCDE FGHJK "));
        assert_ne!(recovery_hash("abcde-fghjk"), recovery_hash("abcde-fghjm"));
    }

    #[test]
    fn a_code_is_accepted_once_per_time_step() {
        let secret = vec![7u8; 20];
        let totp = Builder::new().with_secret(Secret::from(secret.clone())).with_account_name("a").build().unwrap();
        let code = totp.generate(now_secs()).to_string();
        let fresh = store::TotpFactor { secret: secret.clone(), confirmed: true, last_used_step: None };
        let step = accepted_step(&fresh, &totp, &code).expect("the current code is right");
        let used = store::TotpFactor { secret, confirmed: true, last_used_step: Some(step) };
        assert_eq!(accepted_step(&used, &totp, &code), None, "the same code again is refused");
        assert_eq!(accepted_step(&fresh, &totp, "000000x"), None);
    }
}
