//! Request fields with a length limit that holds while the body is parsed,
//! before a handler does any work with them (hashing, throttle keys, queries).

use std::fmt;

use serde::{Deserialize, Deserializer, de};

/// A string of at most `MAX` characters. A longer one fails deserialisation,
/// which [`super::ApiJson`] answers with a 422 naming the field. Fields of
/// this type declare the same bound in the API document with
/// `#[schema(value_type = String, max_length = MAX)]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Bounded<const MAX: usize>(String);

impl<const MAX: usize> Bounded<MAX> {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Never printed: the bounded fields include passwords and tokens.
impl<const MAX: usize> fmt::Debug for Bounded<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bounded<{MAX}>({} chars)", self.0.chars().count())
    }
}

impl<'de, const MAX: usize> Deserialize<'de> for Bounded<MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        if raw.chars().count() > MAX {
            return Err(de::Error::custom(format!("must be at most {MAX} characters")));
        }
        Ok(Self(raw))
    }
}

#[cfg(test)]
mod tests {
    use super::Bounded;

    #[test]
    fn a_string_over_the_bound_does_not_parse() {
        let ok: Bounded<3> = serde_json::from_str(r#""héé""#).unwrap();
        assert_eq!(ok.as_str(), "héé");
        let err = serde_json::from_str::<Bounded<3>>(r#""four""#).unwrap_err();
        assert!(err.to_string().contains("must be at most 3 characters"), "{err}");
    }
}
