//! What an offer is and how it may change: the parties, the statuses of one
//! offer and of a negotiation, and the one table of allowed steps.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{messaging::domain::MessageBody, platform::http::error::ApiError};

/// Who made an offer, or whose turn it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[schema(as = OfferParty)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Party {
    /// The collector.
    Buyer,
    Artist,
}

impl Party {
    pub fn other(self) -> Party {
        match self {
            Party::Buyer => Party::Artist,
            Party::Artist => Party::Buyer,
        }
    }
}

/// Where one offer stands. Only `pending` can change, and only the latest
/// offer of a negotiation can be pending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum OfferStatus {
    /// Awaiting the other party's answer.
    Pending,
    /// The other party answered with an offer of their own.
    Countered,
    /// Its author replaced it with another before any answer.
    Superseded,
    Accepted,
    Declined,
    Expired,
    /// Its author took it back.
    Withdrawn,
}

impl OfferStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OfferStatus::Pending => "pending",
            OfferStatus::Countered => "countered",
            OfferStatus::Superseded => "superseded",
            OfferStatus::Accepted => "accepted",
            OfferStatus::Declined => "declined",
            OfferStatus::Expired => "expired",
            OfferStatus::Withdrawn => "withdrawn",
        }
    }
}

/// Where a negotiation stands: open while an offer is pending, and then as
/// its last offer ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum NegotiationStatus {
    Open,
    /// Agreed, paid and ordered.
    Accepted,
    Declined,
    Expired,
    Withdrawn,
}

/// Who takes a step, relative to the pending offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    /// The party the offer awaits: the one who did not make it.
    Awaited,
    /// The party who made it.
    Author,
    /// The floor, a sale elsewhere, the clock.
    System,
}

use By::{Author, Awaited, System};
use OfferStatus::*;

/// Every step an offer may take, and who may take it. Nothing else changes
/// an offer's status ([`allowed`] is checked under the negotiation's lock).
pub const STEPS: &[(OfferStatus, OfferStatus, By)] = &[
    (Pending, Accepted, Awaited),
    (Pending, Declined, Awaited),
    // Answered with another price.
    (Pending, Countered, Awaited),
    // Replaced by its author before an answer.
    (Pending, Superseded, Author),
    (Pending, Withdrawn, Author),
    // Below the artist's floor, or the work sold to someone else.
    (Pending, Declined, System),
    (Pending, Expired, System),
];

pub fn allowed(from: OfferStatus, to: OfferStatus, by: By) -> bool {
    STEPS.contains(&(from, to, by))
}

/// What an offer ending in `status` makes of its negotiation; `None` when
/// another offer takes its place.
pub fn negotiation_after(status: OfferStatus) -> Option<NegotiationStatus> {
    match status {
        Pending | Countered | Superseded => None,
        Accepted => Some(NegotiationStatus::Accepted),
        Declined => Some(NegotiationStatus::Declined),
        Expired => Some(NegotiationStatus::Expired),
        Withdrawn => Some(NegotiationStatus::Withdrawn),
    }
}

/// The most a note or a reason may say.
pub const MAX_NOTE_CHARS: usize = 1000;

/// A note with an offer, or a reason given for declining: plain text as a
/// message is, shorter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note(String);

impl Note {
    /// `None` for nothing but white space; refused when too long or holding
    /// control characters.
    pub fn parse(field: &str, raw: Option<&str>) -> Result<Option<Note>, ApiError> {
        let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else { return Ok(None) };
        if raw.len() > MAX_NOTE_CHARS * 4 || raw.chars().count() > MAX_NOTE_CHARS {
            return Err(ApiError::field(field, format!("must be at most {MAX_NOTE_CHARS} characters")));
        }
        let body = MessageBody::parse(raw).map_err(|message| ApiError::field(field, message))?;
        Ok(Some(Note(body.as_str().to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An amount someone offers: more than nothing, and no more than the listed
/// price (at the listed price the work can simply be bought).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amount(i64);

impl Amount {
    pub fn parse(amount_minor: i64, listed_minor: i64) -> Result<Amount, ApiError> {
        if amount_minor <= 0 {
            return Err(ApiError::field("amount_minor", "must be more than 0"));
        }
        if amount_minor > listed_minor {
            return Err(ApiError::field(
                "amount_minor",
                format!("must be at most the listed price, {listed_minor}: at that price the work can be bought now"),
            ));
        }
        Ok(Amount(amount_minor))
    }

    pub fn minor(self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_pending_offer_moves_and_only_by_the_right_party() {
        for (from, _, _) in STEPS {
            assert_eq!(*from, Pending, "only a pending offer can change");
        }
        assert!(allowed(Pending, Accepted, Awaited));
        assert!(!allowed(Pending, Accepted, Author), "nobody accepts their own offer");
        assert!(!allowed(Pending, Accepted, System), "acceptance is a party's decision");
        assert!(!allowed(Pending, Countered, Author), "an author revises, the other party counters");
        assert!(!allowed(Pending, Withdrawn, Awaited));
        assert!(!allowed(Countered, Accepted, Awaited), "a countered offer is over");
        assert!(!allowed(Expired, Accepted, Awaited));
    }

    #[test]
    fn a_negotiation_ends_with_its_last_offer() {
        assert_eq!(negotiation_after(Countered), None);
        assert_eq!(negotiation_after(Superseded), None);
        assert_eq!(negotiation_after(Accepted), Some(NegotiationStatus::Accepted));
        assert_eq!(negotiation_after(Expired), Some(NegotiationStatus::Expired));
    }

    #[test]
    fn amounts_and_notes_are_bounded() {
        assert!(Amount::parse(0, 100).is_err());
        assert!(Amount::parse(-5, 100).is_err());
        assert!(Amount::parse(101, 100).is_err());
        assert_eq!(Amount::parse(100, 100).unwrap().minor(), 100);
        assert_eq!(Note::parse("note", Some("   ")).unwrap(), None);
        assert!(Note::parse("note", Some(&"a".repeat(MAX_NOTE_CHARS + 1))).is_err());
        assert!(Note::parse("note", Some("hello\u{0007}")).is_err());
        assert_eq!(Note::parse("note", Some(" fair? ")).unwrap().unwrap().as_str(), "fair?");
    }
}
