//! The payments port on Stripe's REST API: PaymentIntents authorised now and
//! captured later, refunds, and Connect (Express accounts, onboarding links,
//! transfers and their reversals) with separate charges and transfers, the
//! platform being the merchant of record.
//!
//! Requests are form-encoded as Stripe's API takes them; every POST carries
//! the caller's idempotency key, so a call repeated after a crash or a lost
//! answer is answered with the first call's result instead of acting twice.
//! Amounts are minor units in both directions, exactly as the port has them
//! (Stripe's zero-decimal currencies such as JPY are whole units already).

use std::time::Duration;

use anyhow::anyhow;
use async_trait::async_trait;
use reqwest::{RequestBuilder, StatusCode};
use serde::{Deserialize, de::DeserializeOwned};
use uuid::Uuid;

use super::{
    CardSummary, ConnectedAccount, Customer, Decline, IdempotencyKey, NewPayment, NewTransfer, Payment,
    PaymentProvider, PaymentState, PaymentsError, PaymentsResult, Refund, SavedMethod, Setup, SetupState, Transfer,
};
use crate::platform::config::{Secret, StripeConfig};

/// The API version every request asks for with `Stripe-Version`, so answers
/// keep the shape read here whatever the account's default version becomes.
/// Before changing it, check the changelog for the fields this file reads:
/// a PaymentIntent's amounts, status, `client_secret` and
/// `last_payment_error`, and the card error a payment confirmed without
/// its holder is refused with (`code`, `decline_code`); a SetupIntent's
/// status, `client_secret`, `customer`, `last_setup_error` and expanded
/// `payment_method` (`card.brand`, `card.last4`); a refund's amount and status; an account's
/// `payouts_enabled` and `requirements.currently_due`; an account link's
/// `url`; a transfer's amount.
pub const API_VERSION: &str = "2025-09-30.clover";

/// The longest one request may take. Commerce calls the provider while it
/// holds an order's row locks, so a hung connection must end, and well
/// before the 29 s the HTTP functions are given.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The largest page Stripe's list endpoints give.
const PAGE_SIZE: &str = "100";

pub struct StripePayments {
    http: reqwest::Client,
    api_base: String,
    secret_key: Secret,
    publishable_key: String,
}

impl StripePayments {
    pub fn new(config: &StripeConfig) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("atelier/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            api_base: config.api_base.trim_end_matches('/').to_owned(),
            secret_key: config.secret_key.clone(),
            publishable_key: config.publishable_key.clone(),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api_base)
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, &str)]) -> PaymentsResult<T> {
        self.send(self.http.get(self.url(path)).query(query), path).await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &[(&str, &str)],
        key: &IdempotencyKey,
    ) -> PaymentsResult<T> {
        self.post_reading_errors(path, form, key, error_of).await
    }

    async fn post_reading_errors<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &[(&str, &str)],
        key: &IdempotencyKey,
        error_of: ErrorReader,
    ) -> PaymentsResult<T> {
        let request = self.http.post(self.url(path)).header("Idempotency-Key", key.as_str()).form(form);
        self.send_reading_errors(request, path, error_of).await
    }

    async fn send<T: DeserializeOwned>(&self, request: RequestBuilder, path: &str) -> PaymentsResult<T> {
        self.send_reading_errors(request, path, error_of).await
    }

    async fn send_reading_errors<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        path: &str,
        error_of: ErrorReader,
    ) -> PaymentsResult<T> {
        let response = request
            .bearer_auth(self.secret_key.expose())
            .header("Stripe-Version", API_VERSION)
            .send()
            .await
            .map_err(|e| PaymentsError::Other(anyhow!(e).context(format!("calling Stripe's {path}"))))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| PaymentsError::Other(anyhow!(e).context(format!("reading Stripe's answer from {path}"))))?;
        if !status.is_success() {
            return Err(error_of(status, &body, path));
        }
        serde_json::from_slice(&body).map_err(|e| {
            PaymentsError::Other(anyhow!(e).context(format!("Stripe's answer from {path} is not as documented")))
        })
    }
}

type ErrorReader = fn(StatusCode, &[u8], &str) -> PaymentsError;

/// `{"error": {"type", "code", "message", ...}}`, Stripe's error answer.
#[derive(Deserialize)]
struct ErrorAnswer {
    error: StripeError,
}

#[derive(Deserialize)]
struct StripeError {
    #[serde(rename = "type")]
    kind: String,
    code: Option<String>,
    /// The bank's reason, where `code` is only `card_declined`.
    #[serde(default)]
    decline_code: Option<String>,
    message: Option<String>,
}

