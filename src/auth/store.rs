//! Account and session queries.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    Role,
    domain::{DisplayName, Email},
    tokens::OpaqueToken,
};

#[derive(Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub password_hash: String,
    pub artist_id: Option<Uuid>,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub language: String,
}

const USER_COLUMNS: &str = "u.id, u.email, u.display_name, u.role, u.created_at, u.password_hash,
    (SELECT a.id FROM artists a WHERE a.user_id = u.id) AS artist_id, u.email_verified_at, u.language";

pub async fn insert_user(
    conn: &mut PgConnection,
    email: &Email,
    password_hash: &str,
    display_name: &DisplayName,
    role: Role,
) -> sqlx::Result<UserRow> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "WITH u AS (
             INSERT INTO users (id, email, email_normalized, password_hash, display_name, role)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING *)
         SELECT {USER_COLUMNS} FROM u"
    )))
    .bind(Uuid::now_v7())
    .bind(email.as_str())
    .bind(email.normalized())
    .bind(password_hash)
    .bind(display_name.as_str())
    .bind(role)
    .fetch_one(conn)
    .await
}

pub async fn user_by_email(pool: &PgPool, normalized: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email_normalized = $1")))
        .bind(normalized)
        .fetch_optional(pool)
        .await
}

pub async fn user_by_id(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn update_user(
    conn: &mut PgConnection,
    id: Uuid,
    display_name: Option<&DisplayName>,
    password_hash: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET
             display_name = COALESCE($2, display_name),
             password_hash = COALESCE($3, password_hash),
             password_changed_at = CASE WHEN $3 IS NULL THEN password_changed_at ELSE now() END,
             updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(display_name.map(DisplayName::as_str))
    .bind(password_hash)
    .execute(conn)
    .await?;
    Ok(())
}

pub struct SessionLifetimes {
    pub idle: Duration,
    pub absolute: Duration,
}

pub struct ClientInfo<'a> {
    pub ip: &'a str,
    pub user_agent: Option<&'a str>,
}

/// Opens a session (a new refresh-token family) and issues its first token.
pub async fn create_session(
    conn: &mut PgConnection,
    user_id: Uuid,
    lifetimes: &SessionLifetimes,
    client: &ClientInfo<'_>,
) -> sqlx::Result<(Uuid, OpaqueToken)> {
    let session_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO auth_sessions (id, user_id, absolute_expires_at, user_agent, ip)
         VALUES ($1, $2, now() + make_interval(secs => $3), $4, $5)",
    )
    .bind(session_id)
    .bind(user_id)
    .bind(lifetimes.absolute.as_secs_f64())
    .bind(client.user_agent.map(|ua| ua.chars().take(300).collect::<String>()))
    .bind(client.ip)
    .execute(&mut *conn)
    .await?;
    let token = insert_refresh_token(conn, session_id, lifetimes.idle).await?;
    Ok((session_id, token))
}

async fn insert_refresh_token(conn: &mut PgConnection, session_id: Uuid, idle: Duration) -> sqlx::Result<OpaqueToken> {
    let token = OpaqueToken::generate();
    // A token never outlives its session's absolute deadline.
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
         SELECT $1, $2, LEAST(now() + make_interval(secs => $3), s.absolute_expires_at)
         FROM auth_sessions s WHERE s.id = $2",
    )
    .bind(token.hash())
    .bind(session_id)
    .bind(idle.as_secs_f64())
    .execute(conn)
    .await?;
    Ok(token)
}

pub enum Rotation {
    Rotated {
        user_id: Uuid,
        session_id: Uuid,
        token: OpaqueToken,
    },
    /// The token had already been exchanged: someone holds a copy. The whole
    /// family has been revoked.
    Reused {
        user_id: Uuid,
        session_id: Uuid,
    },
    Invalid,
}

#[derive(sqlx::FromRow)]
struct PresentedToken {
    session_id: Uuid,
    user_id: Uuid,
    used: bool,
    live: bool,
}

