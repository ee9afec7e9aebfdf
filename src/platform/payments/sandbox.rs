//! The embedded payments provider. It keeps its state in its own tables (as a
//! real provider keeps it on its side), answers Stripe's documented test cards
//! the way Stripe's test mode does, and queues an event for every change,
//! which [`SandboxPayments::deliver_pending`] signs and posts to the webhook
//! route like Stripe would. Nothing leaves the machine.
//!
//! Its card form is four routes ([`routes`]) standing in for what Stripe.js
//! does in the browser: confirm a payment, or a setup saving a card, with a
//! card number, and complete the bank's authentication step of either.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use axum::{
    Json, Router,
    extract::{Path, State},
    routing::post,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    CardSummary, ConnectedAccount, Customer, Decline, IdempotencyKey, NewPayment, NewTransfer, Payment,
    PaymentProvider, PaymentState, PaymentsError, PaymentsResult, Refund, SavedMethod, Setup, SetupState, Transfer,
    webhook,
};
use crate::platform::{
    config::Secret,
    http::{ApiJson, error::ApiError},
};

pub struct SandboxPayments {
    db: PgPool,
    webhook_secret: Secret,
}

/// What a test card does when a payment is confirmed with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CardBehaviour {
    Authorises,
    /// The bank asks for authentication (3-D Secure) first.
    RequiresAuthentication,
    Declines(&'static str, &'static str),
}

const DECLINED: &str = "Your card was declined.";

/// Stripe's test card that is saved without complaint and declined whenever
/// it is charged ("decline after attaching").
const DECLINES_WHEN_CHARGED: &str = "4000000000000341";

/// Stripe's test card that asks for authentication only when its holder is
/// present: once saved through an authenticated setup, payments without
/// them go through.
const AUTHENTICATES_ONCE: &str = "4000002500003155";

/// Stripe's test card numbers and what they do (stripe.com/docs/testing).
fn card_behaviour(number: &str) -> CardBehaviour {
    match number {
        "4242424242424242" | "5555555555554444" | "4000056655665556" => CardBehaviour::Authorises,
        AUTHENTICATES_ONCE | "4000002760003184" => CardBehaviour::RequiresAuthentication,
        "4000000000000002" | DECLINES_WHEN_CHARGED => CardBehaviour::Declines("card_declined", DECLINED),
        "4000000000009995" => CardBehaviour::Declines("insufficient_funds", "Your card has insufficient funds."),
        "4000000000009987" => CardBehaviour::Declines("lost_card", DECLINED),
        "4000000000000069" => CardBehaviour::Declines("expired_card", "Your card has expired."),
        "4000000000000127" => CardBehaviour::Declines("incorrect_cvc", "Your card's security code is incorrect."),
        number if !luhn_valid(number) => CardBehaviour::Declines("incorrect_number", "Your card number is incorrect."),
        // Test mode refuses real card numbers.
        _ => CardBehaviour::Declines("card_declined", "Your card was declined. Use one of the test cards."),
    }
}

/// What a test card does when a setup saves it: Stripe checks it with its
/// bank as it would a payment, and only the card made to fail later passes.
fn saving_behaviour(number: &str) -> CardBehaviour {
    match number {
        DECLINES_WHEN_CHARGED => CardBehaviour::Authorises,
        number => card_behaviour(number),
    }
}

/// What a saved card does when charged without its holder; here
/// `RequiresAuthentication` is Stripe's `authentication_required` decline,
/// since nobody is there to authenticate. 4000002760003184 asks for it on
/// every payment, however the card was saved.
fn off_session_behaviour(number: &str) -> CardBehaviour {
    match number {
        AUTHENTICATES_ONCE => CardBehaviour::Authorises,
        number => card_behaviour(number),
    }
}

/// The card network a test number belongs to, by its first digit.
fn brand_of(number: &str) -> &'static str {
    match number.as_bytes().first() {
        Some(b'4') => "visa",
        Some(b'2' | b'5') => "mastercard",
        Some(b'3') => "amex",
        _ => "unknown",
    }
}

fn digits_of(card_number: &str) -> String {
    card_number.chars().filter(|c| !c.is_whitespace() && *c != '-').collect()
}

fn luhn_valid(number: &str) -> bool {
    if !(12..=19).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = number
        .bytes()
        .rev()
        .map(|b| u32::from(b - b'0'))
        .enumerate()
        .map(|(i, d)| if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d })
        .sum();
    sum.is_multiple_of(10)
}

#[derive(sqlx::FromRow)]
struct IntentRow {
    id: String,
    amount: i64,
    currency: String,
    status: String,
    amount_capturable: i64,
    amount_received: i64,
    amount_refunded: i64,
    client_secret: String,
    last_error: Option<Value>,
    payment_method_id: Option<String>,
}

fn state_of(status: &str) -> anyhow::Result<PaymentState> {
    Ok(serde_json::from_value(Value::String(status.to_owned()))?)
}

