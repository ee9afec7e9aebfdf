//! Accounts, sessions and permissions: registration and login with argon2id
//! passwords, short-lived EdDSA access tokens published through a JWKS, rotating
//! refresh tokens with reuse detection, and the role checks every write uses.

pub mod domain;
pub mod password;
pub mod principal;
pub mod routes;
mod store;
mod throttle;
pub mod tokens;

pub use domain::{Permission, Role};
pub use principal::{Callers, MaybePrincipal, Principal};