pub async fn rotate(pool: &PgPool, presented_hash: &[u8], idle: Duration) -> sqlx::Result<Rotation> {
    let mut tx = pool.begin().await?;
    // Row locks serialise two concurrent uses of the same token: the second one
    // sees it used and is treated as reuse.
    let found: Option<PresentedToken> = sqlx::query_as(
        "SELECT t.session_id, s.user_id, t.used_at IS NOT NULL AS used,
                (t.expires_at > now() AND s.revoked_at IS NULL AND s.absolute_expires_at > now()) AS live
         FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id
         WHERE t.token_hash = $1
         FOR UPDATE OF t, s",
    )
    .bind(presented_hash)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(found) = found else { return Ok(Rotation::Invalid) };
    if found.used {
        revoke_session(&mut tx, found.session_id, "refresh token reuse detected").await?;
        tx.commit().await?;
        return Ok(Rotation::Reused { user_id: found.user_id, session_id: found.session_id });
    }
    if !found.live {
        return Ok(Rotation::Invalid);
    }
    sqlx::query("UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1")
        .bind(presented_hash)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE auth_sessions SET last_used_at = now() WHERE id = $1")
        .bind(found.session_id)
        .execute(&mut *tx)
        .await?;
    let token = insert_refresh_token(&mut tx, found.session_id, idle).await?;
    tx.commit().await?;
    Ok(Rotation::Rotated { user_id: found.user_id, session_id: found.session_id, token })
}

pub async fn revoke_session(conn: &mut PgConnection, session_id: Uuid, reason: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2
         WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(session_id)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn revoke_other_sessions(
    conn: &mut PgConnection,
    user_id: Uuid,
    keep: Uuid,
    reason: &str,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $3
         WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(keep)
    .bind(reason)
    .execute(conn)
    .await?
    .rows_affected())
}

pub async fn session_of_token(pool: &PgPool, presented_hash: &[u8]) -> sqlx::Result<Option<(Uuid, Uuid)>> {
    sqlx::query_as(
        "SELECT s.id, s.user_id FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id
         WHERE t.token_hash = $1",
    )
    .bind(presented_hash)
    .fetch_optional(pool)
    .await
}

/// The account's current role and whether its address is verified, while
/// the session is live: not revoked, not past its absolute expiry, and the
/// account's own.
pub async fn live_session_role(pool: &PgPool, session_id: Uuid, user_id: Uuid) -> sqlx::Result<Option<(Role, bool)>> {
    sqlx::query_as(
        "SELECT u.role, u.email_verified_at IS NOT NULL FROM auth_sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.absolute_expires_at > now()",
    )
    .bind(session_id)
    .bind(user_id)
    .fetch_optional(pool)
    .await
}

/// The display names of the accounts among `ids` that exist.
pub async fn display_names(conn: &mut PgConnection, ids: &[Uuid]) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as("SELECT id, display_name FROM users WHERE id = ANY($1)").bind(ids).fetch_all(conn).await
}

/// What a single-use link sent by mail is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
    /// The step between a right password and the second factor.
    MfaLogin,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "verify_email",
            TokenPurpose::ResetPassword => "reset_password",
            TokenPurpose::MfaLogin => "mfa_login",
        }
    }
}

/// A new link for `purpose`; the account's earlier unused links for the same
/// purpose stop working, so only the latest mail counts.
pub async fn issue_token(
    conn: &mut PgConnection,
    user_id: Uuid,
    purpose: TokenPurpose,
    email: Option<&str>,
    lifetime: Duration,
) -> sqlx::Result<OpaqueToken> {
    sqlx::query("UPDATE account_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL")
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(&mut *conn)
        .await?;
    let token = OpaqueToken::generate();
    sqlx::query(
        "INSERT INTO account_tokens (token_hash, user_id, purpose, email, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))",
    )
    .bind(token.hash())
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(email)
    .bind(lifetime.as_secs_f64())
    .execute(conn)
    .await?;
    Ok(token)
}

pub struct ClaimedToken {
    pub user_id: Uuid,
    /// The address a verification link proves.
    pub email: Option<String>,
}

/// Uses up a live link: one statement, so of two concurrent uses only one
/// gets the account.
pub async fn claim_token(
    conn: &mut PgConnection,
    presented_hash: &[u8],
    purpose: TokenPurpose,
) -> sqlx::Result<Option<ClaimedToken>> {
    let row: Option<(Uuid, Option<String>)> = sqlx::query_as(
        "UPDATE account_tokens SET used_at = now()
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
         RETURNING user_id, email",
    )
    .bind(presented_hash)
    .bind(purpose.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(user_id, email)| ClaimedToken { user_id, email }))
}