fn status_name(state: PaymentState) -> String {
    serde_json::to_value(state).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

impl IntentRow {
    fn payment(&self) -> anyhow::Result<Payment> {
        Ok(Payment {
            id: self.id.clone(),
            state: state_of(&self.status)?,
            amount_minor: self.amount,
            currency: self.currency.trim().to_owned(),
            amount_capturable: self.amount_capturable,
            amount_received: self.amount_received,
            client_secret: self.client_secret.clone(),
            last_decline: self.last_error.clone().and_then(|e| serde_json::from_value(e).ok()),
        })
    }

    /// A payment charged to a saved card answers its failure as an error, as
    /// Stripe answers it, every time its idempotency key is repeated too.
    fn off_session_answer(&self) -> PaymentsResult<Payment> {
        let payment = self.payment()?;
        match (payment.state, payment.last_decline) {
            (PaymentState::RequiresPaymentMethod, Some(decline)) if decline.code == AUTHENTICATION_REQUIRED => {
                Err(PaymentsError::AuthenticationRequired)
            }
            (PaymentState::RequiresPaymentMethod, Some(decline)) => Err(PaymentsError::Declined(decline)),
            (state, last_decline) => Ok(Payment { state, last_decline, ..payment }),
        }
    }

    /// The PaymentIntent as Stripe's events carry it.
    fn object(&self) -> Value {
        json!({
            "id": self.id,
            "object": "payment_intent",
            "amount": self.amount,
            "amount_capturable": self.amount_capturable,
            "amount_received": self.amount_received,
            "capture_method": "manual",
            "currency": self.currency.trim().to_ascii_lowercase(),
            "status": self.status,
            "last_payment_error": self.last_error,
        })
    }
}

const AUTHENTICATION_REQUIRED: &str = "authentication_required";

#[derive(sqlx::FromRow)]
struct SetupRow {
    id: String,
    customer_id: String,
    status: String,
    client_secret: String,
    card_number: Option<String>,
    payment_method_id: Option<String>,
    last_error: Option<Value>,
    brand: Option<String>,
    last4: Option<String>,
}

/// A setup with its saved card's brand and last digits, by id.
macro_rules! setup_query {
    () => {
        "SELECT s.id, s.customer_id, s.status, s.client_secret, s.card_number,
         s.payment_method_id, s.last_error, m.brand, right(m.card_number, 4) AS last4
     FROM sandbox_setups s LEFT JOIN sandbox_payment_methods m ON m.id = s.payment_method_id
     WHERE s.id = $1"
    };
}

impl SetupRow {
    fn setup(&self) -> anyhow::Result<Setup> {
        let state = match (self.status.as_str(), &self.payment_method_id) {
            ("requires_payment_method", _) => SetupState::RequiresPaymentMethod,
            ("requires_confirmation", _) => SetupState::RequiresConfirmation,
            ("requires_action", _) => SetupState::RequiresAction,
            ("processing", _) => SetupState::Processing,
            ("canceled", _) => SetupState::Canceled,
            ("succeeded", Some(payment_method_id)) => SetupState::Succeeded {
                method: SavedMethod {
                    customer_id: self.customer_id.clone(),
                    payment_method_id: payment_method_id.clone(),
                },
                card: self.brand.clone().zip(self.last4.clone()).map(|(brand, last4)| CardSummary { brand, last4 }),
            },
            (status, _) => anyhow::bail!("a sandbox setup in status {status} with no card"),
        };
        Ok(Setup {
            id: self.id.clone(),
            client_secret: self.client_secret.clone(),
            state,
            last_decline: self.last_error.clone().and_then(|e| serde_json::from_value(e).ok()),
        })
    }
}

fn new_id(prefix: &str) -> String {
    format!("{prefix}_sbx_{}", Uuid::now_v7().simple())
}

fn refused(message: impl Into<String>) -> PaymentsError {
    PaymentsError::Refused(message.into())
}

fn db_error(e: sqlx::Error) -> PaymentsError {
    PaymentsError::Other(e.into())
}

/// An event signed for delivery.
pub struct SignedEvent {
    pub id: String,
    pub body: Vec<u8>,
    pub signature: String,
}

impl SandboxPayments {
    pub fn new(db: PgPool, webhook_secret: Secret) -> Self {
        Self { db, webhook_secret }
    }

    async fn lock_intent(conn: &mut PgConnection, id: &str) -> PaymentsResult<IntentRow> {
        sqlx::query_as("SELECT * FROM sandbox_intents WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(conn)
            .await
            .map_err(db_error)?
            .ok_or_else(|| refused(format!("no such payment: {id}")))
    }

    async fn emit(conn: &mut PgConnection, type_name: &str, object: Value) -> PaymentsResult<()> {
        let id = new_id("evt");
        let body = json!({
            "id": id,
            "object": "event",
            "type": type_name,
            "created": chrono::Utc::now().timestamp(),
            "data": { "object": object },
        });
        sqlx::query("INSERT INTO sandbox_events (id, body) VALUES ($1, $2)")
            .bind(&id)
            .bind(body)
            .execute(conn)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    /// The object an earlier call with `key` made, if any: a repeated call
    /// answers the same object instead of making another.
    async fn remembered(conn: &mut PgConnection, key: &IdempotencyKey) -> PaymentsResult<Option<String>> {
        // Serialises calls with one key, as Stripe does.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))")
            .bind(key.as_str())
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
        sqlx::query_scalar("SELECT answer ->> 'id' FROM sandbox_idempotency WHERE key = $1")
            .bind(key.as_str())
            .fetch_optional(conn)
            .await
            .map_err(db_error)
    }

    async fn remember(conn: &mut PgConnection, key: &IdempotencyKey, id: &str) -> PaymentsResult<()> {
        sqlx::query("INSERT INTO sandbox_idempotency (key, answer) VALUES ($1, $2)")
            .bind(key.as_str())
            .bind(json!({ "id": id }))
            .execute(conn)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn save_intent(conn: &mut PgConnection, row: &IntentRow) -> PaymentsResult<()> {
        sqlx::query(
            "UPDATE sandbox_intents SET status = $2, amount_capturable = $3, amount_received = $4,
                 amount_refunded = $5, last_error = $6, payment_method_id = $7
             WHERE id = $1",
        )
        .bind(&row.id)
        .bind(&row.status)
        .bind(row.amount_capturable)
        .bind(row.amount_received)
        .bind(row.amount_refunded)
        .bind(&row.last_error)
        .bind(&row.payment_method_id)
        .execute(conn)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    /// What the buyer's browser does with Stripe.js: confirm the payment with
    /// a card. Answers the payment as it then stands.
    pub async fn confirm(&self, id: &str, client_secret: &str, card_number: &str) -> PaymentsResult<Payment> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let mut row = Self::lock_intent(&mut tx, id).await?;
        if row.client_secret != client_secret {
            return Err(refused("the client secret does not match the payment"));
        }
        if !matches!(row.status.as_str(), "requires_payment_method" | "requires_confirmation") {
            return Err(refused(format!("a payment in status {} cannot be confirmed", row.status)));
        }
        let event = match card_behaviour(&digits_of(card_number)) {
            CardBehaviour::Authorises => {
                row.status = status_name(PaymentState::RequiresCapture);
                row.amount_capturable = row.amount;
                row.last_error = None;
                "payment_intent.amount_capturable_updated"
            }
            CardBehaviour::RequiresAuthentication => {
                row.status = status_name(PaymentState::RequiresAction);
                row.last_error = None;
                "payment_intent.requires_action"
            }
            CardBehaviour::Declines(code, message) => {
                row.status = status_name(PaymentState::RequiresPaymentMethod);
                row.last_error = Some(json!(Decline { code: code.to_owned(), message: message.to_owned() }));
                "payment_intent.payment_failed"
            }
        };
        Self::save_intent(&mut tx, &row).await?;
        Self::emit(&mut tx, event, row.object()).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(row.payment()?)
    }

    /// The buyer completes (or fails) the bank's authentication step.
    pub async fn authenticate(&self, id: &str, client_secret: &str, succeed: bool) -> PaymentsResult<Payment> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let mut row = Self::lock_intent(&mut tx, id).await?;
        if row.client_secret != client_secret {
            return Err(refused("the client secret does not match the payment"));
        }
        if row.status != status_name(PaymentState::RequiresAction) {
            return Err(refused(format!("a payment in status {} needs no authentication", row.status)));
        }
        let event = if succeed {
            row.status = status_name(PaymentState::RequiresCapture);
            row.amount_capturable = row.amount;
            "payment_intent.amount_capturable_updated"
        } else {
            row.status = status_name(PaymentState::RequiresPaymentMethod);
            row.last_error = Some(json!(Decline {
                code: "payment_intent_authentication_failure".to_owned(),
                message: "The card's bank could not authenticate this payment.".to_owned(),
            }));
            "payment_intent.payment_failed"
        };
        Self::save_intent(&mut tx, &row).await?;
        Self::emit(&mut tx, event, row.object()).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(row.payment()?)
    }

    async fn lock_setup(conn: &mut PgConnection, id: &str) -> PaymentsResult<SetupRow> {
        sqlx::query_as(concat!(setup_query!(), " FOR UPDATE OF s"))
            .bind(id)
            .fetch_optional(conn)
            .await
            .map_err(db_error)?
            .ok_or_else(|| refused(format!("no such setup: {id}")))
    }

    /// Saves `card_number` to the setup's customer and marks the setup done.
    async fn save_card(conn: &mut PgConnection, setup: &SetupRow, card_number: &str) -> PaymentsResult<()> {
        let method_id = new_id("pm");
        sqlx::query(
            "INSERT INTO sandbox_payment_methods (id, customer_id, card_number, brand) VALUES ($1, $2, $3, $4)",
        )
        .bind(&method_id)
        .bind(&setup.customer_id)
        .bind(card_number)
        .bind(brand_of(card_number))
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
        sqlx::query(
            "UPDATE sandbox_setups SET status = 'succeeded', payment_method_id = $2, card_number = NULL,
                 last_error = NULL
             WHERE id = $1",
        )
        .bind(&setup.id)
        .bind(&method_id)
        .execute(conn)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn set_setup(
        conn: &mut PgConnection,
        id: &str,
        status: &str,
        card_number: Option<&str>,
        last_error: Option<Value>,
    ) -> PaymentsResult<()> {
        sqlx::query("UPDATE sandbox_setups SET status = $2, card_number = $3, last_error = $4 WHERE id = $1")
            .bind(id)
            .bind(status)
            .bind(card_number)
            .bind(last_error)
            .execute(conn)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    /// What Stripe.js does when the buyer saves a card for later: confirms
    /// the setup with it. Answers the setup as it then stands.
    pub async fn confirm_setup(&self, id: &str, client_secret: &str, card_number: &str) -> PaymentsResult<Setup> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let row = Self::lock_setup(&mut tx, id).await?;
        if row.client_secret != client_secret {
            return Err(refused("the client secret does not match the setup"));
        }
        if !matches!(row.status.as_str(), "requires_payment_method" | "requires_confirmation") {
            return Err(refused(format!("a setup in status {} cannot be confirmed", row.status)));
        }
        let digits = digits_of(card_number);
        match saving_behaviour(&digits) {
            CardBehaviour::Authorises => Self::save_card(&mut tx, &row, &digits).await?,
            CardBehaviour::RequiresAuthentication => {
                Self::set_setup(&mut tx, id, "requires_action", Some(&digits), None).await?
            }
            CardBehaviour::Declines(code, message) => {
                let decline = json!(Decline { code: code.to_owned(), message: message.to_owned() });
                Self::set_setup(&mut tx, id, "requires_payment_method", None, Some(decline)).await?
            }
        }
        let row = Self::lock_setup(&mut tx, id).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(row.setup()?)
    }

    /// The buyer completes (or fails) the bank's authentication of a card
    /// being saved.
    pub async fn authenticate_setup(&self, id: &str, client_secret: &str, succeed: bool) -> PaymentsResult<Setup> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let row = Self::lock_setup(&mut tx, id).await?;
        if row.client_secret != client_secret {
            return Err(refused("the client secret does not match the setup"));
        }
        match (&row.card_number, row.status.as_str()) {
            (Some(card_number), "requires_action") if succeed => Self::save_card(&mut tx, &row, card_number).await?,
            (Some(_), "requires_action") => {
                let decline = json!(Decline {
                    code: "setup_intent_authentication_failure".to_owned(),
                    message: "The card's bank could not authenticate this card.".to_owned(),
                });
                Self::set_setup(&mut tx, id, "requires_payment_method", None, Some(decline)).await?
            }
            _ => return Err(refused(format!("a setup in status {} needs no authentication", row.status))),
        }
        let row = Self::lock_setup(&mut tx, id).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(row.setup()?)
    }

    /// Confirms a new payment with a saved card, its holder absent.
    async fn charge_saved(conn: &mut PgConnection, mut row: IntentRow, saved: &SavedMethod) -> PaymentsResult<()> {
        let card_number: String =
            sqlx::query_scalar("SELECT card_number FROM sandbox_payment_methods WHERE id = $1 AND customer_id = $2")
                .bind(&saved.payment_method_id)
                .bind(&saved.customer_id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db_error)?
                .ok_or_else(|| {
                    refused(format!("no payment method {} saved for {}", saved.payment_method_id, saved.customer_id))
                })?;
        row.payment_method_id = Some(saved.payment_method_id.clone());
        let event = match off_session_behaviour(&card_number) {
            CardBehaviour::Authorises => {
                row.status = status_name(PaymentState::RequiresCapture);
                row.amount_capturable = row.amount;
                "payment_intent.amount_capturable_updated"
            }
            CardBehaviour::RequiresAuthentication => {
                row.last_error = Some(json!(Decline {
                    code: AUTHENTICATION_REQUIRED.to_owned(),
                    message: "Your card's bank requires authentication for this payment.".to_owned(),
                }));
                "payment_intent.payment_failed"
            }
            CardBehaviour::Declines(code, message) => {
                row.last_error = Some(json!(Decline { code: code.to_owned(), message: message.to_owned() }));
                "payment_intent.payment_failed"
            }
        };
        Self::save_intent(&mut *conn, &row).await?;
        Self::emit(conn, event, row.object()).await
    }

    /// A refund made by someone at the provider's dashboard, not through
    /// Atelier: it reaches Atelier only as an event.
    pub async fn refund_from_dashboard(&self, payment_id: &str, amount_minor: i64) -> PaymentsResult<Refund> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let refund = Self::refund_in(&mut tx, payment_id, amount_minor).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(refund)
    }

    /// The buyer's bank disputes a captured payment.
    pub async fn open_dispute(&self, payment_id: &str) -> PaymentsResult<String> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let row = Self::lock_intent(&mut tx, payment_id).await?;
        let id = new_id("dp");
        let dispute = json!({ "id": id, "object": "dispute", "payment_intent": row.id, "amount": row.amount_received });
        Self::emit(&mut tx, "charge.dispute.created", dispute).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(id)
    }

    async fn refund_in(conn: &mut PgConnection, payment_id: &str, amount_minor: i64) -> PaymentsResult<Refund> {
        let mut row = Self::lock_intent(conn, payment_id).await?;
        if row.status != status_name(PaymentState::Succeeded) {
            return Err(refused(format!("a payment in status {} has nothing captured to refund", row.status)));
        }
        if amount_minor <= 0 || amount_minor > row.amount_received - row.amount_refunded {
            return Err(refused(format!(
                "refund of {amount_minor} exceeds the {} left to refund",
                row.amount_received - row.amount_refunded
            )));
        }
        let id = new_id("re");
        sqlx::query("INSERT INTO sandbox_refunds (id, intent_id, amount) VALUES ($1, $2, $3)")
            .bind(&id)
            .bind(&row.id)
            .bind(amount_minor)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
        row.amount_refunded += amount_minor;
        Self::save_intent(conn, &row).await?;
        let charge = json!({
            "id": format!("ch_{}", row.id.trim_start_matches("pi_")),
            "object": "charge",
            "payment_intent": row.id,
            "amount_captured": row.amount_received,
            "amount_refunded": row.amount_refunded,
        });
        Self::emit(conn, "charge.refunded", charge).await?;
        Ok(Refund { id, payment_id: row.id, amount_minor })
    }

    /// Events not yet delivered, oldest first, each signed now.
    pub async fn pending_events(&self, limit: i64) -> anyhow::Result<Vec<SignedEvent>> {
        let rows: Vec<(String, Value)> = sqlx::query_as(
            "SELECT id, body FROM sandbox_events WHERE delivered_at IS NULL ORDER BY created_at, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        let now = chrono::Utc::now().timestamp();
        Ok(rows
            .into_iter()
            .map(|(id, body)| {
                let body = body.to_string().into_bytes();
                let signature = webhook::sign(&self.webhook_secret, now, &body);
                SignedEvent { id, body, signature }
            })
            .collect())
    }

    pub async fn mark_delivered(&self, event_id: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE sandbox_events SET delivered_at = now() WHERE id = $1")
            .bind(event_id)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    /// Posts pending events to `webhook_url` as Stripe would; an event the
    /// route does not acknowledge with a 2xx stays pending for the next round.
    /// Returns how many were acknowledged.
    pub async fn deliver_pending(&self, client: &reqwest::Client, webhook_url: &str) -> anyhow::Result<usize> {
        let mut delivered = 0;
        for event in self.pending_events(100).await? {
            let answer = client
                .post(webhook_url)
                .header("Content-Type", "application/json")
                .header("Stripe-Signature", &event.signature)
                .body(event.body)
                .timeout(Duration::from_secs(10))
                .send()
                .await;
            match answer {
                Ok(answer) if answer.status().is_success() => {
                    self.mark_delivered(&event.id).await?;
                    delivered += 1;
                }
                Ok(answer) => {
                    tracing::warn!(event = %event.id, status = %answer.status(), "the webhook route refused an event");
                    break;
                }
                Err(e) => {
                    tracing::warn!(event = %event.id, error = %e, "delivering a sandbox event failed");
                    break;
                }
            }
        }
        Ok(delivered)
    }
}

#[async_trait]
impl PaymentProvider for SandboxPayments {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn publishable_key(&self) -> Option<&str> {
        None
    }

    async fn create_payment(&self, new: &NewPayment<'_>) -> PaymentsResult<Payment> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let id = match Self::remembered(&mut tx, new.idempotency_key).await? {
            Some(id) => id,
            None => {
                let id = new_id("pi");
                let secret = format!("{id}_secret_{}", Uuid::new_v4().simple());
                sqlx::query(
                    "INSERT INTO sandbox_intents (id, amount, currency, status, transfer_group, client_secret)
                     VALUES ($1, $2, $3, 'requires_payment_method', $4, $5)",
                )
                .bind(&id)
                .bind(new.amount_minor)
                .bind(new.currency)
                .bind(new.transfer_group)
                .bind(&secret)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
                Self::remember(&mut tx, new.idempotency_key, &id).await?;
                let row = Self::lock_intent(&mut tx, &id).await?;
                Self::emit(&mut tx, "payment_intent.created", row.object()).await?;
                if let Some(saved) = new.off_session {
                    Self::charge_saved(&mut tx, row, saved).await?;
                }
                id
            }
        };
        let row = Self::lock_intent(&mut tx, &id).await?;
        tx.commit().await.map_err(db_error)?;
        match new.off_session {
            Some(_) => row.off_session_answer(),
            None => Ok(row.payment()?),
        }
    }

    async fn payment(&self, id: &str) -> PaymentsResult<Payment> {
        let row: IntentRow = sqlx::query_as("SELECT * FROM sandbox_intents WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.db)
            .await
            .map_err(db_error)?
            .ok_or_else(|| refused(format!("no such payment: {id}")))?;
        Ok(row.payment()?)
    }

    async fn create_customer(&self, email: &str, key: &IdempotencyKey) -> PaymentsResult<Customer> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let id = match Self::remembered(&mut tx, key).await? {
            Some(id) => id,
            None => {
                let id = new_id("cus");
                sqlx::query("INSERT INTO sandbox_customers (id, email) VALUES ($1, $2)")
                    .bind(&id)
                    .bind(email)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                Self::remember(&mut tx, key, &id).await?;
                id
            }
        };
        tx.commit().await.map_err(db_error)?;
        Ok(Customer { id })
    }

    async fn create_setup(&self, customer_id: &str, key: &IdempotencyKey) -> PaymentsResult<Setup> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let id = match Self::remembered(&mut tx, key).await? {
            Some(id) => id,
            None => {
                let known: Option<String> = sqlx::query_scalar("SELECT id FROM sandbox_customers WHERE id = $1")
                    .bind(customer_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_error)?;
                if known.is_none() {
                    return Err(refused(format!("no such customer: {customer_id}")));
                }
                let id = new_id("seti");
                let secret = format!("{id}_secret_{}", Uuid::new_v4().simple());
                sqlx::query(
                    "INSERT INTO sandbox_setups (id, customer_id, status, client_secret)
                     VALUES ($1, $2, 'requires_payment_method', $3)",
                )
                .bind(&id)
                .bind(customer_id)
                .bind(&secret)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
                Self::remember(&mut tx, key, &id).await?;
                id
            }
        };
        let row = Self::lock_setup(&mut tx, &id).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(row.setup()?)
    }

    async fn setup(&self, id: &str) -> PaymentsResult<Setup> {
        let row: SetupRow = sqlx::query_as(setup_query!())
            .bind(id)
            .fetch_optional(&self.db)
            .await
            .map_err(db_error)?
            .ok_or_else(|| refused(format!("no such setup: {id}")))?;
        Ok(row.setup()?)
    }

    async fn forget_method(&self, payment_method_id: &str, key: &IdempotencyKey) -> PaymentsResult<()> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        if Self::remembered(&mut tx, key).await?.is_none() {
            let detached = sqlx::query(
                "UPDATE sandbox_payment_methods SET customer_id = NULL WHERE id = $1 AND customer_id IS NOT NULL",
            )
            .bind(payment_method_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
            if detached.rows_affected() == 0 {
                return Err(refused(format!("payment method {payment_method_id} is not saved to a customer")));
            }
            Self::remember(&mut tx, key, payment_method_id).await?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(())
    }

    async fn capture(&self, id: &str, amount_minor: i64, key: &IdempotencyKey) -> PaymentsResult<Payment> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        if Self::remembered(&mut tx, key).await?.is_none() {
            let mut row = Self::lock_intent(&mut tx, id).await?;
            if row.status != status_name(PaymentState::RequiresCapture) {
                return Err(refused(format!("a payment in status {} cannot be captured", row.status)));
            }
            if amount_minor <= 0 || amount_minor > row.amount_capturable {
                return Err(refused(format!("cannot capture {amount_minor} of {}", row.amount_capturable)));
            }
            row.status = status_name(PaymentState::Succeeded);
            row.amount_received = amount_minor;
            row.amount_capturable = 0;
            Self::save_intent(&mut tx, &row).await?;
            Self::remember(&mut tx, key, id).await?;
            Self::emit(&mut tx, "payment_intent.succeeded", row.object()).await?;
        }
        let row = Self::lock_intent(&mut tx, id).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(row.payment()?)
    }

    async fn void(&self, id: &str, key: &IdempotencyKey) -> PaymentsResult<Payment> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        if Self::remembered(&mut tx, key).await?.is_none() {
            let mut row = Self::lock_intent(&mut tx, id).await?;
            let voidable = ["requires_payment_method", "requires_confirmation", "requires_action", "requires_capture"];
            if !voidable.contains(&row.status.as_str()) {
                return Err(refused(format!("a payment in status {} cannot be cancelled", row.status)));
            }
            row.status = status_name(PaymentState::Canceled);
            row.amount_capturable = 0;
            Self::save_intent(&mut tx, &row).await?;
            Self::remember(&mut tx, key, id).await?;
            Self::emit(&mut tx, "payment_intent.canceled", row.object()).await?;
        }
        let row = Self::lock_intent(&mut tx, id).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(row.payment()?)
    }

    async fn refund(&self, payment_id: &str, amount_minor: i64, key: &IdempotencyKey) -> PaymentsResult<Refund> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let refund = match Self::remembered(&mut tx, key).await? {
            Some(id) => {
                let (amount,): (i64,) = sqlx::query_as("SELECT amount FROM sandbox_refunds WHERE id = $1")
                    .bind(&id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_error)?;
                Refund { id, payment_id: payment_id.to_owned(), amount_minor: amount }
            }
            None => {
                let refund = Self::refund_in(&mut tx, payment_id, amount_minor).await?;
                Self::remember(&mut tx, key, &refund.id).await?;
                refund
            }
        };
        tx.commit().await.map_err(db_error)?;
        Ok(refund)
    }

    async fn refunds(&self, payment_id: &str) -> PaymentsResult<Vec<Refund>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT id, amount FROM sandbox_refunds WHERE intent_id = $1 ORDER BY created_at, id")
                .bind(payment_id)
                .fetch_all(&self.db)
                .await
                .map_err(db_error)?;
        Ok(rows
            .into_iter()
            .map(|(id, amount_minor)| Refund { id, payment_id: payment_id.to_owned(), amount_minor })
            .collect())
    }

    /// Sandbox accounts can be paid at once: there is nobody to verify.
    async fn create_account(
        &self,
        email: &str,
        _country: &str,
        key: &IdempotencyKey,
    ) -> PaymentsResult<ConnectedAccount> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let id = match Self::remembered(&mut tx, key).await? {
            Some(id) => id,
            None => {
                let id = new_id("acct");
                sqlx::query("INSERT INTO sandbox_accounts (id, email, payouts_enabled) VALUES ($1, $2, true)")
                    .bind(&id)
                    .bind(email)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                Self::remember(&mut tx, key, &id).await?;
                let account = json!({ "id": id, "object": "account", "payouts_enabled": true,
                                      "requirements": { "currently_due": [] } });
                Self::emit(&mut tx, "account.updated", account).await?;
                id
            }
        };
        tx.commit().await.map_err(db_error)?;
        self.account(&id).await
    }

    async fn account(&self, id: &str) -> PaymentsResult<ConnectedAccount> {
        let enabled: bool = sqlx::query_scalar("SELECT payouts_enabled FROM sandbox_accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.db)
            .await
            .map_err(db_error)?
            .ok_or_else(|| refused(format!("no such account: {id}")))?;
        Ok(ConnectedAccount { id: id.to_owned(), payouts_enabled: enabled, requirements: Vec::new() })
    }

    /// Nothing to fill in: the artist goes straight back.
    async fn onboarding_link(&self, _account_id: &str, return_url: &str, _refresh_url: &str) -> PaymentsResult<String> {
        Ok(return_url.to_owned())
    }

    async fn transfer(&self, new: &NewTransfer<'_>) -> PaymentsResult<Transfer> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        let id = match Self::remembered(&mut tx, new.idempotency_key).await? {
            Some(id) => id,
            None => {
                let enabled: Option<bool> =
                    sqlx::query_scalar("SELECT payouts_enabled FROM sandbox_accounts WHERE id = $1")
                        .bind(new.destination)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db_error)?;
                if enabled != Some(true) {
                    return Err(refused(format!("account {} cannot receive transfers", new.destination)));
                }
                let id = new_id("tr");
                sqlx::query(
                    "INSERT INTO sandbox_transfers (id, amount, currency, destination, transfer_group)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&id)
                .bind(new.amount_minor)
                .bind(new.currency)
                .bind(new.destination)
                .bind(new.transfer_group)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
                Self::remember(&mut tx, new.idempotency_key, &id).await?;
                let transfer = json!({ "id": id, "object": "transfer", "amount": new.amount_minor,
                                       "destination": new.destination, "transfer_group": new.transfer_group });
                Self::emit(&mut tx, "transfer.created", transfer).await?;
                id
            }
        };
        let (amount_minor,): (i64,) = sqlx::query_as("SELECT amount FROM sandbox_transfers WHERE id = $1")
            .bind(&id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(Transfer { id, amount_minor })
    }

    async fn reverse_transfer(&self, transfer_id: &str, amount_minor: i64, key: &IdempotencyKey) -> PaymentsResult<()> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        if Self::remembered(&mut tx, key).await?.is_none() {
            let updated = sqlx::query(
                "UPDATE sandbox_transfers SET reversed = reversed + $2 WHERE id = $1 AND reversed + $2 <= amount",
            )
            .bind(transfer_id)
            .bind(amount_minor)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
            if updated.rows_affected() == 0 {
                return Err(refused(format!("cannot reverse {amount_minor} of transfer {transfer_id}")));
            }
            Self::remember(&mut tx, key, transfer_id).await?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(())
    }
}

