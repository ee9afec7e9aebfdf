//! The payments port: card payments authorised now and captured later, voids,
//! refunds, connected accounts for the people paid, and transfers to them;
//! plus the signed events the provider sends about all of these.
//!
//! The embedded default is [`sandbox`]: deterministic, local, answering
//! Stripe's documented test cards, and sending its events signed exactly as
//! Stripe signs them through the same webhook route. The cloud adapter,
//! [`stripe`], speaks to Stripe's REST API. Both use Stripe's event format, so
//! one webhook handler serves both.

pub mod sandbox;
pub mod stripe;
pub mod webhook;

use std::sync::Arc;

use async_trait::async_trait;

pub use self::{
    sandbox::SandboxPayments,
    stripe::StripePayments,
    webhook::{EventKind, WebhookError, WebhookEvent},
};
use super::config::{PaymentsBackend, PaymentsConfig, Secret};

/// Where a payment stands at the provider, in Stripe's PaymentIntent terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// Waiting for a card, or for another one after a decline.
    RequiresPaymentMethod,
    RequiresConfirmation,
    /// The card's bank asks the buyer to authenticate.
    RequiresAction,
    Processing,
    /// Authorised: the amount is held on the card until captured or voided.
    RequiresCapture,
    /// Captured (all or part of the authorisation).
    Succeeded,
    Canceled,
}

/// Why a card was refused, as the provider words it for the buyer.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Decline {
    /// e.g. `card_declined`, `insufficient_funds`, `authentication_failed`.
    pub code: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    pub id: String,
    pub state: PaymentState,
    pub amount_minor: i64,
    pub currency: String,
    /// What is authorised and not yet captured.
    pub amount_capturable: i64,
    /// What was captured.
    pub amount_received: i64,
    /// The secret the buyer's browser confirms the payment with.
    pub client_secret: String,
    pub last_decline: Option<Decline>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refund {
    pub id: String,
    pub payment_id: String,
    pub amount_minor: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectedAccount {
    pub id: String,
    pub payouts_enabled: bool,
    /// What the provider still needs from the account holder.
    pub requirements: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    pub id: String,
    pub amount_minor: i64,
}

/// A new payment for one checkout, authorised now and captured later.
#[derive(Clone, Debug)]
pub struct NewPayment<'a> {
    pub amount_minor: i64,
    pub currency: &'a str,
    /// Groups the payment with the transfers it pays for (the checkout's id).
    pub transfer_group: &'a str,
    pub description: &'a str,
    /// With a saved card, the payment is confirmed at once without the buyer
    /// present, and answers authorised or fails with
    /// [`PaymentsError::Declined`] or [`PaymentsError::AuthenticationRequired`];
    /// without one, it waits for the buyer's browser to confirm it.
    pub off_session: Option<&'a SavedMethod>,
    pub idempotency_key: &'a IdempotencyKey,
}

/// The provider's record of a buyer, which saved cards belong to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Customer {
    pub id: String,
}

/// A card saved for payments without its holder present: only ever both
/// halves, since a provider charges a saved card only through its customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedMethod {
    pub customer_id: String,
    pub payment_method_id: String,
}

/// What the buyer can recognise a saved card by, where the provider says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardSummary {
    /// e.g. `visa`, `mastercard`.
    pub brand: String,
    pub last4: String,
}

/// A card being saved for later, in Stripe's SetupIntent terms, confirmed in
/// the buyer's browser with `client_secret`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setup {
    pub id: String,
    pub client_secret: String,
    pub state: SetupState,
    /// Why the last card was refused, as the provider words it for the buyer.
    pub last_decline: Option<Decline>,
}

/// Where a setup stands. Only a succeeded one has a saved card, so a card
/// cannot be taken from a setup that has not saved one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetupState {
    /// Waiting for a card, or for another one after a refusal.
    RequiresPaymentMethod,
    RequiresConfirmation,
    /// The card's bank asks the buyer to authenticate.
    RequiresAction,
    Processing,
    Canceled,
    Succeeded {
        method: SavedMethod,
        card: Option<CardSummary>,
    },
}

/// A transfer of an artist's net to their connected account.
#[derive(Clone, Debug)]
pub struct NewTransfer<'a> {
    pub amount_minor: i64,
    pub currency: &'a str,
    pub destination: &'a str,
    pub transfer_group: &'a str,
    pub idempotency_key: &'a IdempotencyKey,
}

