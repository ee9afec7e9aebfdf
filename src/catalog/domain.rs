//! Catalog values that can only hold valid data. Request bodies are parsed into
//! these before anything touches the database.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::http::error::PartError;

/// Lower-case words joined by single hyphens: `"Abstract Expressionism"` becomes
/// `abstract-expressionism`. Used for slugs, styles and tags.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    /// Normalises free text into a slug (for tags and styles typed by people).
    /// `max_len` bounds both the text as typed and the slug, which is cut
    /// short where transliteration lengthened it ("東京" is "dong-jing").
    pub fn from_text(text: &str, max_len: usize) -> Result<Self, String> {
        if text.trim().chars().count() > max_len {
            return Err(format!("must be at most {max_len} characters"));
        }
        let mut slug = String::with_capacity(text.len());
        // Transliterated first, so "Émile Zoë" becomes emile-zoe rather than mile-zo.
        for c in deunicode::deunicode(text.trim()).chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        }
        // ASCII by now, so any byte index is a character boundary.
        slug.truncate(max_len);
        let slug = slug.trim_end_matches('-').to_owned();
        if slug.is_empty() {
            return Err("must contain letters or digits".to_owned());
        }
        Ok(Self(slug))
    }

    /// Accepts only text that already is a slug (for identifiers people choose).
    pub fn parse(raw: &str, max_len: usize) -> Result<Self, String> {
        let valid = !raw.is_empty()
            && raw
                .split('-')
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        if !valid {
            return Err("must be lower-case letters and digits separated by single hyphens".to_owned());
        }
        if raw.len() > max_len {
            return Err(format!("must be at most {max_len} characters"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// For values read back from the database, which only ever stores slugs that
    /// passed `parse` or `from_text` (category slugs are also CHECK-constrained).
    pub fn from_stored(stored: String) -> Self {
        Self(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Trimmed text within a character budget; `required` refuses the empty string.
///
/// Request schemas give such text a `maxLength` of the budget and the pattern
/// `^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$` (no control characters
/// but tabs and line breaks), or when required one that also asks for a
/// character other than white space. Whatever they admit, this accepts.
pub fn bounded_text(raw: &str, max_chars: usize, required: bool) -> Result<String, String> {
    let trimmed = raw.trim();
    if required && trimmed.is_empty() {
        return Err("is required".to_owned());
    }
    if trimmed.chars().count() > max_chars {
        return Err(format!("must be at most {max_chars} characters"));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err("must not contain control characters".to_owned());
    }
    Ok(trimmed.to_owned())
}

/// How the document describes what [`labels`] accepts: up to `max_items`
/// texts of at most `max_len` characters, each with a letter or digit.
pub(crate) fn labels_schema(max_items: usize, max_len: usize, description: &str) -> utoipa::openapi::ArrayBuilder {
    let label = utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .max_length(Some(max_len))
        .pattern(Some(r"[\p{L}\p{N}]"));
    utoipa::openapi::ArrayBuilder::new().items(label).max_items(Some(max_items)).description(Some(description))
}

/// A de-duplicated list of labels (styles, tags), each normalised to a slug. The
/// label as typed is kept for display.
pub fn labels(raw: &[String], max_items: usize, max_len: usize) -> Result<Vec<(Slug, String)>, String> {
    if raw.len() > max_items {
        return Err(format!("at most {max_items} allowed"));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for label in raw {
        let slug = Slug::from_text(label, max_len).map_err(|e| format!("{label:?} {e}"))?;
        if seen.insert(slug.clone()) {
            out.push((slug, label.trim().to_owned()));
        }
    }
    Ok(out)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "artwork_status", rename_all = "lowercase")]
pub enum ArtworkStatus {
    Draft,
    Published,
    Reserved,
    Sold,
    Archived,
}

impl ArtworkStatus {
    /// Statuses anyone may see; drafts and archived works are their owner's.
    /// This list is the rule: [`ArtworkStatus::is_public`], [`is_publicly_visible`]
    /// and the SQL form `catalog::artworks::visibility::PUBLICLY_VISIBLE` all come from it.
    pub const PUBLIC: [Self; 3] = [Self::Published, Self::Reserved, Self::Sold];

    pub fn is_public(self) -> bool {
        Self::PUBLIC.contains(&self)
    }

    /// The name stored in the database and sent in the API (`published`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Reserved => "reserved",
            Self::Sold => "sold",
            Self::Archived => "archived",
        }
    }

    /// Reserved and sold follow from orders, not from an owner's edit.
    pub fn owner_may_set(self) -> bool {
        matches!(self, Self::Draft | Self::Published | Self::Archived)
    }
}

/// Whether the public may see an artwork: a public status, and not held while a
/// moderator reviews a possible copy. Listings, search, the vector index and
/// single-artwork reads all apply this one rule.
pub fn is_publicly_visible(status: ArtworkStatus, held_for_review: bool) -> bool {
    status.is_public() && !held_for_review
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "edition_kind", rename_all = "lowercase")]
pub enum EditionKind {
    Unique,
    Limited,
    Open,
}

/// A unique work, a limited edition of `size` with `available` left, or an open edition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Edition {
    Unique,
    Limited { size: i32, available: i32 },
    Open,
}

/// Written out because the derived schema leaves out what
/// `deny_unknown_fields` says: a variant has no fields but its own.
impl utoipa::PartialSchema for Edition {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::{
            ObjectBuilder, OneOfBuilder, Type,
            schema::{AdditionalProperties, KnownFormat, SchemaFormat},
        };
        let variant = |kind: &str| {
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property("kind", ObjectBuilder::new().schema_type(Type::String).enum_values(Some([kind])))
                .required("kind")
                .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        };
        let count = |minimum: i32| {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
                .minimum(Some(minimum))
                .maximum(Some(MAX_EDITION_SIZE))
        };
        let limited = variant("limited")
            .property("size", count(1))
            .required("size")
            .property("available", count(0))
            .required("available")
            .description(Some("`available` is at most `size`."));
        OneOfBuilder::new()
            .item(variant("unique"))
            .item(limited)
            .item(variant("open"))
            .description(Some("A unique work, a limited edition of `size` with `available` left, or an open edition."))
            .into()
    }
}

impl ToSchema for Edition {}

const MAX_EDITION_SIZE: i32 = 100_000;

impl Edition {
    pub fn validate(self) -> Result<Self, PartError> {
        if let Self::Limited { size, available } = self {
            if !(1..=MAX_EDITION_SIZE).contains(&size) {
                return Err(PartError::new("size", format!("must be between 1 and {MAX_EDITION_SIZE}")));
            }
            if !(0..=size).contains(&available) {
                return Err(PartError::new("available", "must be between 0 and the edition size"));
            }
        }
        Ok(self)
    }

    pub fn columns(self) -> (EditionKind, Option<i32>, Option<i32>) {
        match self {
            Self::Unique => (EditionKind::Unique, None, None),
            Self::Limited { size, available } => (EditionKind::Limited, Some(size), Some(available)),
            Self::Open => (EditionKind::Open, None, None),
        }
    }

    pub fn from_columns(kind: EditionKind, size: Option<i32>, available: Option<i32>) -> Self {
        match (kind, size, available) {
            (EditionKind::Limited, Some(size), Some(available)) => Self::Limited { size, available },
            (EditionKind::Open, ..) => Self::Open,
            _ => Self::Unique,
        }
    }
}

/// An amount in the currency's minor units (pence, cents; yen have none).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Integer count of minor units, e.g. 125000 for £1,250.00.
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub amount_minor: i64,
    #[schema(value_type = CurrencyCode)]
    pub currency: String,
}

