//! Artworks: the listing a collector buys from.

pub mod changes;
mod live;
pub mod routes;
pub mod stock;
pub mod store;

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{
    ToSchema,
    openapi::{Array, Object, ObjectBuilder, Type, schema::SchemaType},
};

use super::domain::{
    ArtworkStatus, Dimensions, Edition, Price, Slug, bounded_text, country_code, external_ref, labels, labels_schema,
    year,
};
use crate::platform::http::error::{ApiResult, FieldErrors};

/// Every editable field of an artwork, parsed and valid. Creation builds one from a
/// request; an edit loads the stored one and applies the patch to it.
#[derive(Clone, Debug)]
pub struct ArtworkFields {
    pub title: String,
    pub description: String,
    pub medium: String,
    pub category: Slug,
    pub styles: Vec<Slug>,
    pub tags: Vec<(Slug, String)>,
    pub year: Option<i32>,
    pub dimensions: Option<Dimensions>,
    pub framed: bool,
    pub edition: Edition,
    pub price: Price,
    pub status: ArtworkStatus,
    pub provenance: String,
    pub signature: String,
    pub certificate_of_authenticity: bool,
    pub shipping_origin: Option<String>,
    pub external_ref: Option<String>,
}

/// `null` and an absent field mean different things in a PATCH: clear it, or leave it.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArtwork {
    /// 1–200 characters.
    #[schema(
        max_length = 200,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 5000, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub description: String,
    #[serde(default)]
    #[schema(max_length = 300, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub medium: String,
    /// A category slug from `GET /api/categories`.
    #[schema(max_length = 60, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub category: String,
    #[serde(default)]
    #[schema(schema_with = styles_schema)]
    pub styles: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = tags_schema)]
    pub tags: Vec<String>,
    /// From 1000 to next year.
    #[schema(minimum = 1000)]
    pub year: Option<i32>,
    pub dimensions: Option<Dimensions>,
    #[serde(default)]
    pub framed: bool,
    pub edition: Edition,
    pub price: Price,
    #[schema(schema_with = new_status_schema)]
    pub status: Option<ArtworkStatus>,
    #[serde(default)]
    #[schema(max_length = 2000, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub provenance: String,
    #[serde(default)]
    #[schema(max_length = 200, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub signature: String,
    #[serde(default)]
    pub certificate_of_authenticity: bool,
    /// ISO 3166 alpha-2 country the work ships from.
    #[schema(pattern = r"^[A-Za-z]{2}$")]
    pub shipping_origin: Option<String>,
    /// `source:identifier` of the work in another collection, e.g. `tate:N05005`.
    #[schema(max_length = 100, pattern = r"^[a-z0-9-]+:[A-Za-z0-9._-]+$")]
    pub external_ref: Option<String>,
}

/// Fields to change; absent fields stay as they are, `null` clears an optional one.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateArtwork {
    #[schema(
        max_length = 200,
        pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
    )]
    pub title: Option<String>,
    #[schema(max_length = 5000, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub description: Option<String>,
    #[schema(max_length = 300, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub medium: Option<String>,
    #[schema(max_length = 60, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub category: Option<String>,
    #[schema(schema_with = patch_styles_schema)]
    pub styles: Option<Vec<String>>,
    #[schema(schema_with = patch_tags_schema)]
    pub tags: Option<Vec<String>>,
    /// From 1000 to next year.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i32>, minimum = 1000)]
    pub year: Option<Option<i32>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Dimensions>)]
    pub dimensions: Option<Option<Dimensions>>,
    pub framed: Option<bool>,
    pub edition: Option<Edition>,
    pub price: Option<Price>,
    /// `reserved` and `sold` follow from orders: only moderators set them.
    pub status: Option<ArtworkStatus>,
    #[schema(max_length = 2000, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub provenance: Option<String>,
    #[schema(max_length = 200, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$")]
    pub signature: Option<String>,
    pub certificate_of_authenticity: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = r"^[A-Za-z]{2}$")]
    pub shipping_origin: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 100, pattern = r"^[a-z0-9-]+:[A-Za-z0-9._-]+$")]
    pub external_ref: Option<Option<String>>,
}

const MAX_STYLES: usize = 10;
const MAX_TAGS: usize = 30;

fn styles_schema() -> Array {
    labels_schema(MAX_STYLES, 40, "Styles as typed, e.g. `Abstract Expressionism`.").build()
}

fn tags_schema() -> Array {
    labels_schema(MAX_TAGS, 60, "Tags as typed.").build()
}

fn patch_styles_schema() -> Array {
    labels_schema(MAX_STYLES, 40, "Styles as typed; replaces them all.")
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .build()
}