/// Where the card form's routes live: the sandbox's stand-in for Stripe.js.
pub const CARD_FORM_PATH: &str = "/api/payments/sandbox/payments/{id}";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmRequest {
    client_secret: String,
    card_number: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthenticateRequest {
    client_secret: String,
    succeed: bool,
}

/// Where the setup form's routes live: saving a card for later.
pub const SETUP_FORM_PATH: &str = "/api/payments/sandbox/setups/{id}";

/// What the browser learns of its setup, as Stripe.js tells it.
#[derive(Serialize)]
struct SetupAnswer {
    status: &'static str,
    decline: Option<Decline>,
}

fn setup_status(state: &SetupState) -> &'static str {
    match state {
        SetupState::RequiresPaymentMethod => "requires_payment_method",
        SetupState::RequiresConfirmation => "requires_confirmation",
        SetupState::RequiresAction => "requires_action",
        SetupState::Processing => "processing",
        SetupState::Canceled => "canceled",
        SetupState::Succeeded { .. } => "succeeded",
    }
}

fn setup_answer(result: PaymentsResult<Setup>) -> Result<Json<SetupAnswer>, ApiError> {
    match result {
        Ok(setup) => Ok(Json(SetupAnswer { status: setup_status(&setup.state), decline: setup.last_decline })),
        Err(e) => Err(provider_error(e)),
    }
}