/// A key that makes a retried provider call the same call: derived from what
/// it is for (`order`, `action`, `attempt`), never random, so a retry after a
/// crash between the call and the commit cannot pay twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// `subject` is the entity acted on (a checkout, an order), `action` what
    /// is done, `attempt` counts deliberate repeats of it (a new capture after
    /// a failed one).
    pub fn new(subject: impl std::fmt::Display, action: &str, attempt: u32) -> Self {
        Self(format!("atelier:{subject}:{action}:{attempt}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An error the provider answered with, as opposed to one reaching it.
#[derive(Debug, thiserror::Error)]
pub enum PaymentsError {
    /// The provider refused the request as invalid in the payment's state
    /// (capturing a voided payment, refunding more than captured).
    #[error("the payment provider refused: {0}")]
    Refused(String),
    /// A saved card charged without its holder was declined; no money is
    /// held, and another card or the buyer's presence is needed.
    #[error("the card was declined: {}", .0.message)]
    Declined(Decline),
    /// The card's bank asks its holder to authenticate the payment, which
    /// they cannot do while absent: the buyer has to pay in person.
    #[error("the card's bank asks its holder to authenticate the payment")]
    AuthenticationRequired,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type PaymentsResult<T> = Result<T, PaymentsError>;

#[async_trait]
pub trait PaymentProvider: Send + Sync + 'static {
    /// `sandbox` or `stripe`: stored with each checkout.
    fn name(&self) -> &'static str;
    /// The publishable key the browser needs, for adapters with one.
    fn publishable_key(&self) -> Option<&str>;
    async fn create_payment(&self, new: &NewPayment<'_>) -> PaymentsResult<Payment>;
    /// The buyer's record at the provider; `key` is the buyer's own, so a
    /// buyer has one customer however often this is repeated.
    async fn create_customer(&self, email: &str, key: &IdempotencyKey) -> PaymentsResult<Customer>;
    /// Starts saving a card of `customer_id` for payments without the buyer.
    async fn create_setup(&self, customer_id: &str, key: &IdempotencyKey) -> PaymentsResult<Setup>;
    async fn setup(&self, id: &str) -> PaymentsResult<Setup>;
    /// Forgets a saved card: it cannot be charged any more.
    async fn forget_method(&self, payment_method_id: &str, key: &IdempotencyKey) -> PaymentsResult<()>;
    async fn payment(&self, id: &str) -> PaymentsResult<Payment>;
    /// Captures `amount_minor` of the authorisation; the rest is released.
    async fn capture(&self, id: &str, amount_minor: i64, key: &IdempotencyKey) -> PaymentsResult<Payment>;
    /// Voids an uncaptured payment.
    async fn void(&self, id: &str, key: &IdempotencyKey) -> PaymentsResult<Payment>;
    async fn refund(&self, payment_id: &str, amount_minor: i64, key: &IdempotencyKey) -> PaymentsResult<Refund>;
    /// Every refund of a payment, including those made outside Atelier.
    async fn refunds(&self, payment_id: &str) -> PaymentsResult<Vec<Refund>>;
    async fn create_account(
        &self,
        email: &str,
        country: &str,
        key: &IdempotencyKey,
    ) -> PaymentsResult<ConnectedAccount>;
    async fn account(&self, id: &str) -> PaymentsResult<ConnectedAccount>;
    /// Where the account holder finishes onboarding; they come back to
    /// `return_url`, or to `refresh_url` when the link has expired.
    async fn onboarding_link(&self, account_id: &str, return_url: &str, refresh_url: &str) -> PaymentsResult<String>;
    async fn transfer(&self, new: &NewTransfer<'_>) -> PaymentsResult<Transfer>;
    async fn reverse_transfer(&self, transfer_id: &str, amount_minor: i64, key: &IdempotencyKey) -> PaymentsResult<()>;
}

/// The configured adapter, and the sandbox itself when it is the one (the
/// local server mounts its card form's routes and delivers its events).
pub struct Payments {
    pub provider: Arc<dyn PaymentProvider>,
    pub sandbox: Option<Arc<SandboxPayments>>,
}

/// The sandbox keeps its state in the application's database, through a
/// pool of its own: like a real provider's, its calls never wait for a
/// connection the caller's open transaction holds.
pub async fn from_config(config: &PaymentsConfig, database_url: &Secret) -> anyhow::Result<Payments> {
    Ok(match &config.backend {
        PaymentsBackend::Sandbox => {
            let pool = super::db::connect(database_url.expose(), SANDBOX_CONNECTIONS).await?;
            let sandbox = Arc::new(SandboxPayments::new(pool, config.webhook_secrets[0].clone()));
            Payments { provider: sandbox.clone(), sandbox: Some(sandbox) }
        }
        PaymentsBackend::Stripe(stripe) => Payments { provider: Arc::new(StripePayments::new(stripe)?), sandbox: None },
    })
}

const SANDBOX_CONNECTIONS: u32 = 4;
