//! Accounts, sessions and permissions: registration and login with argon2id
//! passwords, short-lived EdDSA access tokens published through a JWKS, rotating
//! refresh tokens with reuse detection, and the role checks every write uses.

pub mod domain;
pub mod mfa;
pub mod password;
pub mod principal;
pub mod recovery;
pub mod routes;
pub mod sessions;
mod store;
mod throttle;
pub mod tokens;

pub use domain::{Permission, Role};
pub use principal::{Callers, MaybePrincipal, Principal};

/// How other capabilities name people they show (a collection's owner): the
/// display name, never the e-mail address. Accounts that no longer exist are
/// absent.
pub async fn display_names(
    conn: &mut sqlx::PgConnection,
    ids: &[uuid::Uuid],
) -> sqlx::Result<std::collections::HashMap<uuid::Uuid, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(store::display_names(conn, ids).await?.into_iter().collect())
}

/// Where and how to write to an account: its address, name and language,
/// and whether the address is confirmed (mail that is not about the account
/// itself goes to confirmed addresses only).
pub struct Recipient {
    pub email: String,
    pub display_name: String,
    pub language: String,
    pub verified: bool,
}

pub async fn recipient(conn: &mut sqlx::PgConnection, user_id: uuid::Uuid) -> sqlx::Result<Option<Recipient>> {
    Ok(store::user_by_id(conn, user_id).await?.map(|user| Recipient {
        verified: user.email_verified_at.is_some(),
        email: user.email,
        display_name: user.display_name,
        language: user.language,
    }))
}