/// What the browser learns of its payment, as Stripe.js tells it.
#[derive(Serialize)]
struct ConfirmAnswer {
    status: PaymentState,
    decline: Option<Decline>,
}

type Sandbox = State<Option<Arc<SandboxPayments>>>;

fn sandbox_or_404(sandbox: Option<Arc<SandboxPayments>>) -> Result<Arc<SandboxPayments>, ApiError> {
    sandbox.ok_or_else(|| ApiError::NotFound("no such route".to_owned()))
}

fn provider_error(e: PaymentsError) -> ApiError {
    match e {
        PaymentsError::Other(e) => ApiError::Internal(e),
        refusal => ApiError::Conflict(refusal.to_string()),
    }
}

fn answer(result: PaymentsResult<Payment>) -> Result<Json<ConfirmAnswer>, ApiError> {
    match result {
        Ok(payment) => Ok(Json(ConfirmAnswer { status: payment.state, decline: payment.last_decline })),
        Err(PaymentsError::Refused(message)) => Err(ApiError::Conflict(message)),
        Err(e) => Err(provider_error(e)),
    }
}

fn bounded(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.len() > max {
        return Err(ApiError::field(field, format!("must be at most {max} characters")));
    }
    Ok(())
}

async fn confirm(
    State(sandbox): Sandbox,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ConfirmRequest>,
) -> Result<Json<ConfirmAnswer>, ApiError> {
    let sandbox = sandbox_or_404(sandbox)?;
    bounded("client_secret", &request.client_secret, 200)?;
    bounded("card_number", &request.card_number, 40)?;
    answer(sandbox.confirm(&id, &request.client_secret, &request.card_number).await)
}

