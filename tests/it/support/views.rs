//! Typed, partial views of the response bodies tests read most. Each names
//! only the fields some test looks at; anything else in the body is ignored.
//! Ids stay strings, as they are on the wire, so a comparison with a view is
//! as strict as one with the JSON.

use serde::{Deserialize, de::DeserializeOwned};
use serde_json::Value;

use super::app::TestResponse;

impl TestResponse {
    /// The body read as `T`; panics, showing the body, when it does not fit.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_value(self.body.clone())
            .unwrap_or_else(|e| panic!("{} ({}) is not a {}: {e}", self.body, self.status, std::any::type_name::<T>()))
    }
}

/// An artwork as `GET /api/artworks/{id}` shows it, and as listings and
/// `POST /api/artworks` return it.
#[derive(Debug, Deserialize)]
pub struct ArtworkView {
    pub id: String,
    pub title: String,
    pub artist: ArtistRef,
    pub category: CategoryRef,
    pub styles: Vec<String>,
    pub tags: Vec<String>,
    /// Compared whole: its shape depends on the kind.
    pub edition: Value,
    pub price: Price,
    pub status: String,
    pub shipping_origin: Option<String>,
    pub completeness: i64,
    pub version: i64,
    pub published_at: Option<String>,
    pub held_for_review: bool,
}

#[derive(Debug, Deserialize)]
pub struct ArtistRef {
    pub id: String,
    pub slug: String,
}

#[derive(Debug, Deserialize)]
pub struct CategoryRef {
    pub slug: String,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
pub struct Price {
    pub amount_minor: i64,
    pub currency: String,
}

/// An artist profile.
#[derive(Debug, Deserialize)]
pub struct ArtistView {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub bio: String,
    pub styles: Vec<String>,
    pub claimed: bool,
    pub external_ref: Option<String>,
    pub follower_count: i64,
}

/// What register, login and refresh answer.
#[derive(Debug, Deserialize)]
pub struct SessionView {
    pub user: UserView,
    pub access_token: String,
    /// Only when the client asked for it in the body.
    pub refresh_token: Option<String>,
}

/// The refresh token a sign-in answer set as a cookie.
pub fn refresh_cookie(response: &super::TestResponse) -> Option<String> {
    let cookie = response.header("set-cookie")?;
    let (name, value) = cookie.split(';').next()?.split_once('=')?;
    (name == "refresh_token" && !value.is_empty()).then(|| value.to_owned())
}

/// An account, as `GET /api/me` shows it.
#[derive(Debug, Deserialize)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub artist_id: Option<String>,
}

/// One page of a cursor-paged listing.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A problem document (RFC 9457).
#[derive(Debug, Deserialize)]
pub struct ProblemView {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
}