/// The account's user row, locked for a change of its address or password.
pub async fn lock_user(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 FOR UPDATE")))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Makes `email` the account's address, proven now.
pub async fn set_verified_email(conn: &mut PgConnection, id: Uuid, email: &Email) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET email = $2, email_normalized = $3, email_verified_at = now(), updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(email.as_str())
    .bind(email.normalized())
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether another account already uses the address.
pub async fn email_taken(conn: &mut PgConnection, email: &Email, except: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email_normalized = $1 AND id <> $2)")
        .bind(email.normalized())
        .bind(except)
        .fetch_one(conn)
        .await
}

pub async fn revoke_all_sessions(conn: &mut PgConnection, user_id: Uuid, reason: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
}

/// The account's live sessions, the most recently used first.
pub async fn live_sessions(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<Vec<SessionRow>> {
    sqlx::query_as(
        "SELECT id, user_agent, ip, created_at, last_used_at FROM auth_sessions
         WHERE user_id = $1 AND revoked_at IS NULL AND absolute_expires_at > now()
         ORDER BY last_used_at DESC, id DESC LIMIT 200",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await
}

/// Ends one of the account's live sessions; false when it has no such session.
pub async fn revoke_own_session(conn: &mut PgConnection, user_id: Uuid, session_id: Uuid) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'signed out from another session'
         WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND absolute_expires_at > now()",
    )
    .bind(session_id)
    .bind(user_id)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The browsers of the account's recent sessions, live or not, besides `except`.
pub async fn recent_user_agents(
    conn: &mut PgConnection,
    user_id: Uuid,
    except: Uuid,
) -> sqlx::Result<Vec<Option<String>>> {
    sqlx::query_scalar(
        "SELECT user_agent FROM auth_sessions WHERE user_id = $1 AND id <> $2 ORDER BY created_at DESC LIMIT 100",
    )
    .bind(user_id)
    .bind(except)
    .fetch_all(conn)
    .await
}

/// The account a live token names, without using it up.
pub async fn token_owner(
    conn: &mut PgConnection,
    presented_hash: &[u8],
    purpose: TokenPurpose,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar(
        "SELECT user_id FROM account_tokens
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()",
    )
    .bind(presented_hash)
    .bind(purpose.as_str())
    .fetch_optional(conn)
    .await
}

#[derive(sqlx::FromRow)]
pub struct TotpFactor {
    pub secret: Vec<u8>,
    pub confirmed: bool,
    pub last_used_step: Option<i64>,
}

pub async fn lock_totp(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<Option<TotpFactor>> {
    sqlx::query_as(
        "SELECT secret, confirmed_at IS NOT NULL AS confirmed, last_used_step FROM totp_factors
         WHERE user_id = $1 FOR UPDATE",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

pub async fn totp_enabled(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL)")
        .bind(user_id)
        .fetch_one(conn)
        .await
}

/// Starts over with a new secret, unconfirmed.
pub async fn put_totp(conn: &mut PgConnection, user_id: Uuid, secret: &[u8]) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO totp_factors (user_id, secret) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, confirmed_at = NULL,
             last_used_step = NULL, created_at = now()",
    )
    .bind(user_id)
    .bind(secret)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the step a code was accepted in, confirming the factor if it was not.
pub async fn use_totp_step(conn: &mut PgConnection, user_id: Uuid, step: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE totp_factors SET last_used_step = $2, confirmed_at = coalesce(confirmed_at, now()) WHERE user_id = $1",
    )
    .bind(user_id)
    .bind(step)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_second_factor(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM totp_factors WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(())
}

pub async fn replace_recovery_codes(conn: &mut PgConnection, user_id: Uuid, hashes: &[Vec<u8>]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, h FROM unnest($2::bytea[]) AS c (h)")
        .bind(user_id)
        .bind(hashes)
        .execute(conn)
        .await?;
    Ok(())
}

/// Uses up a recovery code; false when the account has no such unused code.
pub async fn use_recovery_code(conn: &mut PgConnection, user_id: Uuid, hash: &[u8]) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(hash)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

pub async fn recovery_codes_left(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(conn)
        .await
}