/// An ISO 4217 code as the document gives it: one of the codes
/// [`Price::validate`] accepts. Prices and the currency filter name it.
pub struct CurrencyCode;

impl utoipa::PartialSchema for CurrencyCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let letters = || (b'A'..=b'Z').map(char::from);
        let codes: Vec<String> = letters()
            .flat_map(|a| letters().flat_map(move |b| letters().map(move |c| format!("{a}{b}{c}"))))
            .filter(|code| iso_currency::Currency::from_code(code).is_some())
            .collect();
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .enum_values(Some(codes))
            .description(Some("ISO 4217 code, e.g. `GBP`."))
            .into()
    }
}

impl ToSchema for CurrencyCode {}

/// A trillion minor units: far above any artwork, low enough that sums of many
/// prices cannot overflow.
const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000;

impl Price {
    pub fn validate(self) -> Result<Self, PartError> {
        if !(0..=MAX_AMOUNT_MINOR).contains(&self.amount_minor) {
            return Err(PartError::new("amount_minor", format!("must be between 0 and {MAX_AMOUNT_MINOR}")));
        }
        let code = self.currency.trim().to_ascii_uppercase();
        if iso_currency::Currency::from_code(&code).is_none() {
            return Err(PartError::new("currency", format!("{:?} is not an ISO 4217 currency code", self.currency)));
        }
        Ok(Self { amount_minor: self.amount_minor, currency: code })
    }
}