/// The code a decline is reported with: the bank's reason where Stripe
/// gives one. `generic_decline` says no more than `card_declined`, the code
/// the sandbox gives for the same test card.
fn decline_code_of(code: Option<String>, decline_code: Option<String>) -> String {
    decline_code.filter(|reason| reason != "generic_decline").or(code).unwrap_or_else(|| "card_declined".to_owned())
}

/// A payment confirmed with a saved card, its holder absent, that the card
/// refuses is answered `402`: `authentication_required` when its bank wants
/// the holder, otherwise a decline (Stripe types it `card_error`; any
/// `402` is read as one, since the request itself was accepted).
fn charge_error_of(status: StatusCode, body: &[u8], path: &str) -> PaymentsError {
    if status != StatusCode::PAYMENT_REQUIRED {
        return error_of(status, body, path);
    }
    let Ok(ErrorAnswer { error }) = serde_json::from_slice::<ErrorAnswer>(body) else {
        return PaymentsError::Other(anyhow!("Stripe answered {status} from {path}"));
    };
    if error.code.as_deref() == Some("authentication_required") {
        return PaymentsError::AuthenticationRequired;
    }
    PaymentsError::Declined(Decline {
        message: error.message.unwrap_or_else(|| "Your card was declined.".to_owned()),
        code: decline_code_of(error.code, error.decline_code),
    })
}

/// A card refused, or a request invalid for the object it names (no such
/// payment, more than is left to refund, a capture after a void), is
/// Stripe's answer about the payment itself: [`PaymentsError::Refused`],
/// which commerce reports and does not retry. A bad key (401), missing
/// permissions (403), a conflict with a request still running (409), rate
/// limits (429) and Stripe's own failures are operational errors, even where
/// Stripe types them `invalid_request_error`: the same call can succeed later.
fn error_of(status: StatusCode, body: &[u8], path: &str) -> PaymentsError {
    let Ok(ErrorAnswer { error }) = serde_json::from_slice::<ErrorAnswer>(body) else {
        return PaymentsError::Other(anyhow!("Stripe answered {status} from {path}"));
    };
    let message = error.message.or(error.code).unwrap_or_else(|| status.to_string());
    let about_the_payment = matches!(status.as_u16(), 400 | 402 | 404);
    if about_the_payment && matches!(error.kind.as_str(), "card_error" | "invalid_request_error") {
        PaymentsError::Refused(message)
    } else {
        PaymentsError::Other(anyhow!("Stripe answered {status} ({}) from {path}: {message}", error.kind))
    }
}

/// An id the caller names an object with. Stripe's ids are letters, digits
/// and `_`; anything else names nothing at Stripe, and in a path could name
/// another endpoint (`/`, `?`, and `..`, which URL parsing resolves as the
/// parent even when escaped as `%2E%2E`), while an empty one could make a
/// filtered list the whole account's. So it is refused as Stripe refuses an
/// unknown id, and never sent.
fn checked_id<'a>(kind: &str, id: &'a str) -> PaymentsResult<&'a str> {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(id)
    } else {
        Err(PaymentsError::Refused(format!("No such {kind}: {id:?}")))
    }
}

#[derive(Deserialize)]
struct PaymentIntent {
    id: String,
    status: PaymentState,
    amount: i64,
    currency: String,
    amount_capturable: i64,
    amount_received: i64,
    /// Only in answers to the secret key, which are the only ones read here.
    #[serde(default)]
    client_secret: Option<String>,
    last_payment_error: Option<PaymentError>,
}

#[derive(Deserialize)]
struct PaymentError {
    code: Option<String>,
    /// The bank's reason, where `code` is only `card_declined`.
    decline_code: Option<String>,
    message: Option<String>,
}

impl PaymentError {
    fn decline(self) -> Decline {
        Decline {
            code: if self.code.is_none() && self.decline_code.is_none() {
                "payment_failed".to_owned()
            } else {
                decline_code_of(self.code, self.decline_code)
            },
            message: self.message.unwrap_or_else(|| "The payment failed.".to_owned()),
        }
    }
}

#[derive(Deserialize)]
struct StripeCustomer {
    id: String,
}

#[derive(Deserialize)]
struct SetupIntent {
    id: String,
    status: String,
    #[serde(default)]
    client_secret: Option<String>,
    customer: Option<String>,
    #[serde(default)]
    payment_method: Option<Expandable>,
    #[serde(default)]
    last_setup_error: Option<PaymentError>,
}

/// A field Stripe answers with an id, or with the object when expanded.
#[derive(Deserialize)]
#[serde(untagged)]
enum Expandable {
    Id(String),
    Method(PaymentMethod),
}

