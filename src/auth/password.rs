//! Password policy and hashing: argon2id with OWASP's recommended parameters
//! (19 MiB, two passes, one lane), strength checked with zxcvbn.

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

/// A password that met the policy; it is never logged or serialised.
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Password {
    /// `context` holds the user's own words (e-mail, name): a password built from
    /// them is weak however long it is.
    pub fn parse(raw: &str, context: &[&str]) -> Result<Self, String> {
        let length = raw.chars().count();
        if length < 8 {
            return Err("must be at least 8 characters".to_owned());
        }
        if length > 128 {
            return Err("must be at most 128 characters".to_owned());
        }
        let estimate = zxcvbn::zxcvbn(raw, context);
        if (estimate.score() as u8) < 2 {
            let hint = estimate.feedback().and_then(|f| f.warning()).map(|w| format!(": {w}")).unwrap_or_default();
            return Err(format!("is too easy to guess{hint}"));
        }
        Ok(Self(raw.to_owned()))
    }
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashing costs tens of milliseconds of CPU: callers run it on the blocking pool.
pub fn hash(password: &Password) -> anyhow::Result<String> {
    let hash =
        hasher().hash_password(password.0.as_bytes()).map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))?;
    Ok(hash.to_string())
}

pub fn verify(candidate: &str, stored_hash: &str) -> bool {
    hasher().verify_password(candidate.as_bytes(), stored_hash).is_ok()
}

/// A hash of a random password, verified against when the e-mail is unknown so
/// that a failed login costs the same time whether or not the account exists.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let password = Password(uuid::Uuid::new_v4().to_string());
        hash(&password).expect("hashing a decoy password")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds_and_weak_passwords_are_refused() {
        assert!(Password::parse("short1!", &[]).is_err());
        assert!(Password::parse(&"x".repeat(129), &[]).is_err());
        assert!(Password::parse("password", &[]).is_err());
        assert!(Password::parse("12345678", &[]).is_err());
        assert!(Password::parse("annsmith1", &["annsmith"]).is_err());
        assert!(Password::parse("violet-harbour-mosaic-42", &[]).is_ok());
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let password = Password::parse("violet-harbour-mosaic-42", &[]).unwrap();
        let stored = hash(&password).unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("violet-harbour-mosaic-42", &stored));
        assert!(!verify("violet-harbour-mosaic-43", &stored));
        assert!(!verify("anything", "not a hash"));
    }
}