async fn authenticate(
    State(sandbox): Sandbox,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AuthenticateRequest>,
) -> Result<Json<ConfirmAnswer>, ApiError> {
    let sandbox = sandbox_or_404(sandbox)?;
    bounded("client_secret", &request.client_secret, 200)?;
    answer(sandbox.authenticate(&id, &request.client_secret, request.succeed).await)
}

async fn confirm_setup(
    State(sandbox): Sandbox,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ConfirmRequest>,
) -> Result<Json<SetupAnswer>, ApiError> {
    let sandbox = sandbox_or_404(sandbox)?;
    bounded("client_secret", &request.client_secret, 200)?;
    bounded("card_number", &request.card_number, 40)?;
    setup_answer(sandbox.confirm_setup(&id, &request.client_secret, &request.card_number).await)
}

async fn authenticate_setup(
    State(sandbox): Sandbox,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AuthenticateRequest>,
) -> Result<Json<SetupAnswer>, ApiError> {
    let sandbox = sandbox_or_404(sandbox)?;
    bounded("client_secret", &request.client_secret, 200)?;
    setup_answer(sandbox.authenticate_setup(&id, &request.client_secret, request.succeed).await)
}

/// The card form's routes; 404 when another provider is configured.
pub fn routes<S: Clone + Send + Sync + 'static>(sandbox: Option<Arc<SandboxPayments>>) -> Router<S> {
    Router::new()
        .route(&format!("{CARD_FORM_PATH}/confirm"), post(confirm))
        .route(&format!("{CARD_FORM_PATH}/authenticate"), post(authenticate))
        .route(&format!("{SETUP_FORM_PATH}/confirm"), post(confirm_setup))
        .route(&format!("{SETUP_FORM_PATH}/authenticate"), post(authenticate_setup))
        .with_state(sandbox)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cards_behave_as_documented() {
        assert_eq!(card_behaviour("4242424242424242"), CardBehaviour::Authorises);
        assert_eq!(card_behaviour("4000002500003155"), CardBehaviour::RequiresAuthentication);
        assert!(matches!(card_behaviour("4000000000000002"), CardBehaviour::Declines("card_declined", _)));
        assert!(matches!(card_behaviour("4000000000009995"), CardBehaviour::Declines("insufficient_funds", _)));
        assert!(matches!(card_behaviour("4242424242424241"), CardBehaviour::Declines("incorrect_number", _)));
        assert!(matches!(card_behaviour("4111111111111111"), CardBehaviour::Declines("card_declined", _)));
        assert!(matches!(card_behaviour(""), CardBehaviour::Declines("incorrect_number", _)));
    }

    #[test]
    fn saved_test_cards_behave_off_session_as_documented() {
        assert_eq!(saving_behaviour(DECLINES_WHEN_CHARGED), CardBehaviour::Authorises);
        assert!(matches!(off_session_behaviour(DECLINES_WHEN_CHARGED), CardBehaviour::Declines("card_declined", _)));
        assert_eq!(saving_behaviour("4000002760003184"), CardBehaviour::RequiresAuthentication);
        assert_eq!(off_session_behaviour("4000002760003184"), CardBehaviour::RequiresAuthentication);
        assert_eq!(off_session_behaviour(AUTHENTICATES_ONCE), CardBehaviour::Authorises);
        assert!(matches!(saving_behaviour("4000000000009995"), CardBehaviour::Declines("insufficient_funds", _)));
    }
}
