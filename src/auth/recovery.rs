//! Proving an address and getting back into an account: verification links
//! on registration and on a change of address, and password reset by mail.
//! Every link is single-use and short-lived, and only its hash is stored.

use std::time::Duration;

use axum::{extract::State, http::StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    Permission, Principal,
    domain::Email,
    password::Password,
    routes::{hash_password, verify_password},
    store::{self, TokenPurpose, UserRow},
    throttle,
    tokens::hash_opaque_token,
};
use crate::{
    app::AppContext,
    mail::{self, Letter, Posted, Template},
    platform::{
        audit::{self, AuditEntry},
        http::error::{ApiError, ApiResult, FieldErrors, OnConstraint},
        http::rate_limit::{self, Limit},
        http::{ApiJson, Bounded, ClientIp},
        queue::NewJob,
    },
};

/// How long a verification link works.
const VERIFY_FOR: Duration = Duration::from_secs(24 * 3600);
/// How long a password-reset link works.
const RESET_FOR: Duration = Duration::from_secs(30 * 60);
/// Mail one account may ask for in an hour, of each kind: enough for a
/// lost message or two, too few to flood someone's inbox.
const MAIL_PER_HOUR: i64 = 3;

/// The job that looks up an account and mails it a reset link, so the
/// answer to the request takes as long whether or not the account exists.
pub const SEND_PASSWORD_RESET: &str = "mail.password_reset";

pub fn router() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(rate_limit::limited(Limit::SignIn, routes!(verify_email)))
        .routes(rate_limit::limited(Limit::Account, routes!(resend_verification)))
        .routes(rate_limit::limited(Limit::Account, routes!(change_email)))
        .routes(rate_limit::limited(Limit::SignIn, routes!(request_password_reset)))
        .routes(rate_limit::limited(Limit::SignIn, routes!(complete_password_reset)))
}

/// Posts the verification mail for `email` (the account's own, or the one
/// it is moving to) in the caller's transaction.
pub(super) async fn post_verification(
    ctx: &AppContext,
    conn: &mut sqlx::PgConnection,
    user: &UserRow,
    email: &Email,
) -> ApiResult<Posted> {
    let token = store::issue_token(conn, user.id, TokenPurpose::VerifyEmail, Some(email.as_str()), VERIFY_FOR).await?;
    let template =
        if email.normalized() == user.email.to_lowercase() { Template::VerifyEmail } else { Template::ConfirmNewEmail };
    let letter = Letter {
        user_id: Some(user.id),
        to: email.as_str(),
        language: &user.language,
        template,
        vars: serde_json::json!({
            "name": user.display_name,
            "link": format!("{}/verify-email/?token={}", ctx.config.site_url, token.as_str()),
            "hours": VERIFY_FOR.as_secs() / 3600,
        }),
        unsubscribe: None,
    };
    Ok(mail::post(ctx, conn, letter).await?)
}

/// Posts the notice that a password changed, to the account's address.
pub(super) async fn post_password_changed(
    ctx: &AppContext,
    conn: &mut sqlx::PgConnection,
    user: &UserRow,
) -> ApiResult<Posted> {
    let letter = Letter {
        user_id: Some(user.id),
        to: &user.email,
        language: &user.language,
        template: Template::PasswordChanged,
        vars: serde_json::json!({ "name": user.display_name }),
        unsubscribe: None,
    };
    Ok(mail::post(ctx, conn, letter).await?)
}

/// Counts one more mail of `kind` for `account`; false once the hour's budget is spent.
async fn within_mail_budget(ctx: &AppContext, kind: &str, account: &str) -> ApiResult<bool> {
    let key = format!("mail-budget:{kind}:{account}");
    Ok(ctx.kv.increment(&key, Duration::from_secs(3600)).await?.value <= MAIL_PER_HOUR)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The token from the link in the mail.
    #[schema(value_type = String, max_length = 128)]
    pub token: Bounded<128>,
}

