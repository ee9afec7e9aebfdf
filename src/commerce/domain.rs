//! Commerce's values: money with its currency's exponent, the marketplace's
//! split of a payment, shipping addresses, and the order process's statuses,
//! actors and the one table of transitions between them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::http::error::ApiError;

/// An amount as the API shows it: integer minor units, the currency, and how
/// many of the digits are decimals (ISO 4217: JPY 0, GBP 2, BHD 3), so a
/// client never guesses a factor of 100.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Money {
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    #[schema(minimum = 0, maximum = 4)]
    pub exponent: u8,
}

impl Money {
    pub fn new(amount_minor: i64, currency: &str) -> Self {
        let currency = currency.trim().to_owned();
        let exponent = exponent(&currency);
        Self { amount_minor, currency, exponent }
    }
}

/// The ISO 4217 exponent of `currency`; 2 for the few codes without one
/// (none of which `Price::validate` accepts for a price).
pub fn exponent(currency: &str) -> u8 {
    iso_currency::Currency::from_code(currency.trim())
        .and_then(|c| c.exponent())
        .and_then(|e| u8::try_from(e).ok())
        .unwrap_or(2)
}

/// How the buyer's total of one order is divided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    pub commission_minor: i64,
    pub fees_minor: i64,
    pub net_minor: i64,
}

/// `bps` basis points of `amount`, rounded half up, in exact integer arithmetic.
fn share(amount: i64, bps: u32) -> i64 {
    let exact = i128::from(amount) * i128::from(bps);
    i64::try_from((exact + 5_000) / 10_000).unwrap_or(i64::MAX)
}

impl Split {
    /// The platform's commission is a share of the works' price (shipping
    /// goes to the artist whole); payment fees a share of what the buyer pays.
    /// The artist nets the rest, so the three always add up to the total.
    pub fn of(subtotal_minor: i64, shipping_minor: i64, commission_bps: u32, fee_bps: u32) -> Self {
        let total = subtotal_minor + shipping_minor;
        let commission_minor = share(subtotal_minor, commission_bps);
        let fees_minor = share(total, fee_bps).min(total - commission_minor);
        Self { commission_minor, fees_minor, net_minor: total - commission_minor - fees_minor }
    }
}

/// A delivery address. Parsed, not validated: once built it is complete and
/// its country is an ISO 3166-1 alpha-2 code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub line1: String,
    #[schema(max_length = 200, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    #[serde(default)]
    pub line2: String,
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub city: String,
    #[schema(max_length = 20, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    #[serde(default)]
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. `GB`.
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country: String,
}

impl Address {
    pub fn parse(self) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let mut text = |field: &str, value: &str, min: usize, max: usize| -> String {
            let value = value.trim();
            let length = value.chars().count();
            if length < min || length > max || value.chars().any(char::is_control) {
                errors
                    .push((field.to_owned(), format!("must be {min} to {max} characters without control characters")));
            }
            value.to_owned()
        };
        let parsed = Self {
            name: text("shipping_address.name", &self.name, 1, 120),
            line1: text("shipping_address.line1", &self.line1, 1, 200),
            line2: text("shipping_address.line2", &self.line2, 0, 200),
            city: text("shipping_address.city", &self.city, 1, 120),
            postal_code: text("shipping_address.postal_code", &self.postal_code, 0, 20),
            country: self.country.trim().to_ascii_uppercase(),
        };
        if parsed.country.len() != 2 || isocountry::CountryCode::for_alpha2(&parsed.country).is_err() {
            errors
                .push(("shipping_address.country".to_owned(), "is not an ISO 3166-1 alpha-2 country code".to_owned()));
        }
        match errors.into_iter().next() {
            None => Ok(parsed),
            Some((field, message)) => Err(ApiError::field(field, message)),
        }
    }
}

/// Where an order is in its process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "order_status", rename_all = "snake_case")]
pub enum OrderStatus {
    /// Stock held; the buyer has not paid yet.
    PendingPayment,
    /// Paid (the card authorised); the artist has to accept or decline.
    Paid,
    /// The artist will fulfil it; the payment is captured once every order
    /// of the checkout has been decided.
    Accepted,
    Shipped,
    Received,
    /// Closed; the artist's net is paid out.
    Completed,
    /// The buyer did not pay before the hold expired.
    PaymentExpired,
    /// The artist declined it; the authorisation was released.
    Declined,
    /// The artist did not answer before the accept deadline.
    Lapsed,
    Cancelled,
    /// The buyer's bank disputes the payment.
    Disputed,
    /// Refunded in full.
    Refunded,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingPayment => "pending_payment",
            Self::Paid => "paid",
            Self::Accepted => "accepted",
            Self::Shipped => "shipped",
            Self::Received => "received",
            Self::Completed => "completed",
            Self::PaymentExpired => "payment_expired",
            Self::Declined => "declined",
            Self::Lapsed => "lapsed",
            Self::Cancelled => "cancelled",
            Self::Disputed => "disputed",
            Self::Refunded => "refunded",
        }
    }

    /// Statuses in which the works are on their way or with the buyer: the
    /// stock is not given back when the order ends in a refund.
    pub fn has_shipped(self) -> bool {
        matches!(self, Self::Shipped | Self::Received | Self::Completed | Self::Disputed)
    }
}