fn patch_tags_schema() -> Array {
    labels_schema(MAX_TAGS, 60, "Tags as typed; replaces them all.")
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .build()
}

/// A new artwork starts as a draft or published; the other statuses come later.
fn new_status_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some([Some(ArtworkStatus::Draft.as_str()), Some(ArtworkStatus::Published.as_str()), None]))
        .description(Some("`draft` (default) or `published`."))
        .build()
}

fn parse_styles(raw: &[String]) -> Result<Vec<Slug>, String> {
    labels(raw, MAX_STYLES, 40).map(|parsed| parsed.into_iter().map(|(slug, _)| slug).collect())
}

fn parse_tags(raw: &[String]) -> Result<Vec<(Slug, String)>, String> {
    labels(raw, MAX_TAGS, 60)
}

fn parse_category(raw: &str) -> Result<Slug, String> {
    Slug::parse(raw.trim(), 60)
}

impl CreateArtwork {
    pub fn parse(self) -> ApiResult<ArtworkFields> {
        let mut e = FieldErrors::new();
        let title = e.check("title", bounded_text(&self.title, 200, true));
        let description = e.check("description", bounded_text(&self.description, 5000, false));
        let medium = e.check("medium", bounded_text(&self.medium, 300, false));
        let category = e.check("category", parse_category(&self.category));
        let styles = e.check("styles", parse_styles(&self.styles));
        let tags = e.check("tags", parse_tags(&self.tags));
        let year = e.check("year", self.year.map(year).transpose());
        let dimensions = e.check_part("dimensions", self.dimensions.map(Dimensions::validate).transpose());
        let edition = e.check_part("edition", self.edition.validate());
        let price = e.check_part("price", self.price.validate());
        let provenance = e.check("provenance", bounded_text(&self.provenance, 2000, false));
        let signature = e.check("signature", bounded_text(&self.signature, 200, false));
        let shipping_origin = e.check("shipping_origin", self.shipping_origin.as_deref().map(country_code).transpose());
        let external_ref = e.check("external_ref", self.external_ref.as_deref().map(external_ref).transpose());
        let status = self.status.unwrap_or(ArtworkStatus::Draft);
        if !matches!(status, ArtworkStatus::Draft | ArtworkStatus::Published) {
            e.push("status", "a new artwork is either draft or published");
        }
        let fields = e.finish(|| {
            Some(ArtworkFields {
                title: title?,
                description: description?,
                medium: medium?,
                category: category?,
                styles: styles?,
                tags: tags?,
                year: year?,
                dimensions: dimensions?,
                framed: self.framed,
                edition: edition?,
                price: price?,
                status,
                provenance: provenance?,
                signature: signature?,
                certificate_of_authenticity: self.certificate_of_authenticity,
                shipping_origin: shipping_origin?,
                external_ref: external_ref?,
            })
        })?;
        fields.check_publishable()?;
        Ok(fields)
    }
}

impl UpdateArtwork {
    /// Applies the patch to the stored fields, checking each given field.
    pub fn apply(self, current: ArtworkFields) -> ApiResult<ArtworkFields> {
        let mut e = FieldErrors::new();
        let mut next = current;
        macro_rules! set {
            ($field:ident, $parsed:expr) => {
                if let Some(value) = e.check(stringify!($field), $parsed) {
                    next.$field = value;
                }
            };
        }
        macro_rules! set_part {
            ($field:ident, $parsed:expr) => {
                if let Some(value) = e.check_part(stringify!($field), $parsed) {
                    next.$field = value;
                }
            };
        }
        if let Some(v) = &self.title {
            set!(title, bounded_text(v, 200, true));
        }
        if let Some(v) = &self.description {
            set!(description, bounded_text(v, 5000, false));
        }
        if let Some(v) = &self.medium {
            set!(medium, bounded_text(v, 300, false));
        }
        if let Some(v) = &self.category {
            set!(category, parse_category(v));
        }
        if let Some(v) = &self.styles {
            set!(styles, parse_styles(v));
        }
        if let Some(v) = &self.tags {
            set!(tags, parse_tags(v));
        }
        if let Some(v) = self.year {
            set!(year, v.map(year).transpose());
        }
        if let Some(v) = self.dimensions {
            set_part!(dimensions, v.map(Dimensions::validate).transpose());
        }
        if let Some(v) = self.framed {
            next.framed = v;
        }
        if let Some(v) = self.edition {
            set_part!(edition, v.validate());
        }
        if let Some(v) = self.price {
            set_part!(price, v.validate());
        }
        if let Some(v) = self.status {
            next.status = v;
        }
        if let Some(v) = &self.provenance {
            set!(provenance, bounded_text(v, 2000, false));
        }
        if let Some(v) = &self.signature {
            set!(signature, bounded_text(v, 200, false));
        }
        if let Some(v) = self.certificate_of_authenticity {
            next.certificate_of_authenticity = v;
        }
        if let Some(v) = &self.shipping_origin {
            set!(shipping_origin, v.as_deref().map(country_code).transpose());
        }
        if let Some(v) = &self.external_ref {
            set!(external_ref, v.as_deref().map(external_ref).transpose());
        }
        e.into_result()?;
        next.check_publishable()?;
        Ok(next)
    }
}

