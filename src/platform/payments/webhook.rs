//! Provider events in Stripe's format: the `Stripe-Signature` scheme that
//! proves an event came from the provider, and the few event types Atelier
//! acts on. Events name what changed; the handler reads the current state from
//! the provider, so events arriving late or out of order cannot move anything
//! backwards.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::platform::config::Secret;

/// How far a signature's timestamp may be from now, either way: Stripe's
/// default tolerance, which bounds how long a captured request can be replayed.
pub const TOLERANCE_SECS: i64 = 300;

/// The largest event body read; Stripe's events are a few kilobytes.
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebhookError {
    #[error("the Stripe-Signature header is missing")]
    MissingSignature,
    #[error("the Stripe-Signature header is malformed")]
    MalformedSignature,
    #[error("the signature's timestamp is outside the tolerance")]
    Stale,
    #[error("no signature matches the body")]
    BadSignature,
    #[error("the body is not an event")]
    NotAnEvent,
}

/// A verified event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookEvent {
    pub id: String,
    /// The provider's type name, e.g. `payment_intent.succeeded`.
    pub type_name: String,
    pub kind: EventKind,
}

/// What an event is about, as far as Atelier cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A payment was authorised, captured, failed, cancelled or needs action.
    Payment { payment_id: String },
    /// A payment's refunds changed (including refunds made in the dashboard).
    Refunds { payment_id: String },
    /// The buyer's bank opened a dispute on a payment.
    DisputeOpened { payment_id: String, dispute_id: String },
    /// A connected account's capabilities or requirements changed.
    Account { account_id: String },
    /// A type Atelier does not act on; acknowledged and recorded.
    Other,
}

type HmacSha256 = Hmac<Sha256>;

fn signature(secret: &Secret, timestamp: i64, body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.expose().as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `Stripe-Signature` header value for `body` signed at `timestamp`.
pub fn sign(secret: &Secret, timestamp: i64, body: &[u8]) -> String {
    let digest = signature(secret, timestamp, body).finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

/// Checks `header` against `body` with any of `secrets` (several while a
/// secret is rotated), at `now` (Unix seconds), then parses the event.
pub fn verify(secrets: &[Secret], header: Option<&str>, body: &[u8], now: i64) -> Result<WebhookEvent, WebhookError> {
    let header = header.ok_or(WebhookError::MissingSignature)?;
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        let (key, value) = part.trim().split_once('=').ok_or(WebhookError::MalformedSignature)?;
        match key {
            "t" => timestamp = Some(value.parse::<i64>().map_err(|_| WebhookError::MalformedSignature)?),
            "v1" => candidates.push(decode_hex(value).ok_or(WebhookError::MalformedSignature)?),
            // v0 and schemes to come are not ours to check.
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(WebhookError::MalformedSignature)?;
    if candidates.is_empty() {
        return Err(WebhookError::MalformedSignature);
    }
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(WebhookError::Stale);
    }
    // `verify_slice` compares in constant time.
    let matches = secrets.iter().any(|secret| {
        candidates.iter().any(|candidate| signature(secret, timestamp, body).verify_slice(candidate).is_ok())
    });
    if !matches {
        return Err(WebhookError::BadSignature);
    }
    parse(body)
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

#[derive(Deserialize)]
struct RawEvent {
    id: String,
    #[serde(rename = "type")]
    type_name: String,
    data: RawData,
}

#[derive(Deserialize)]
struct RawData {
    object: RawObject,
}

#[derive(Deserialize)]
struct RawObject {
    id: String,
    /// On charges, refunds and disputes: the payment they belong to.
    payment_intent: Option<String>,
}

fn parse(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    let raw: RawEvent = serde_json::from_slice(body).map_err(|_| WebhookError::NotAnEvent)?;
    if raw.id.is_empty() || raw.id.len() > 255 {
        return Err(WebhookError::NotAnEvent);
    }
    let object = raw.data.object;
    let payment_of = |object: RawObject| object.payment_intent.ok_or(WebhookError::NotAnEvent);
    let kind = match raw.type_name.as_str() {
        t if t.starts_with("payment_intent.") => EventKind::Payment { payment_id: object.id },
        "charge.refunded" | "charge.refund.updated" | "refund.created" | "refund.updated" => {
            EventKind::Refunds { payment_id: payment_of(object)? }
        }
        "charge.dispute.created" => {
            let dispute_id = object.id.clone();
            EventKind::DisputeOpened { payment_id: payment_of(object)?, dispute_id }
        }
        "account.updated" => EventKind::Account { account_id: object.id },
        _ => EventKind::Other,
    };
    Ok(WebhookEvent { id: raw.id, type_name: raw.type_name, kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1"}}}"#;

    fn secret(s: &str) -> Secret {
        Secret::new(s)
    }

    #[test]
    fn a_signed_event_verifies_with_any_current_secret() {
        let header = sign(&secret("whsec_new"), 1_000, BODY);
        let event = verify(&[secret("whsec_old"), secret("whsec_new")], Some(&header), BODY, 1_100).unwrap();
        assert_eq!(event.kind, EventKind::Payment { payment_id: "pi_1".to_owned() });
        // A header carrying the old and the new secret's signature, as Stripe
        // sends during a rotation, verifies with either.
        let old = sign(&secret("whsec_old"), 1_000, BODY);
        let both = format!("{header},{}", old.split_once(',').unwrap().1);
        assert!(verify(&[secret("whsec_old")], Some(&both), BODY, 1_000).is_ok());
    }

    #[test]
    fn tampering_staleness_and_garbage_are_refused() {
        let key = [secret("whsec_a")];
        let header = sign(&key[0], 1_000, BODY);
        let tampered = br#"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_2"}}}"#;
        assert_eq!(verify(&key, Some(&header), tampered, 1_000), Err(WebhookError::BadSignature));
        assert_eq!(verify(&[secret("whsec_b")], Some(&header), BODY, 1_000), Err(WebhookError::BadSignature));
        assert_eq!(verify(&key, Some(&header), BODY, 1_301), Err(WebhookError::Stale));
        assert_eq!(verify(&key, Some(&header), BODY, 699), Err(WebhookError::Stale));
        assert_eq!(verify(&key, None, BODY, 1_000), Err(WebhookError::MissingSignature));
        for bad in ["", "t=1000", "v1=00", "t=x,v1=00", "garbage", "t=1000,v1=zz"] {
            assert_eq!(verify(&key, Some(bad), BODY, 1_000), Err(WebhookError::MalformedSignature), "{bad:?}");
        }
        let not_event = b"[]";
        assert_eq!(
            verify(&key, Some(&sign(&key[0], 1_000, not_event)), not_event, 1_000),
            Err(WebhookError::NotAnEvent)
        );
    }

    #[test]
    fn refunds_and_disputes_name_their_payment() {
        let refund =
            br#"{"id":"evt_2","type":"charge.refunded","data":{"object":{"id":"ch_1","payment_intent":"pi_9"}}}"#;
        assert_eq!(parse(refund).unwrap().kind, EventKind::Refunds { payment_id: "pi_9".to_owned() });
        let dispute =
            br#"{"id":"evt_3","type":"charge.dispute.created","data":{"object":{"id":"dp_1","payment_intent":"pi_9"}}}"#;
        assert_eq!(
            parse(dispute).unwrap().kind,
            EventKind::DisputeOpened { payment_id: "pi_9".to_owned(), dispute_id: "dp_1".to_owned() }
        );
        let other = br#"{"id":"evt_4","type":"customer.created","data":{"object":{"id":"cus_1"}}}"#;
        assert_eq!(parse(other).unwrap().kind, EventKind::Other);
    }
}