/// Who makes a transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "order_actor", rename_all = "snake_case")]
pub enum Actor {
    Buyer,
    Artist,
    /// A moderator or an administrator.
    Operator,
    /// Payments, timers and provider events.
    System,
}

use Actor::{Artist, Buyer, Operator, System};
use OrderStatus::*;

/// Every transition the order process allows, and who may make it. Nothing
/// else changes an order's status ([`allowed`] is checked under the row lock).
pub const TRANSITIONS: &[(OrderStatus, OrderStatus, Actor)] = &[
    (PendingPayment, Paid, System),
    (PendingPayment, PaymentExpired, System),
    (PendingPayment, Cancelled, Buyer),
    (Paid, Accepted, Artist),
    (Paid, Declined, Artist),
    (Paid, Cancelled, Buyer),
    (Paid, Cancelled, Operator),
    (Paid, Lapsed, System),
    // The payment could not be captured (the authorisation was gone).
    (Accepted, Cancelled, System),
    (Accepted, Shipped, Artist),
    (Accepted, Refunded, Operator),
    (Accepted, Refunded, System),
    (Shipped, Received, Buyer),
    // Nobody said otherwise within the auto-receive period.
    (Shipped, Received, System),
    (Shipped, Refunded, Operator),
    (Shipped, Refunded, System),
    // The buyer's window to report a problem has passed.
    (Received, Completed, System),
    (Received, Refunded, Operator),
    (Received, Refunded, System),
    (Completed, Refunded, Operator),
    (Completed, Refunded, System),
    (Accepted, Disputed, System),
    (Shipped, Disputed, System),
    (Received, Disputed, System),
    (Completed, Disputed, System),
    // The dispute was won: the order closes as it would have.
    (Disputed, Completed, Operator),
    // Lost, or settled with a refund.
    (Disputed, Refunded, Operator),
    (Disputed, Refunded, System),
];

pub fn allowed(from: OrderStatus, to: OrderStatus, actor: Actor) -> bool {
    TRANSITIONS.contains(&(from, to, actor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_keeps_the_currency_exponent() {
        assert_eq!(Money::new(1500, "JPY").exponent, 0);
        assert_eq!(Money::new(1500, "GBP").exponent, 2);
        assert_eq!(Money::new(1500, "BHD").exponent, 3);
    }

    #[test]
    fn a_split_always_adds_up() {
        for (subtotal, shipping, commission, fee) in [
            (10_000, 1_500, 1500, 0),
            (333, 0, 1500, 290),
            (1, 1, 1500, 0),
            (999_999, 12_345, 1250, 300),
            (0, 500, 1500, 9000),
        ] {
            let split = Split::of(subtotal, shipping, commission, fee);
            assert_eq!(split.commission_minor + split.fees_minor + split.net_minor, subtotal + shipping);
            assert!(split.net_minor >= 0 && split.fees_minor >= 0);
        }
        assert_eq!(Split::of(10_000, 1_500, 1500, 0).commission_minor, 1_500);
        // JPY has no minor unit: 15 % of ¥12,345 is ¥1,852 (rounded half up), not ¥18.52.
        assert_eq!(Split::of(12_345, 0, 1500, 0).commission_minor, 1_852);
    }

    #[test]
    fn every_status_but_the_terminal_ones_has_a_way_on() {
        let terminal = [PaymentExpired, Declined, Lapsed, Cancelled, Refunded];
        for status in [PendingPayment, Paid, Accepted, Shipped, Received, Completed, Disputed] {
            assert!(TRANSITIONS.iter().any(|(from, _, _)| *from == status), "{status:?} is a dead end");
        }
        for status in terminal {
            assert!(!TRANSITIONS.iter().any(|(from, _, _)| *from == status), "{status:?} should be final");
        }
        assert!(!allowed(Shipped, Cancelled, Buyer), "a shipped order cannot be cancelled");
        assert!(!allowed(Paid, Accepted, Buyer), "only the artist accepts");
    }
}