impl ArtworkFields {
    /// A listing collectors can see must be buyable: it needs a price.
    fn check_publishable(&self) -> ApiResult<()> {
        let mut e = FieldErrors::new();
        if self.status == ArtworkStatus::Published && self.price.amount_minor == 0 {
            e.push("price.amount_minor", "a published artwork needs a price above zero");
        }
        if let Edition::Limited { available: 0, .. } = self.edition
            && self.status == ArtworkStatus::Published
        {
            e.push("edition.available", "a sold-out edition cannot be published; mark it sold");
        }
        e.into_result()
    }

    /// How complete the listing is, 0–100: what a collector looks for before buying.
    /// Weights favour what builds trust (provenance, size, shipping) over decoration.
    pub fn completeness(&self) -> i16 {
        let checks: [(bool, i16); 11] = [
            (true, 10),
            (self.description.chars().count() >= 40, 15),
            (!self.medium.is_empty(), 10),
            (self.year.is_some(), 5),
            (self.dimensions.is_some(), 10),
            (!self.styles.is_empty(), 10),
            (!self.tags.is_empty(), 10),
            (!self.provenance.is_empty(), 10),
            (!self.signature.is_empty(), 5),
            (self.certificate_of_authenticity, 5),
            (self.shipping_origin.is_some(), 10),
        ];
        checks.iter().filter(|(met, _)| *met).map(|(_, weight)| weight).sum()
    }
}

/// What the API shows of an artwork.
#[derive(Serialize, ToSchema)]
pub struct ArtworkView {
    pub id: uuid::Uuid,
    pub artist: ArtistRef,
    pub title: String,
    pub description: String,
    pub medium: String,
    pub category: CategoryRef,
    pub styles: Vec<String>,
    /// Display names of the tags.
    pub tags: Vec<String>,
    pub year: Option<i32>,
    pub dimensions: Option<Dimensions>,
    pub framed: bool,
    pub edition: Edition,
    pub price: Price,
    pub status: ArtworkStatus,
    pub provenance: String,
    pub signature: String,
    pub certificate_of_authenticity: bool,
    pub shipping_origin: Option<String>,
    pub external_ref: Option<String>,
    /// 0–100: how much of what collectors look for the listing provides.
    pub completeness: i16,
    /// Increments on every change; also sent as the ETag.
    pub version: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    /// True while a moderator reviews a possible copy of another artist's work;
    /// the artwork is hidden from the public and cannot be published meanwhile.
    pub held_for_review: bool,
    /// Processed images in upload order; the first is the cover.
    pub images: Vec<crate::media::images::ImageView>,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct ArtistRef {
    pub id: uuid::Uuid,
    pub slug: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryRef {
    pub slug: String,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> CreateArtwork {
        serde_json::from_value(serde_json::json!({
            "title": "Harbour at Dusk",
            "category": "painting",
            "edition": {"kind": "unique"},
            "price": {"amount_minor": 250000, "currency": "GBP"}
        }))
        .unwrap()
    }

    #[test]
    fn a_minimal_artwork_is_a_draft_with_low_completeness() {
        let fields = minimal().parse().unwrap();
        assert_eq!(fields.status, ArtworkStatus::Draft);
        assert_eq!(fields.completeness(), 10);
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let mut req = minimal();
        req.title = " ".into();
        req.price.currency = "ZZZ".into();
        req.year = Some(99);
        let crate::platform::http::error::ApiError::Validation(errors) = req.parse().unwrap_err() else { panic!() };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "year", "price.currency"]);
    }

    #[test]
    fn patch_null_clears_and_absent_keeps() {
        let mut req = minimal();
        req.year = Some(1999);
        req.shipping_origin = Some("gb".into());
        let current = req.parse().unwrap();
        let patch: UpdateArtwork = serde_json::from_value(serde_json::json!({"year": null})).unwrap();
        let next = patch.apply(current).unwrap();
        assert_eq!(next.year, None);
        assert_eq!(next.shipping_origin.as_deref(), Some("GB"));
    }

    #[test]
    fn publishing_needs_a_price() {
        let mut req = minimal();
        req.price.amount_minor = 0;
        req.status = Some(ArtworkStatus::Published);
        assert!(req.parse().is_err());
    }
}