#[derive(Deserialize)]
struct PaymentMethod {
    id: String,
    #[serde(default)]
    card: Option<Card>,
}

#[derive(Deserialize)]
struct Card {
    brand: String,
    last4: String,
}

impl TryFrom<SetupIntent> for Setup {
    type Error = PaymentsError;

    fn try_from(intent: SetupIntent) -> PaymentsResult<Self> {
        let state = match intent.status.as_str() {
            "requires_payment_method" => SetupState::RequiresPaymentMethod,
            "requires_confirmation" => SetupState::RequiresConfirmation,
            "requires_action" => SetupState::RequiresAction,
            "processing" => SetupState::Processing,
            "canceled" => SetupState::Canceled,
            "succeeded" => {
                let (payment_method_id, card) = match intent.payment_method {
                    Some(Expandable::Id(id)) => (id, None),
                    Some(Expandable::Method(method)) => {
                        (method.id, method.card.map(|card| CardSummary { brand: card.brand, last4: card.last4 }))
                    }
                    None => return Err(PaymentsError::Other(anyhow!("Stripe's setup {} saved no card", intent.id))),
                };
                let customer_id = intent.customer.ok_or_else(|| {
                    PaymentsError::Other(anyhow!("Stripe's setup {} belongs to no customer", intent.id))
                })?;
                SetupState::Succeeded { method: SavedMethod { customer_id, payment_method_id }, card }
            }
            other => return Err(PaymentsError::Other(anyhow!("Stripe's setup {} is {other}", intent.id))),
        };
        Ok(Setup {
            id: intent.id,
            client_secret: intent.client_secret.unwrap_or_default(),
            state,
            last_decline: intent.last_setup_error.map(PaymentError::decline),
        })
    }
}

/// A detached payment method's answer: only its arrival matters.
#[derive(Deserialize)]
struct Detached {}

impl From<PaymentIntent> for Payment {
    fn from(intent: PaymentIntent) -> Self {
        Payment {
            id: intent.id,
            state: intent.status,
            amount_minor: intent.amount,
            currency: intent.currency.to_ascii_uppercase(),
            amount_capturable: intent.amount_capturable,
            amount_received: intent.amount_received,
            client_secret: intent.client_secret.unwrap_or_default(),
            last_decline: intent.last_payment_error.map(PaymentError::decline),
        }
    }
}

#[derive(Deserialize)]
struct StripeRefund {
    id: String,
    amount: i64,
    status: Option<String>,
}

impl StripeRefund {
    fn into_refund(self, payment_id: &str) -> Refund {
        Refund { id: self.id, payment_id: payment_id.to_owned(), amount_minor: self.amount }
    }
}

#[derive(Deserialize)]
struct List<T> {
    data: Vec<T>,
    has_more: bool,
}

#[derive(Deserialize)]
struct Account {
    id: String,
    #[serde(default)]
    payouts_enabled: bool,
    #[serde(default)]
    requirements: Option<Requirements>,
}

#[derive(Deserialize)]
struct Requirements {
    #[serde(default)]
    currently_due: Vec<String>,
}

