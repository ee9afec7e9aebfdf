//! Account values that can only hold valid data.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "user_role", rename_all = "lowercase")]
pub enum Role {
    Collector,
    Artist,
    Moderator,
    Admin,
}

/// What a role may do. Every write route names the permission it needs, so the
/// policy lives in this one table instead of in scattered role comparisons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Record views, likes and saves; follow artists.
    Interact,
    /// Buy, make offers, save a card and message artists.
    Transact,
    /// Edit one's own account.
    EditAccount,
    /// Create an artist profile and list works under it.
    SellArtworks,
    /// Edit or archive any artwork or artist profile.
    ModerateCatalog,
    /// Add and rename categories.
    ManageTaxonomy,
}

impl Permission {
    /// Whether the account must have confirmed its e-mail address first:
    /// whatever moves money or reaches another person does; browsing and
    /// saving do not.
    pub fn needs_verified_email(self) -> bool {
        matches!(self, Permission::Transact | Permission::SellArtworks)
    }
}

impl Role {
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Collector => matches!(permission, Interact | Transact | EditAccount),
            Role::Artist => matches!(permission, Interact | Transact | EditAccount | SellArtworks),
            Role::Moderator => {
                matches!(permission, Interact | Transact | EditAccount | ModerateCatalog | ManageTaxonomy)
            }
            Role::Admin => true,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Collector => "collector",
            Role::Artist => "artist",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }
}

/// The roles anyone may pick at sign-up; staff roles are granted, never chosen.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignupRole {
    Collector,
    Artist,
}

impl From<SignupRole> for Role {
    fn from(role: SignupRole) -> Self {
        match role {
            SignupRole::Collector => Role::Collector,
            SignupRole::Artist => Role::Artist,
        }
    }
}

/// An e-mail address as typed, plus the lower-cased form uniqueness is checked on.
#[derive(Clone, Debug)]
pub struct Email {
    original: String,
    normalized: String,
}

impl Email {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("is required");
        }
        if trimmed.len() > 254 {
            return Err("must be at most 254 characters");
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or("must be an e-mail address")?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && local.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != '"');
        if !domain_ok || !local_ok {
            return Err("must be an e-mail address");
        }
        Ok(Self { original: trimmed.to_owned(), normalized: trimmed.to_lowercase() })
    }

    pub fn as_str(&self) -> &str {
        &self.original
    }

    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

/// A display name: trimmed, 1–80 characters, no control characters.
#[derive(Clone, Debug)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("is required");
        }
        if trimmed.chars().count() > 80 {
            return Err("must be at most 80 characters");
        }
        if trimmed.chars().any(char::is_control) {
            return Err("must not contain control characters");
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_for_uniqueness_but_kept_as_typed() {
        let email = Email::parse("  Ann.Smith@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "Ann.Smith@Example.COM");
        assert_eq!(email.normalized(), "ann.smith@example.com");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in ["", "plain", "a@b", "@example.com", "a@.com", "a b@example.com", "a@exa mple.com"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn only_admins_and_moderators_moderate() {
        assert!(!Role::Artist.allows(Permission::ModerateCatalog));
        assert!(!Role::Collector.allows(Permission::SellArtworks));
        assert!(Role::Moderator.allows(Permission::ModerateCatalog));
        assert!(!Role::Moderator.allows(Permission::SellArtworks));
        assert!(Role::Admin.allows(Permission::ManageTaxonomy));
    }
}
