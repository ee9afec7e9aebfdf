//! Review values and the rules of the double-blind window: who may write
//! when, and from when a review may be read by others than its author.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::platform::http::error::{ApiResult, FieldErrors};

/// A review's text is at most this many characters as written.
pub const MAX_CHARS: usize = 2000;

/// A side of an order: the buyer reviews the artist, the artist the buyer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[schema(as = ReviewParty)]
#[sqlx(type_name = "review_party", rename_all = "snake_case")]
pub enum Party {
    Buyer,
    Artist,
}

impl Party {
    pub fn other(self) -> Self {
        match self {
            Self::Buyer => Self::Artist,
            Self::Artist => Self::Buyer,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Buyer => "buyer",
            Self::Artist => "artist",
        }
    }
}

/// One to five stars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rating(i16);

impl Rating {
    pub fn parse(raw: i64) -> Result<Self, String> {
        match i16::try_from(raw) {
            Ok(stars @ 1..=5) => Ok(Self(stars)),
            _ => Err("must be a whole number of stars from 1 to 5".to_owned()),
        }
    }

    pub fn stars(self) -> i16 {
        self.0
    }
}

/// A review's text: plain text as messages are kept (normalised, no control
/// characters but line breaks and tabs, trimmed, not empty), of at most
/// [`MAX_CHARS`] characters as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewText(String);

impl ReviewText {
    pub fn parse(raw: &str) -> Result<Self, String> {
        crate::messaging::domain::plain_text(raw, MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A review as its author submits it, parsed.
#[derive(Clone, Debug)]
pub struct Draft {
    pub rating: Rating,
    pub text: ReviewText,
}

impl Draft {
    /// Every invalid field at once, as 422.
    pub fn parse(rating: i64, body: &str) -> ApiResult<Self> {
        let mut errors = FieldErrors::new();
        let rating = errors.check("rating", Rating::parse(rating));
        let text = errors.check("body", ReviewText::parse(body));
        errors.finish(|| Some(Self { rating: rating?, text: text? }))
    }
}

/// The time an order's parties have to review each other: from its first
/// completion, for the configured number of days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

/// Where a window is at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WindowState {
    /// The order has not completed yet.
    NotOpen,
    /// Reviews may be written until `closes_at`.
    Open,
    /// No more reviews; whatever was written is published.
    Closed,
}

impl Window {
    /// The window of an order that first completed at `completed_at`; none
    /// before it completes.
    pub fn of(completed_at: Option<DateTime<Utc>>, length: Duration) -> Option<Self> {
        let opens_at = completed_at?;
        let length = chrono::Duration::from_std(length).unwrap_or(chrono::Duration::MAX);
        Some(Self { opens_at, closes_at: opens_at.checked_add_signed(length).unwrap_or(DateTime::<Utc>::MAX_UTC) })
    }

    pub fn state(window: Option<Self>, now: DateTime<Utc>) -> WindowState {
        match window {
            Some(w) if now >= w.closes_at => WindowState::Closed,
            Some(w) if now >= w.opens_at => WindowState::Open,
            _ => WindowState::NotOpen,
        }
    }

    /// When a review written at `now` is published: at once when the other
    /// party has written theirs (which is published then too), otherwise
    /// when the window closes.
    pub fn publication(self, now: DateTime<Utc>, other_has_written: bool) -> DateTime<Utc> {
        if other_has_written { now.min(self.closes_at) } else { self.closes_at }
    }
}

/// Whether a review published at `published_at` may be read at `now` by
/// others than its author. Hidden reviews are withheld separately.
pub fn is_published(published_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    published_at <= now
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::http::error::ApiError;

    fn at(day: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + day * 86_400, 0).unwrap()
    }

    const FORTNIGHT: Duration = Duration::from_secs(14 * 86_400);

    #[test]
    fn ratings_are_one_to_five_whole_stars() {
        assert!(Rating::parse(0).is_err());
        assert!(Rating::parse(6).is_err());
        assert!(Rating::parse(-3).is_err());
        assert!(Rating::parse(i64::MAX).is_err());
        assert_eq!(Rating::parse(1).unwrap().stars(), 1);
        assert_eq!(Rating::parse(5).unwrap().stars(), 5);
    }

    #[test]
    fn review_text_is_bounded_and_normalised() {
        assert_eq!(
            ReviewText::parse("  Lovely work,\r\n\r\n\r\nwell packed. ").unwrap().as_str(),
            "Lovely work,\n\nwell packed."
        );
        assert!(ReviewText::parse(" \n ").is_err());
        assert!(ReviewText::parse("bell\u{7}").is_err());
        assert!(ReviewText::parse(&"é".repeat(MAX_CHARS)).is_ok());
        assert!(ReviewText::parse(&"é".repeat(MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn a_draft_names_every_invalid_field() {
        let Err(ApiError::Validation(errors)) = Draft::parse(9, "") else { panic!("accepted") };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["rating", "body"]);
    }

    #[test]
    fn the_window_opens_at_completion_and_closes_after_its_length() {
        assert_eq!(Window::state(Window::of(None, FORTNIGHT), at(0)), WindowState::NotOpen);
        let window = Window::of(Some(at(0)), FORTNIGHT).unwrap();
        assert_eq!(window.closes_at, at(14));
        assert_eq!(Window::state(Some(window), at(-1)), WindowState::NotOpen);
        assert_eq!(Window::state(Some(window), at(0)), WindowState::Open);
        assert_eq!(Window::state(Some(window), at(14) - chrono::Duration::seconds(1)), WindowState::Open);
        assert_eq!(Window::state(Some(window), at(14)), WindowState::Closed);
    }

    #[test]
    fn a_lone_review_waits_for_the_window_and_a_second_publishes_both() {
        let window = Window::of(Some(at(0)), FORTNIGHT).unwrap();
        let first = window.publication(at(2), false);
        assert_eq!(first, at(14));
        assert!(!is_published(first, at(13)));
        assert!(is_published(first, at(14)));
        assert_eq!(window.publication(at(5), true), at(5));
    }
}