/// Confirm an address with the token from the link mailed to it. For a new
/// address, the account moves to it now, and the old address is told.
#[utoipa::path(post, path = "/api/auth/email-verification", tag = "auth", request_body = TokenRequest,
    responses(
        (status = 204, description = "The address is confirmed"),
        (status = 409, description = "Another account took the address meanwhile"),
        (status = 410, description = "The link has expired, was used, or was replaced by a newer one"),
        (status = 422),
        (status = 429, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn verify_email(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<TokenRequest>,
) -> ApiResult<StatusCode> {
    let mut tx = ctx.db.begin().await?;
    let claimed = store::claim_token(&mut tx, &hash_opaque_token(req.token.as_str()), TokenPurpose::VerifyEmail)
        .await?
        .ok_or_else(|| ApiError::Gone("this link has expired or was already used; ask for a new one".to_owned()))?;
    let user = store::lock_user(&mut tx, claimed.user_id)
        .await?
        .ok_or_else(|| ApiError::Gone("the account no longer exists".to_owned()))?;
    let email = Email::parse(claimed.email.as_deref().unwrap_or_default())
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("a verification token holds no valid address")))?;
    let changed = email.normalized() != user.email.to_lowercase();
    if changed && store::email_taken(&mut tx, &email, user.id).await? {
        return Err(ApiError::Conflict("another account uses this address now".to_owned()));
    }
    store::set_verified_email(&mut tx, user.id, &email).await.on_constraint("users_email_normalized_key", || {
        ApiError::Conflict("another account uses this address now".to_owned())
    })?;
    let notice = if changed {
        let letter = Letter {
            user_id: Some(user.id),
            to: &user.email,
            language: &user.language,
            template: Template::EmailChanged,
            vars: serde_json::json!({ "name": user.display_name, "new_email": email.as_str() }),
            unsubscribe: None,
        };
        Some(mail::post(&ctx, &mut tx, letter).await?)
    } else {
        None
    };
    audit::record(
        &mut tx,
        AuditEntry {
            actor_id: Some(user.id),
            action: if changed { "account.email_changed" } else { "account.email_verified" },
            entity_type: "user",
            entity_id: Some(user.id),
            details: serde_json::json!({}),
            ip: Some(&ip),
        },
    )
    .await?;
    tx.commit().await?;
    if let Some(notice) = notice {
        notice.dispatch(&ctx).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Send the verification link again, replacing any sent before. At most
/// three an hour.
#[utoipa::path(post, path = "/api/me/email-verification", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 202, description = "A new link is on its way"),
        (status = 401),
        (status = 409, description = "The address is already confirmed"),
        (status = 429, description = "Three links were sent in the last hour", headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn resend_verification(State(ctx): State<AppContext>, principal: Principal) -> ApiResult<StatusCode> {
    let mut tx = ctx.db.begin().await?;
    let user = store::lock_user(&mut tx, principal.user_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the account no longer exists".to_owned()))?;
    if user.email_verified_at.is_some() {
        return Err(ApiError::Conflict("your address is already confirmed".to_owned()));
    }
    if !within_mail_budget(&ctx, "verify", &user.id.to_string()).await? {
        return Err(ApiError::TooManyRequests { retry_after_secs: 3600 });
    }
    let email = Email::parse(&user.email).map_err(|_| ApiError::Internal(anyhow::anyhow!("stored address invalid")))?;
    let posted = post_verification(&ctx, &mut tx, &user, &email).await?;
    tx.commit().await?;
    posted.dispatch(&ctx).await;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeEmailRequest {
    #[schema(value_type = String, max_length = 254, pattern = r"^[\x21\x23-\x3F\x41-\x7E]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")]
    pub email: Bounded<254>,
    #[schema(value_type = String, max_length = 128)]
    pub current_password: Bounded<128>,
}

/// Move the account to another address. Nothing changes until the link
/// mailed to the new address is opened; the old address is told then.
#[utoipa::path(put, path = "/api/me/email", tag = "auth", security(("bearer" = [])), request_body = ChangeEmailRequest,
    responses(
        (status = 202, description = "A confirmation link was sent to the new address"),
        (status = 401),
        (status = 403),
        (status = 409, description = "Another account uses the address"),
        (status = 422, description = "Not an address, the same address, or the wrong password"),
        (status = 429, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn change_email(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    ApiJson(req): ApiJson<ChangeEmailRequest>,
) -> ApiResult<StatusCode> {
    principal.require(Permission::EditAccount)?;
    let mut conn = ctx.db.acquire().await?;
    let user = store::user_by_id(&mut conn, principal.user_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the account no longer exists".to_owned()))?;
    let mut errors = FieldErrors::new();
    let email = errors.check("email", Email::parse(req.email.as_str()));
    if email.as_ref().is_some_and(|e| e.normalized() == user.email.to_lowercase()) {
        errors.push("email", "is already your address");
    }
    // The password guards the account against a borrowed session, and the
    // sign-in throttle keeps that guard from being guessed.
    let account = user.email.to_lowercase();
    throttle::check(ctx.kv.as_ref(), &account, &ip).await?;
    if verify_password(req.current_password.into_inner(), user.password_hash.clone()).await? {
        throttle::record_success(ctx.kv.as_ref(), &account).await?;
    } else {
        throttle::record_failure(ctx.kv.as_ref(), &account, &ip).await?;
        errors.push("current_password", "must be your current password");
    }
    let email = errors.finish(|| email)?;
    if store::email_taken(&mut conn, &email, user.id).await? {
        return Err(ApiError::Conflict("another account uses this address".to_owned()));
    }
    drop(conn);
    if !within_mail_budget(&ctx, "change-email", &user.id.to_string()).await? {
        return Err(ApiError::TooManyRequests { retry_after_secs: 3600 });
    }
    let mut tx = ctx.db.begin().await?;
    let posted = post_verification(&ctx, &mut tx, &user, &email).await?;
    tx.commit().await?;
    posted.dispatch(&ctx).await;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    #[schema(value_type = String, max_length = 254, pattern = r"^[\x21\x23-\x3F\x41-\x7E]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")]
    pub email: Bounded<254>,
}

#[derive(Serialize, Deserialize)]
pub struct PasswordResetPayload {
    pub email: String,
}

/// Ask for a password-reset link. The answer is the same whether or not an
/// account has the address, and takes as long: the lookup and the mail
/// happen in a job. At most three links an hour go to one address.
#[utoipa::path(post, path = "/api/auth/password-reset", tag = "auth", request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If an account has this address, a link is on its way"),
        (status = 422),
        (status = 429, description = "Rate limited by address", headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn request_password_reset(
    State(ctx): State<AppContext>,
    ApiJson(req): ApiJson<PasswordResetRequest>,
) -> ApiResult<StatusCode> {
    let email = Email::parse(req.email.as_str()).map_err(|e| ApiError::field("email", e))?;
    // Over budget, the answer is the same: only the mail is not sent.
    if within_mail_budget(&ctx, "reset", email.normalized()).await? {
        let payload = serde_json::to_value(PasswordResetPayload { email: email.normalized().to_owned() })
            .map_err(|e| ApiError::Internal(e.into()))?;
        ctx.queue.send(NewJob { kind: SEND_PASSWORD_RESET, payload, dedup_key: None, delay: Duration::ZERO }).await?;
    }
    Ok(StatusCode::ACCEPTED)
}

/// The `mail.password_reset` job: mails a reset link if an account has the address.
pub async fn send_password_reset(ctx: &AppContext, normalized_email: &str) -> anyhow::Result<()> {
    let Some(user) = store::user_by_email(&ctx.db, normalized_email).await? else { return Ok(()) };
    let mut tx = ctx.db.begin().await?;
    let token = store::issue_token(&mut tx, user.id, TokenPurpose::ResetPassword, None, RESET_FOR).await?;
    let letter = Letter {
        user_id: Some(user.id),
        to: &user.email,
        language: &user.language,
        template: Template::PasswordReset,
        vars: serde_json::json!({
            "name": user.display_name,
            "link": format!("{}/reset-password/?token={}", ctx.config.site_url, token.as_str()),
            "minutes": RESET_FOR.as_secs() / 60,
        }),
        unsubscribe: None,
    };
    let posted = mail::post(ctx, &mut tx, letter).await?;
    tx.commit().await?;
    posted.dispatch(ctx).await;
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompletePasswordResetRequest {
    #[schema(value_type = String, max_length = 128)]
    pub token: Bounded<128>,
    /// Also has to be hard to guess, and not made of the e-mail or the name.
    #[schema(value_type = String, min_length = 8, max_length = 128)]
    pub new_password: Bounded<128>,
}

/// Choose a new password with the token from the reset link. Every session
/// of the account ends, and the account's address counts as confirmed (the
/// link reached it).
#[utoipa::path(post, path = "/api/auth/password-reset/complete", tag = "auth", request_body = CompletePasswordResetRequest,
    responses(
        (status = 204, description = "The password is changed; sign in with it"),
        (status = 410, description = "The link has expired, was used, or was replaced by a newer one"),
        (status = 422, description = "The password is too weak"),
        (status = 429, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn complete_password_reset(
    State(ctx): State<AppContext>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<CompletePasswordResetRequest>,
) -> ApiResult<StatusCode> {
    // What can be said of the password without the account is said before
    // the link is looked at, whatever became of the link.
    Password::parse(req.new_password.as_str(), &[]).map_err(|e| ApiError::field("new_password", e))?;
    let hash = hash_opaque_token(req.token.as_str());
    let mut tx = ctx.db.begin().await?;
    let claimed = store::claim_token(&mut tx, &hash, TokenPurpose::ResetPassword)
        .await?
        .ok_or_else(|| ApiError::Gone("this link has expired or was already used; ask for a new one".to_owned()))?;
    let user = store::lock_user(&mut tx, claimed.user_id)
        .await?
        .ok_or_else(|| ApiError::Gone("the account no longer exists".to_owned()))?;
    let local_part = user.email.split('@').next().unwrap_or_default();
    // A weak password leaves the link unused (the transaction rolls back),
    // so the person can try another.
    let password = Password::parse(req.new_password.as_str(), &[local_part, &user.display_name])
        .map_err(|e| ApiError::field("new_password", e))?;
    let new_hash = hash_password(password).await?;
    store::update_user(&mut tx, user.id, None, Some(&new_hash)).await?;
    store::revoke_all_sessions(&mut tx, user.id, "password reset").await?;
    if user.email_verified_at.is_none() {
        let email =
            Email::parse(&user.email).map_err(|_| ApiError::Internal(anyhow::anyhow!("stored address invalid")))?;
        store::set_verified_email(&mut tx, user.id, &email).await?;
    }
    let posted = post_password_changed(&ctx, &mut tx, &user).await?;
    audit::record(
        &mut tx,
        AuditEntry {
            actor_id: Some(user.id),
            action: "account.password_reset",
            entity_type: "user",
            entity_id: Some(user.id),
            details: serde_json::json!({}),
            ip: Some(&ip),
        },
    )
    .await?;
    tx.commit().await?;
    // Whoever was locked out by failed guesses is not kept out of their new password.
    throttle::record_success(ctx.kv.as_ref(), &user.email.to_lowercase()).await?;
    posted.dispatch(&ctx).await;
    Ok(StatusCode::NO_CONTENT)
}