impl From<Account> for ConnectedAccount {
    fn from(account: Account) -> Self {
        ConnectedAccount {
            id: account.id,
            payouts_enabled: account.payouts_enabled,
            requirements: account.requirements.map(|r| r.currently_due).unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
struct AccountLink {
    url: String,
}

#[derive(Deserialize)]
struct StripeTransfer {
    id: String,
    amount: i64,
}

/// A transfer reversal's answer: only its arrival matters.
#[derive(Deserialize)]
struct Reversal {}

#[async_trait]
impl PaymentProvider for StripePayments {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn publishable_key(&self) -> Option<&str> {
        Some(&self.publishable_key)
    }

    async fn create_payment(&self, new: &NewPayment<'_>) -> PaymentsResult<Payment> {
        let amount = new.amount_minor.to_string();
        let currency = new.currency.to_ascii_lowercase();
        let mut form = vec![
            ("amount", amount.as_str()),
            ("currency", &currency),
            // Authorised at checkout, captured once the artists have accepted.
            ("capture_method", "manual"),
            // Cards only: an authorisation that holds for days and can be
            // captured in part is a card's; bank debits cannot wait for it.
            ("payment_method_types[0]", "card"),
            ("transfer_group", new.transfer_group),
            ("description", new.description),
        ];
        let Some(saved) = new.off_session else {
            let intent: PaymentIntent = self.post("/v1/payment_intents", &form, new.idempotency_key).await?;
            return Ok(intent.into());
        };
        form.extend([
            ("customer", checked_id("customer", &saved.customer_id)?),
            ("payment_method", checked_id("payment_method", &saved.payment_method_id)?),
            // Confirmed now, the buyer absent: the bank is told so, and
            // answers at once instead of asking them to authenticate.
            ("off_session", "true"),
            ("confirm", "true"),
        ]);
        let intent: PaymentIntent =
            self.post_reading_errors("/v1/payment_intents", &form, new.idempotency_key, charge_error_of).await?;
        Ok(intent.into())
    }

    async fn create_customer(&self, email: &str, key: &IdempotencyKey) -> PaymentsResult<Customer> {
        let customer: StripeCustomer = self.post("/v1/customers", &[("email", email)], key).await?;
        Ok(Customer { id: customer.id })
    }

    async fn create_setup(&self, customer_id: &str, key: &IdempotencyKey) -> PaymentsResult<Setup> {
        let form = [
            ("customer", checked_id("customer", customer_id)?),
            // Saved to be charged while the buyer is away.
            ("usage", "off_session"),
            ("payment_method_types[0]", "card"),
        ];
        let intent: SetupIntent = self.post("/v1/setup_intents", &form, key).await?;
        intent.try_into()
    }

    async fn setup(&self, id: &str) -> PaymentsResult<Setup> {
        let path = format!("/v1/setup_intents/{}", checked_id("setup_intent", id)?);
        // Expanded for the card's brand and last digits.
        let intent: SetupIntent = self.get(&path, &[("expand[]", "payment_method")]).await?;
        intent.try_into()
    }

    async fn forget_method(&self, payment_method_id: &str, key: &IdempotencyKey) -> PaymentsResult<()> {
        let path = format!("/v1/payment_methods/{}/detach", checked_id("payment_method", payment_method_id)?);
        let _: Detached = self.post(&path, &[], key).await?;
        Ok(())
    }

    async fn payment(&self, id: &str) -> PaymentsResult<Payment> {
        let intent: PaymentIntent =
            self.get(&format!("/v1/payment_intents/{}", checked_id("payment_intent", id)?), &[]).await?;
        Ok(intent.into())
    }

    async fn capture(&self, id: &str, amount_minor: i64, key: &IdempotencyKey) -> PaymentsResult<Payment> {
        let amount = amount_minor.to_string();
        let path = format!("/v1/payment_intents/{}/capture", checked_id("payment_intent", id)?);
        let intent: PaymentIntent = self.post(&path, &[("amount_to_capture", &amount)], key).await?;
        Ok(intent.into())
    }

    async fn void(&self, id: &str, key: &IdempotencyKey) -> PaymentsResult<Payment> {
        let path = format!("/v1/payment_intents/{}/cancel", checked_id("payment_intent", id)?);
        let intent: PaymentIntent = self.post(&path, &[], key).await?;
        Ok(intent.into())
    }

    async fn refund(&self, payment_id: &str, amount_minor: i64, key: &IdempotencyKey) -> PaymentsResult<Refund> {
        let amount = amount_minor.to_string();
        let form = [("payment_intent", checked_id("payment_intent", payment_id)?), ("amount", &amount)];
        let refund: StripeRefund = self.post("/v1/refunds", &form, key).await?;
        Ok(refund.into_refund(payment_id))
    }

    async fn refunds(&self, payment_id: &str) -> PaymentsResult<Vec<Refund>> {
        let payment_id = checked_id("payment_intent", payment_id)?;
        let mut refunds = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut query = vec![("payment_intent", payment_id), ("limit", PAGE_SIZE)];
            if let Some(after) = &after {
                query.push(("starting_after", after));
            }
            let page: List<StripeRefund> = self.get("/v1/refunds", &query).await?;
            after = page.data.last().map(|r| r.id.clone());
            refunds.extend(page.data);
            if !page.has_more || after.is_none() {
                break;
            }
        }
        // Stripe lists newest first; the port, like the sandbox, oldest first.
        refunds.reverse();
        Ok(refunds
            .into_iter()
            // A failed or canceled refund returned nothing to the buyer, and
            // commerce records every refund it is told of as money returned.
            .filter(|r| !matches!(r.status.as_deref(), Some("failed" | "canceled")))
            .map(|r| r.into_refund(payment_id))
            .collect())
    }

    async fn create_account(
        &self,
        email: &str,
        country: &str,
        key: &IdempotencyKey,
    ) -> PaymentsResult<ConnectedAccount> {
        let form = [
            // Stripe hosts onboarding and the artist's dashboard.
            ("type", "express"),
            ("country", country),
            ("email", email),
            // Artists only receive transfers: the platform takes the payments.
            ("capabilities[transfers][requested]", "true"),
        ];
        let account: Account = self.post("/v1/accounts", &form, key).await?;
        Ok(account.into())
    }

    async fn account(&self, id: &str) -> PaymentsResult<ConnectedAccount> {
        let account: Account = self.get(&format!("/v1/accounts/{}", checked_id("account", id)?), &[]).await?;
        Ok(account.into())
    }

    async fn onboarding_link(&self, account_id: &str, return_url: &str, refresh_url: &str) -> PaymentsResult<String> {
        // A link is single-use and expires within minutes, so a repeated
        // request must make a new one: every call gets a key of its own.
        let key = IdempotencyKey::new(Uuid::new_v4(), "account-link", 0);
        let form = [
            ("account", account_id),
            ("type", "account_onboarding"),
            ("return_url", return_url),
            ("refresh_url", refresh_url),
        ];
        let link: AccountLink = self.post("/v1/account_links", &form, &key).await?;
        Ok(link.url)
    }

    async fn transfer(&self, new: &NewTransfer<'_>) -> PaymentsResult<Transfer> {
        let amount = new.amount_minor.to_string();
        let currency = new.currency.to_ascii_lowercase();
        let form = [
            ("amount", amount.as_str()),
            ("currency", &currency),
            ("destination", new.destination),
            ("transfer_group", new.transfer_group),
        ];
        let transfer: StripeTransfer = self.post("/v1/transfers", &form, new.idempotency_key).await?;
        Ok(Transfer { id: transfer.id, amount_minor: transfer.amount })
    }

    async fn reverse_transfer(&self, transfer_id: &str, amount_minor: i64, key: &IdempotencyKey) -> PaymentsResult<()> {
        let amount = amount_minor.to_string();
        let path = format!("/v1/transfers/{}/reversals", checked_id("transfer", transfer_id)?);
        let _: Reversal = self.post(&path, &[("amount", &amount)], key).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(status: u16, body: &str) -> Option<String> {
        match error_of(StatusCode::from_u16(status).unwrap(), body.as_bytes(), "/v1/x") {
            PaymentsError::Refused(message) => Some(message),
            _ => None,
        }
    }

    #[test]
    fn answers_about_the_payment_are_refusals_and_the_rest_operational_errors() {
        let card = r#"{"error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}}"#;
        assert_eq!(refused(402, card).as_deref(), Some("Your card was declined."));
        let invalid = r#"{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such payment_intent: 'pi_1'"}}"#;
        assert_eq!(refused(404, invalid).as_deref(), Some("No such payment_intent: 'pi_1'"));
        let unworded = r#"{"error":{"type":"invalid_request_error","code":"amount_too_large"}}"#;
        assert_eq!(refused(400, unworded).as_deref(), Some("amount_too_large"));
        for (status, body) in [
            (401, r#"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_****"}}"#),
            (429, r#"{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests"}}"#),
            (409, r#"{"error":{"type":"invalid_request_error","code":"lock_timeout","message":"Try again"}}"#),
            (
                400,
                r#"{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters"}}"#,
            ),
            (500, r#"{"error":{"type":"api_error","message":"Something went wrong on Stripe's end."}}"#),
            (502, "<html>Bad gateway</html>"),
        ] {
            assert_eq!(refused(status, body), None, "{status} {body}");
        }
    }

    #[test]
    fn a_saved_card_refused_without_its_holder_is_a_decline_or_a_want_of_authentication() {
        let charge = |body: &str| charge_error_of(StatusCode::PAYMENT_REQUIRED, body.as_bytes(), "/v1/payment_intents");
        let declined = r#"{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds."}}"#;
        assert!(matches!(charge(declined), PaymentsError::Declined(d) if d.code == "insufficient_funds"));
        let generic = r#"{"error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline","message":"Your card was declined."}}"#;
        assert!(matches!(charge(generic), PaymentsError::Declined(d) if d.code == "card_declined"));
        let authenticate = r#"{"error":{"type":"card_error","code":"authentication_required","decline_code":"authentication_required","message":"This transaction requires authentication."}}"#;
        assert!(matches!(charge(authenticate), PaymentsError::AuthenticationRequired));
        let invalid = r#"{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such customer: 'cus_1'"}}"#;
        let missing = charge_error_of(StatusCode::NOT_FOUND, invalid.as_bytes(), "/v1/payment_intents");
        assert!(matches!(missing, PaymentsError::Refused(_)));
    }
}