/// Physical size in millimetres; depth is absent for flat works.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dimensions {
    #[schema(minimum = 1, maximum = 100000)]
    pub height_mm: i32,
    #[schema(minimum = 1, maximum = 100000)]
    pub width_mm: i32,
    #[schema(minimum = 1, maximum = 100000)]
    pub depth_mm: Option<i32>,
}

impl Dimensions {
    pub fn validate(self) -> Result<Self, PartError> {
        // 100 m covers monumental installations; anything bigger is a typo.
        let ok = |v: i32| (1..=100_000).contains(&v);
        let sides =
            [("height_mm", Some(self.height_mm)), ("width_mm", Some(self.width_mm)), ("depth_mm", self.depth_mm)];
        if let Some((part, _)) = sides.into_iter().find(|(_, value)| value.is_some_and(|v| !ok(v))) {
            return Err(PartError::new(part, "must be between 1 and 100000 mm"));
        }
        Ok(self)
    }
}

pub fn year(value: i32) -> Result<i32, String> {
    let latest = chrono::Datelike::year(&chrono::Utc::now()) + 1;
    if !(1000..=latest).contains(&value) {
        return Err(format!("must be between 1000 and {latest}"));
    }
    Ok(value)
}

/// ISO 3166-1 alpha-2, upper case.
pub fn country_code(raw: &str) -> Result<String, String> {
    let code = raw.trim().to_ascii_uppercase();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err("must be a two-letter ISO 3166 country code".to_owned())
    }
}

/// `source:identifier`, e.g. `tate:N05005`.
pub fn external_ref(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    let valid = trimmed.len() <= 100
        && trimmed.split_once(':').is_some_and(|(source, id)| {
            !source.is_empty()
                && source.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        });
    if valid { Ok(trimmed.to_owned()) } else { Err("must look like source:identifier, e.g. tate:N05005".to_owned()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_becomes_a_slug() {
        assert_eq!(Slug::from_text("  Abstract  Expressionism! ", 40).unwrap().as_str(), "abstract-expressionism");
        assert_eq!(Slug::from_text("man, old", 40).unwrap().as_str(), "man-old");
        assert_eq!(Slug::from_text("Émile Zoë", 40).unwrap().as_str(), "emile-zoe");
        assert!(Slug::from_text("!!!", 40).is_err());
    }

    #[test]
    fn a_label_is_bounded_as_typed_and_its_slug_as_well() {
        assert!(Slug::from_text(&"a".repeat(41), 40).is_err());
        let slug = Slug::from_text("東京東京東京", 12).unwrap();
        assert!(slug.as_str().len() <= 12 && !slug.as_str().ends_with('-'), "{slug:?}");
    }

    #[test]
    fn chosen_slugs_must_already_be_slugs() {
        assert!(Slug::parse("jane-doe-2", 60).is_ok());
        for bad in ["", "Jane", "jane--doe", "-jane", "jane-", "jane doe"] {
            assert!(Slug::parse(bad, 60).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn prices_need_a_real_currency_and_a_sane_amount() {
        let price = Price { amount_minor: 1000, currency: "gbp".into() }.validate().unwrap();
        assert_eq!(price.currency, "GBP");
        assert!(Price { amount_minor: 1000, currency: "XYZ".into() }.validate().is_err());
        assert!(Price { amount_minor: -1, currency: "EUR".into() }.validate().is_err());
    }

    #[test]
    fn limited_editions_cannot_have_more_available_than_made() {
        assert!(Edition::Limited { size: 10, available: 11 }.validate().is_err());
        assert!(Edition::Limited { size: 0, available: 0 }.validate().is_err());
        assert!(Edition::Limited { size: 10, available: 3 }.validate().is_ok());
    }

    #[test]
    fn status_names_match_their_serialised_form() {
        for status in [
            ArtworkStatus::Draft,
            ArtworkStatus::Published,
            ArtworkStatus::Reserved,
            ArtworkStatus::Sold,
            ArtworkStatus::Archived,
        ] {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        assert!(is_publicly_visible(ArtworkStatus::Sold, false));
        assert!(!is_publicly_visible(ArtworkStatus::Published, true));
        assert!(!is_publicly_visible(ArtworkStatus::Draft, false));
    }

    #[test]
    fn labels_are_deduplicated_by_slug() {
        let parsed = labels(&["Pop Art".into(), "pop-art".into(), "Fauvism".into()], 10, 40).unwrap();
        assert_eq!(parsed.len(), 2);
        assert!(labels(&vec!["x".to_owned(); 11], 10, 40).is_err());
    }
}
