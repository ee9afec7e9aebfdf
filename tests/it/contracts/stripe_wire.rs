//! The Stripe adapter against Stripe's wire contract, where no Stripe can
//! run here: Connect (Express accounts, onboarding links, transfers and
//! their reversals), which localstripe does not have, and the two parts of
//! the payments contract localstripe does not keep (see
//! [`super::payments`]): idempotency keys and the refund limit.
//!
//! The stand-in is an HTTP server on 127.0.0.1 that checks every request as
//! Stripe's API reference documents it (method, path, the exact form
//! fields, `Authorization`, `Stripe-Version`, `Idempotency-Key` on every
//! POST, and no `Stripe-Account`: every call here is the platform's own, and
//! that header would make it the connected account's) and answers with the
//! documented objects and errors. A request it cannot accept is answered
//! with a 400 naming what is wrong, and recorded, so a test fails with the
//! reason.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
};

use atelier::platform::{
    config::{Secret, StripeConfig},
    payments::{
        Decline, IdempotencyKey, NewPayment, NewTransfer, PaymentProvider, PaymentState, PaymentsError, StripePayments,
        stripe::API_VERSION,
    },
};
use axum::{
    Extension, Json, Router,
    body::{Body, Bytes},
    extract::{Path, Request, State},
    http::{HeaderMap, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};
use uuid::Uuid;

const SECRET_KEY: &str = "sk_test_standin";

/// Where an Express account's holder is sent to onboard.
const ONBOARDING_ORIGIN: &str = "https://connect.stripe.com/setup/e/";

/// What a new Express account still has to provide, from Stripe's example
/// answers.
const NEW_ACCOUNT_DUE: [&str; 4] = ["business_type", "external_account", "tos_acceptance.date", "tos_acceptance.ip"];

type Form = BTreeMap<String, String>;

/// One request as it arrived.
#[derive(Clone, Debug)]
struct Recorded {
    method: Method,
    /// As sent, before any percent-decoding.
    path: String,
    idempotency_key: Option<String>,
    form: Form,
    /// Answered with the first answer to its idempotency key.
    replayed: bool,
}

/// What Stripe's idempotency layer keeps of a POST, by its key.
enum Saved {
    /// The first request with the key is still being answered.
    Running,
    Answered {
        request: (Method, String, Form),
        status: StatusCode,
        body: Bytes,
    },
}

struct Account {
    country: String,
    email: String,
    onboarded: bool,
}

struct Transfer {
    amount: i64,
    currency: String,
    destination: String,
    transfer_group: String,
    reversed: i64,
}

struct Intent {
    amount: i64,
    currency: String,
    transfer_group: String,
    status: &'static str,
    capturable: i64,
    received: i64,
    /// The last attempt's error, as Stripe words it.
    last_payment_error: Option<Value>,
}

struct Refund {
    id: String,
    payment_intent: String,
    amount: i64,
}

/// What a saved test card does when charged without its holder.
#[derive(Clone, Copy)]
pub(super) enum OffSession {
    Authorises,
    /// Declined with the bank's `decline_code`.
    Declines(&'static str),
    /// Its bank asks for authentication on every payment.
    AsksForAuthentication,
}

struct SetupIntent {
    customer: String,
    status: &'static str,
    payment_method: Option<String>,
}

struct PaymentMethod {
    customer: Option<String>,
    off_session: OffSession,
}

#[derive(Default)]
struct Stripe {
    customers: HashMap<String, String>,
    setups: HashMap<String, SetupIntent>,
    methods: HashMap<String, PaymentMethod>,
    requests: Vec<Recorded>,
    violations: Vec<String>,
    accounts: HashMap<String, Account>,
    transfers: HashMap<String, Transfer>,
    intents: HashMap<String, Intent>,
    /// Oldest first.
    refunds: Vec<Refund>,
    idempotency: HashMap<String, Saved>,
}

type Shared = Arc<Mutex<Stripe>>;

fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", &Uuid::new_v4().simple().to_string()[..16])
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Stripe's error answer, of `kind` (its `type`).
fn error_of_kind(kind: &str, status: StatusCode, code: Option<&str>, message: &str, param: Option<&str>) -> Response {
    let body = json!({ "error": { "type": kind, "code": code, "message": message, "param": param } });
    (status, Json(body)).into_response()
}

fn error(status: StatusCode, code: Option<&str>, message: &str, param: Option<&str>) -> Response {
    error_of_kind("invalid_request_error", status, code, message, param)
}

fn no_such(kind: &str, id: &str) -> Response {
    error(StatusCode::NOT_FOUND, Some("resource_missing"), &format!("No such {kind}: '{id}'"), Some("id"))
}

/// The form's fields, or the reason it is not a form.
fn parse_form(body: &[u8]) -> Result<Form, String> {
    let mut form = Form::new();
    for (name, value) in url::form_urlencoded::parse(body) {
        if form.insert(name.to_string(), value.to_string()).is_some() {
            return Err(format!("the field {name} is sent twice"));
        }
    }
    Ok(form)
}

/// Stripe's API versions are dated, with the release's name since 2024.
fn is_api_version(version: &str) -> bool {
    let (date, name) = version.split_once('.').unwrap_or((version, "stripe"));
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok()
        && !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_lowercase())
}

// Its checks fail with the answer itself, as the handlers that call them do.
#[expect(clippy::result_large_err)]
impl Stripe {
    fn refuse(&mut self, violation: String) -> Response {
        let answer = error(StatusCode::BAD_REQUEST, None, &format!("stand-in: {violation}"), None);
        self.violations.push(violation);
        answer
    }

    /// Checks what every request must carry, answering as Stripe would when
    /// it falls short; then its fields (a GET's from its `query`, a POST's
    /// from its form-encoded `body`) and, for a POST, its idempotency key.
    fn admit(
        &mut self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
        query: &[u8],
        body: &[u8],
    ) -> Result<(Form, Option<String>), Response> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let what = format!("{method} {path}");
        if header("authorization") != Some(&format!("Bearer {SECRET_KEY}")) {
            return Err(error(StatusCode::UNAUTHORIZED, None, "Invalid API Key provided", None));
        }
        match header("stripe-version") {
            Some(version) if version == API_VERSION && is_api_version(version) => {}
            other => return Err(self.refuse(format!("{what} carries Stripe-Version {other:?}, not {API_VERSION}"))),
        }
        if let Some(account) = header("stripe-account") {
            return Err(self.refuse(format!("{what} acts as connected account {account}; it is the platform's call")));
        }
        let key = header("idempotency-key").map(str::to_owned);
        if *method != Method::POST {
            if key.is_some() || !body.is_empty() {
                return Err(self.refuse(format!("{what} has a body or an idempotency key")));
            }
            let form = parse_form(query).map_err(|e| self.refuse(format!("{what}: {e}")))?;
            return Ok((form, None));
        }
        match key.as_deref() {
            Some(key) if !key.is_empty() && key.len() <= 255 => {}
            other => return Err(self.refuse(format!("{what} has Idempotency-Key {other:?}"))),
        }
        if header("content-type") != Some("application/x-www-form-urlencoded") {
            let content_type = header("content-type");
            return Err(self.refuse(format!("{what} is sent as {content_type:?}, not form-encoded")));
        }
        if !query.is_empty() {
            return Err(self.refuse(format!("{what} puts fields in the query, not the form")));
        }
        let form = parse_form(body).map_err(|e| self.refuse(format!("{what}: {e}")))?;
        Ok((form, key))
    }

    /// The form has exactly `fields`: Stripe refuses unknown parameters, and
    /// a missing one would be a default the adapter did not choose.
    fn expect_fields(&mut self, path: &str, form: &Form, fields: &[&str]) -> Result<(), Response> {
        let sent: Vec<&str> = form.keys().map(String::as_str).collect();
        let mut expected = fields.to_vec();
        expected.sort_unstable();
        if sent != expected {
            return Err(self.refuse(format!("{path} takes the fields {expected:?}, not {sent:?}")));
        }
        Ok(())
    }

    fn amount(&mut self, path: &str, form: &Form, field: &str) -> Result<i64, Response> {
        match form[field].parse::<i64>() {
            Ok(amount) if amount > 0 && form[field] == amount.to_string() => Ok(amount),
            _ => Err(self.refuse(format!("{path}: {field} {:?} is not a positive integer", form[field]))),
        }
    }

    fn currency(&mut self, path: &str, form: &Form) -> Result<String, Response> {
        let currency = &form["currency"];
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(self.refuse(format!("{path}: currency {currency:?} is not a lower-case ISO code")));
        }
        Ok(currency.clone())
    }

    fn account_object(&self, id: &str) -> Value {
        let account = &self.accounts[id];
        let due: Vec<&str> = if account.onboarded { Vec::new() } else { NEW_ACCOUNT_DUE.to_vec() };
        json!({
            "id": id, "object": "account", "type": "express", "country": account.country,
            "email": account.email, "business_type": null, "created": now(), "metadata": {},
            "capabilities": { "transfers": if account.onboarded { "active" } else { "inactive" } },
            "charges_enabled": false, "details_submitted": account.onboarded,
            "payouts_enabled": account.onboarded,
            "requirements": {
                "alternatives": [], "current_deadline": null, "currently_due": due,
                "disabled_reason": if account.onboarded { Value::Null } else { json!("requirements.past_due") },
                "errors": [], "eventually_due": due, "past_due": due, "pending_verification": [],
            },
        })
    }

    fn transfer_object(&self, id: &str) -> Value {
        let t = &self.transfers[id];
        json!({
            "id": id, "object": "transfer", "amount": t.amount, "amount_reversed": t.reversed,
            "currency": t.currency, "destination": t.destination, "transfer_group": t.transfer_group,
            "reversed": t.reversed == t.amount, "created": now(), "livemode": false, "metadata": {},
            "reversals": { "object": "list", "data": [], "has_more": false, "url": format!("/v1/transfers/{id}/reversals") },
        })
    }

    fn intent_object(&self, id: &str) -> Value {
        let i = &self.intents[id];
        json!({
            "id": id, "object": "payment_intent", "amount": i.amount, "amount_capturable": i.capturable,
            "amount_received": i.received, "capture_method": "manual", "currency": i.currency,
            "client_secret": format!("{id}_secret_standin"), "last_payment_error": i.last_payment_error,
            "payment_method_types": ["card"], "status": i.status, "transfer_group": i.transfer_group,
            "created": now(), "livemode": false, "metadata": {},
        })
    }

    fn method_object(&self, id: &str) -> Value {
        json!({
            "id": id, "object": "payment_method", "type": "card", "customer": self.methods[id].customer,
            "card": { "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2034, "funding": "credit" },
            "created": now(), "livemode": false, "metadata": {},
        })
    }

    /// `expanded`: with the payment method's object in place of its id.
    fn setup_object(&self, id: &str, expanded: bool) -> Value {
        let setup = &self.setups[id];
        let method = match &setup.payment_method {
            Some(method) if expanded => self.method_object(method),
            other => json!(other),
        };
        json!({
            "id": id, "object": "setup_intent", "customer": setup.customer, "status": setup.status,
            "client_secret": format!("{id}_secret_standin"), "usage": "off_session", "payment_method": method,
            "payment_method_types": ["card"], "last_setup_error": null, "next_action": null,
            "created": now(), "livemode": false, "metadata": {},
        })
    }

    fn refund_object(refund: &Refund, currency: &str) -> Value {
        json!({
            "id": refund.id, "object": "refund", "amount": refund.amount, "currency": currency,
            "payment_intent": refund.payment_intent, "status": "succeeded", "created": now(), "metadata": {},
        })
    }
}

/// Stripe's checks before any endpoint runs, then its idempotency layer:
/// a POST that repeats a key is answered with the first answer to it, status
/// and body, marked `Idempotent-Replayed`, whatever that answer was; the key
/// on a different request is an `idempotency_error`; and while the first
/// request is still running, a 409.
async fn gate(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.expect("the request's body arrives");
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or_default().as_bytes().to_vec();
    let this = {
        let mut s = state.lock().unwrap();
        let (form, key) = match s.admit(&parts.method, &path, &parts.headers, &query, &body) {
            Ok(admitted) => admitted,
            Err(answer) => return answer,
        };
        let request = (parts.method.clone(), path.clone(), form.clone());
        let (answer, replayed) = match key.as_ref().and_then(|key| s.idempotency.get(key)) {
            None => (None, false),
            Some(Saved::Running) => {
                let message = "There is currently another in-progress request using this Idempotency-Key";
                let conflict = error_of_kind(
                    "idempotency_error",
                    StatusCode::CONFLICT,
                    Some("idempotency_key_in_use"),
                    message,
                    None,
                );
                (Some(conflict), false)
            }
            Some(Saved::Answered { request: first, status, body }) if *first == request => {
                let replay = (*status, [("content-type", "application/json"), ("idempotent-replayed", "true")]);
                (Some((replay.0, replay.1, body.clone()).into_response()), true)
            }
            Some(Saved::Answered { .. }) => {
                let message = "Keys for idempotent requests can only be used with the same parameters they were \
                               first used with";
                (Some(error_of_kind("idempotency_error", StatusCode::BAD_REQUEST, None, message, None)), false)
            }
        };
        let (method, idempotency_key) = (parts.method.clone(), key.clone());
        s.requests.push(Recorded { method, path, idempotency_key, form: form.clone(), replayed });
        if let Some(answer) = answer {
            return answer;
        }
        parts.extensions.insert(form);
        key.map(|key| {
            s.idempotency.insert(key.clone(), Saved::Running);
            (key, request)
        })
    };
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    let Some((key, request)) = this else { return response };
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.expect("the answer is whole");
    let saved = Saved::Answered { request, status: parts.status, body: body.clone() };
    state.lock().unwrap().idempotency.insert(key, saved);
    Response::from_parts(parts, Body::from(body))
}

/// Stripe's answer to a URL it does not serve; here also a violation.
async fn unknown_endpoint(State(s): State<Shared>, method: Method, uri: axum::http::Uri) -> Response {
    let mut s = s.lock().unwrap();
    s.violations.push(format!("{method} {uri} is no endpoint of Stripe's"));
    error(StatusCode::NOT_FOUND, None, &format!("Unrecognized request URL ({method}: {})", uri.path()), None)
}

/// A documented object, or Stripe's error answer.
type Answer = Result<Json<Value>, Response>;

async fn create_account(State(s): State<Shared>, Extension(form): Extension<Form>) -> Answer {
    let mut s = s.lock().unwrap();
    let path = "/v1/accounts";
    s.expect_fields(path, &form, &["type", "country", "email", "capabilities[transfers][requested]"])?;
    if form["type"] != "express" || form["capabilities[transfers][requested]"] != "true" {
        return Err(s.refuse(format!("{path}: an Express account asking for transfers, not {form:?}")));
    }
    let country = &form["country"];
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) || !form["email"].contains('@') {
        return Err(s.refuse(format!("{path}: country and e-mail address as Stripe takes them, not {form:?}")));
    }
    let id = new_id("acct");
    let account = Account { country: country.clone(), email: form["email"].clone(), onboarded: false };
    s.accounts.insert(id.clone(), account);
    Ok(Json(s.account_object(&id)))
}

async fn retrieve_account(
    State(s): State<Shared>,
    Path(id): Path<String>,
    Extension(query): Extension<Form>,
) -> Answer {
    let mut s = s.lock().unwrap();
    s.expect_fields(&format!("/v1/accounts/{id}"), &query, &[])?;
    if !s.accounts.contains_key(&id) {
        return Err(no_such("account", &id));
    }
    Ok(Json(s.account_object(&id)))
}

async fn create_account_link(State(s): State<Shared>, Extension(form): Extension<Form>) -> Answer {
    let mut s = s.lock().unwrap();
    let path = "/v1/account_links";
    s.expect_fields(path, &form, &["account", "type", "return_url", "refresh_url"])?;
    if form["type"] != "account_onboarding" {
        return Err(s.refuse(format!("{path}: type {:?}, not account_onboarding", form["type"])));
    }
    for field in ["return_url", "refresh_url"] {
        if !url::Url::parse(&form[field]).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
            return Err(s.refuse(format!("{path}: {field} {:?} is not a URL", form[field])));
        }
    }
    let account = form["account"].clone();
    if !s.accounts.contains_key(&account) {
        return Err(no_such("account", &account));
    }
    let created = now();
    let url = format!("{ONBOARDING_ORIGIN}{account}/{}", Uuid::new_v4().simple());
    Ok(Json(json!({ "object": "account_link", "created": created, "expires_at": created + 300, "url": url })))
}

async fn create_transfer(State(s): State<Shared>, Extension(form): Extension<Form>) -> Answer {
    let mut s = s.lock().unwrap();
    let path = "/v1/transfers";
    s.expect_fields(path, &form, &["amount", "currency", "destination", "transfer_group"])?;
    let amount = s.amount(path, &form, "amount")?;
    let currency = s.currency(path, &form)?;
    let destination = form["destination"].clone();
    match s.accounts.get(&destination) {
        None => return Err(no_such("destination", &destination)),
        Some(account) if !account.onboarded => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                Some("insufficient_capabilities_for_transfer"),
                "Your destination account needs to have at least one of the following capabilities enabled: \
                     transfers, crypto_transfers, legacy_payments",
                Some("destination"),
            ));
        }
        Some(_) => {}
    }
    let id = new_id("tr");
    let transfer_group = form["transfer_group"].clone();
    s.transfers.insert(id.clone(), Transfer { amount, currency, destination, transfer_group, reversed: 0 });
    Ok(Json(s.transfer_object(&id)))
}

async fn reverse_transfer(State(s): State<Shared>, Path(id): Path<String>, Extension(form): Extension<Form>) -> Answer {
    let mut s = s.lock().unwrap();
    let path = format!("/v1/transfers/{id}/reversals");
    s.expect_fields(&path, &form, &["amount"])?;
    let amount = s.amount(&path, &form, "amount")?;
    let Some(transfer) = s.transfers.get_mut(&id) else { return Err(no_such("transfer", &id)) };
    if amount > transfer.amount - transfer.reversed {
        let left = transfer.amount - transfer.reversed;
        let message = format!("You have attempted to reverse {amount}, but only {left} remains on this transfer");
        return Err(error(StatusCode::BAD_REQUEST, None, &message, Some("amount")));
    }
    transfer.reversed += amount;
    let currency = transfer.currency.clone();
    Ok(Json(json!({
        "id": new_id("trr"), "object": "transfer_reversal", "amount": amount, "currency": currency,
        "transfer": id, "created": now(), "metadata": {}, "destination_payment_refund": null, "source_refund": null,
    })))
}

async fn create_intent(State(s): State<Shared>, Extension(form): Extension<Form>) -> Result<Json<Value>, Response> {
    let mut s = s.lock().unwrap();
    let path = "/v1/payment_intents";
    let on_session =
        ["amount", "currency", "capture_method", "payment_method_types[0]", "transfer_group", "description"];
    let off_session = [&on_session[..], &["customer", "payment_method", "off_session", "confirm"]].concat();
    let saved = form.contains_key("payment_method");
    s.expect_fields(path, &form, if saved { &off_session } else { &on_session })?;
    if form["capture_method"] != "manual" || form["payment_method_types[0]"] != "card" {
        return Err(s.refuse(format!("{path}: a card payment captured later, not {form:?}")));
    }
    let amount = s.amount(path, &form, "amount")?;
    let currency = s.currency(path, &form)?;
    let id = new_id("pi");
    let transfer_group = form["transfer_group"].clone();
    let intent = Intent {
        amount,
        currency,
        transfer_group,
        status: "requires_payment_method",
        capturable: 0,
        received: 0,
        last_payment_error: None,
    };
    if !saved {
        s.intents.insert(id.clone(), intent);
        return Ok(Json(s.intent_object(&id)));
    }
    if form["off_session"] != "true" || form["confirm"] != "true" {
        return Err(s.refuse(format!("{path}: a saved card charged without its holder, not {form:?}")));
    }
    let method = form["payment_method"].clone();
    let Some(card) = s.methods.get(&method) else { return Err(no_such("payment_method", &method)) };
    if card.customer.as_deref() != Some(form["customer"].as_str()) {
        let message = format!("The provided PaymentMethod {method} is not attached to the customer.");
        return Err(error(StatusCode::BAD_REQUEST, None, &message, Some("payment_method")));
    }
    // Stripe answers a refused off-session confirmation with a card error
    // carrying the PaymentIntent, left waiting for another payment method.
    let refusal = match card.off_session {
        OffSession::Authorises => None,
        OffSession::Declines(decline_code) => Some(json!({
            "type": "card_error", "code": "card_declined", "decline_code": decline_code,
            "message": "Your card was declined.",
        })),
        OffSession::AsksForAuthentication => Some(json!({
            "type": "card_error", "code": "authentication_required", "decline_code": "authentication_required",
            "message": "Your card was declined. This transaction requires authentication.",
        })),
    };
    let Some(mut refusal) = refusal else {
        s.intents.insert(id.clone(), Intent { status: "requires_capture", capturable: amount, ..intent });
        return Ok(Json(s.intent_object(&id)));
    };
    s.intents.insert(id.clone(), Intent { last_payment_error: Some(refusal.clone()), ..intent });
    refusal["payment_intent"] = s.intent_object(&id);
    Err((StatusCode::PAYMENT_REQUIRED, Json(json!({ "error": refusal }))).into_response())
}

async fn create_customer(State(s): State<Shared>, Extension(form): Extension<Form>) -> Answer {
    let mut s = s.lock().unwrap();
    s.expect_fields("/v1/customers", &form, &["email"])?;
    let id = new_id("cus");
    s.customers.insert(id.clone(), form["email"].clone());
    Ok(Json(json!({ "id": id, "object": "customer", "email": form["email"], "created": now(), "metadata": {} })))
}

async fn create_setup(State(s): State<Shared>, Extension(form): Extension<Form>) -> Answer {
    let mut s = s.lock().unwrap();
    let path = "/v1/setup_intents";
    s.expect_fields(path, &form, &["customer", "usage", "payment_method_types[0]"])?;
    if form["usage"] != "off_session" || form["payment_method_types[0]"] != "card" {
        return Err(s.refuse(format!("{path}: a card saved for payments without its holder, not {form:?}")));
    }
    if !s.customers.contains_key(&form["customer"]) {
        return Err(no_such("customer", &form["customer"]));
    }
    let id = new_id("seti");
    let setup =
        SetupIntent { customer: form["customer"].clone(), status: "requires_payment_method", payment_method: None };
    s.setups.insert(id.clone(), setup);
    Ok(Json(s.setup_object(&id, false)))
}

async fn retrieve_setup(State(s): State<Shared>, Path(id): Path<String>, Extension(query): Extension<Form>) -> Answer {
    let mut s = s.lock().unwrap();
    let path = format!("/v1/setup_intents/{id}");
    let expanded = query.get("expand[]").map(String::as_str) == Some("payment_method");
    if !query.is_empty() && !expanded {
        return Err(s.refuse(format!("{path}: expands {query:?}, not the payment method")));
    }
    if !s.setups.contains_key(&id) {
        return Err(no_such("setup_intent", &id));
    }
    Ok(Json(s.setup_object(&id, expanded)))
}

async fn detach_method(State(s): State<Shared>, Path(id): Path<String>, Extension(form): Extension<Form>) -> Answer {
    let mut s = s.lock().unwrap();
    s.expect_fields(&format!("/v1/payment_methods/{id}/detach"), &form, &[])?;
    let Some(method) = s.methods.get_mut(&id) else { return Err(no_such("payment_method", &id)) };
    if method.customer.take().is_none() {
        let message = "The payment method you provided is not attached to a customer so detachment is impossible.";
        return Err(error(StatusCode::BAD_REQUEST, None, message, None));
    }
    Ok(Json(s.method_object(&id)))
}

async fn retrieve_intent(State(s): State<Shared>, Path(id): Path<String>, Extension(query): Extension<Form>) -> Answer {
    let mut s = s.lock().unwrap();
    s.expect_fields(&format!("/v1/payment_intents/{id}"), &query, &[])?;
    if !s.intents.contains_key(&id) {
        return Err(no_such("payment_intent", &id));
    }
    Ok(Json(s.intent_object(&id)))
}

async fn capture_intent(State(s): State<Shared>, Path(id): Path<String>, Extension(form): Extension<Form>) -> Answer {
    let mut s = s.lock().unwrap();
    let path = format!("/v1/payment_intents/{id}/capture");
    s.expect_fields(&path, &form, &["amount_to_capture"])?;
    let amount = s.amount(&path, &form, "amount_to_capture")?;
    let Some(intent) = s.intents.get_mut(&id) else { return Err(no_such("payment_intent", &id)) };
    if intent.status != "requires_capture" || amount > intent.capturable {
        let message = format!("This PaymentIntent could not be captured because it has a status of {}.", intent.status);
        return Err(error(StatusCode::BAD_REQUEST, Some("payment_intent_unexpected_state"), &message, None));
    }
    intent.status = "succeeded";
    intent.received = amount;
    intent.capturable = 0;
    Ok(Json(s.intent_object(&id)))
}

async fn cancel_intent(State(s): State<Shared>, Path(id): Path<String>, Extension(form): Extension<Form>) -> Answer {
    let mut s = s.lock().unwrap();
    let path = format!("/v1/payment_intents/{id}/cancel");
    s.expect_fields(&path, &form, &[])?;
    let Some(intent) = s.intents.get_mut(&id) else { return Err(no_such("payment_intent", &id)) };
    if matches!(intent.status, "succeeded" | "canceled") {
        let message = format!("This PaymentIntent could not be canceled because it has a status of {}.", intent.status);
        return Err(error(StatusCode::BAD_REQUEST, Some("payment_intent_unexpected_state"), &message, None));
    }
    intent.status = "canceled";
    intent.capturable = 0;
    Ok(Json(s.intent_object(&id)))
}

async fn create_refund(State(s): State<Shared>, Extension(form): Extension<Form>) -> Answer {
    let mut s = s.lock().unwrap();
    let path = "/v1/refunds";
    s.expect_fields(path, &form, &["payment_intent", "amount"])?;
    let amount = s.amount(path, &form, "amount")?;
    let payment_intent = form["payment_intent"].clone();
    let Some(intent) = s.intents.get(&payment_intent) else { return Err(no_such("payment_intent", &payment_intent)) };
    let (received, currency) = (intent.received, intent.currency.clone());
    let refunded: i64 = s.refunds.iter().filter(|r| r.payment_intent == payment_intent).map(|r| r.amount).sum();
    if amount > received - refunded {
        let message =
            format!("Refund amount ({amount}) is greater than unrefunded amount on charge ({})", received - refunded);
        return Err(error(StatusCode::BAD_REQUEST, None, &message, Some("amount")));
    }
    let refund = Refund { id: new_id("re"), payment_intent, amount };
    let object = Stripe::refund_object(&refund, &currency);
    s.refunds.push(refund);
    Ok(Json(object))
}

/// Answers pages of at most two refunds, whatever the `limit` (an upper
/// bound), so that a few refunds already take several pages.
async fn list_refunds(State(s): State<Shared>, Extension(query): Extension<Form>) -> Answer {
    const PAGE: usize = 2;
    let mut s = s.lock().unwrap();
    let path = "/v1/refunds";
    match query.get("starting_after") {
        None => s.expect_fields(path, &query, &["payment_intent", "limit"])?,
        Some(_) => s.expect_fields(path, &query, &["payment_intent", "limit", "starting_after"])?,
    }
    if query["limit"] != "100" {
        return Err(s.refuse(format!("{path}: limit {:?}, not the largest page, 100", query["limit"])));
    }
    let Some(intent) = s.intents.get(&query["payment_intent"]) else {
        return Err(no_such("payment_intent", &query["payment_intent"]));
    };
    let currency = intent.currency.clone();
    let newest_first: Vec<&Refund> =
        s.refunds.iter().rev().filter(|r| r.payment_intent == query["payment_intent"]).collect();
    let start = match query.get("starting_after") {
        None => 0,
        Some(after) => match newest_first.iter().position(|r| &r.id == after) {
            Some(i) => i + 1,
            None => return Err(no_such("refund", after)),
        },
    };
    let page: Vec<Value> =
        newest_first.iter().skip(start).take(PAGE).map(|r| Stripe::refund_object(r, &currency)).collect();
    let has_more = newest_first.len() > start + PAGE;
    Ok(Json(json!({ "object": "list", "url": path, "has_more": has_more, "data": page })))
}

/// The stand-in, serving on 127.0.0.1 for as long as the test runs.
pub(super) struct StandIn {
    url: String,
    state: Shared,
}

impl StandIn {
    pub(super) async fn start() -> Self {
        let state = Shared::default();
        let router = Router::new()
            .route("/v1/accounts", post(create_account))
            .route("/v1/accounts/{id}", get(retrieve_account))
            .route("/v1/account_links", post(create_account_link))
            .route("/v1/transfers", post(create_transfer))
            .route("/v1/transfers/{id}/reversals", post(reverse_transfer))
            .route("/v1/payment_intents", post(create_intent))
            .route("/v1/payment_intents/{id}", get(retrieve_intent))
            .route("/v1/payment_intents/{id}/capture", post(capture_intent))
            .route("/v1/payment_intents/{id}/cancel", post(cancel_intent))
            .route("/v1/refunds", post(create_refund).get(list_refunds))
            .route("/v1/customers", post(create_customer))
            .route("/v1/setup_intents", post(create_setup))
            .route("/v1/setup_intents/{id}", get(retrieve_setup))
            .route("/v1/payment_methods/{id}/detach", post(detach_method))
            .fallback(unknown_endpoint)
            .layer(middleware::from_fn_with_state(state.clone(), gate))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self { url, state }
    }

    pub(super) fn adapter(&self) -> StripePayments {
        adapter_at(&self.url, SECRET_KEY)
    }

    /// The artist finishes Stripe's onboarding form.
    fn complete_onboarding(&self, account_id: &str) {
        self.state.lock().unwrap().accounts.get_mut(account_id).unwrap().onboarded = true;
    }

    fn set_intent(&self, payment_id: &str, status: &'static str, last_payment_error: Option<Value>) {
        let mut state = self.state.lock().unwrap();
        let intent = state.intents.get_mut(payment_id).unwrap();
        intent.status = status;
        intent.capturable = if status == "requires_capture" { intent.amount } else { 0 };
        intent.last_payment_error = last_payment_error;
    }

    /// The buyer's card authorises the payment.
    pub(super) fn authorise(&self, payment_id: &str) {
        self.set_intent(payment_id, "requires_capture", None);
    }

    /// The buyer's card is declined, with Stripe's `code` and the bank's
    /// `decline_code` (the test cards' documented pairs).
    pub(super) fn decline(&self, payment_id: &str, decline_code: &str, message: &str) {
        let error = json!({
            "type": "card_error", "code": "card_declined", "decline_code": decline_code, "message": message,
            "payment_method": { "id": "pm_standin", "object": "payment_method", "type": "card" },
        });
        self.set_intent(payment_id, "requires_payment_method", Some(error));
    }

    /// The buyer saves a card through the setup, in Stripe.js, passing any
    /// authentication its bank asks for; the card is then the customer's.
    pub(super) fn save_card(&self, setup_id: &str, off_session: OffSession) -> String {
        let mut state = self.state.lock().unwrap();
        let method = new_id("pm");
        let customer = state.setups[setup_id].customer.clone();
        state.methods.insert(method.clone(), PaymentMethod { customer: Some(customer), off_session });
        let setup = state.setups.get_mut(setup_id).unwrap();
        setup.status = "succeeded";
        setup.payment_method = Some(method.clone());
        method
    }

    /// The buyer's bank asks for 3-D Secure.
    pub(super) fn ask_for_authentication(&self, payment_id: &str) {
        self.set_intent(payment_id, "requires_action", None);
    }

    /// The buyer passes or fails the bank's authentication.
    pub(super) fn authenticate(&self, payment_id: &str, succeed: bool) {
        if succeed {
            self.authorise(payment_id);
        } else {
            let error = json!({
                "type": "invalid_request_error", "code": "payment_intent_authentication_failure",
                "message": "The provided PaymentMethod has failed authentication.",
            });
            self.set_intent(payment_id, "requires_payment_method", Some(error));
        }
    }

    fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    fn last_request(&self) -> Recorded {
        self.requests().pop().expect("a request arrived")
    }

    pub(super) fn assert_no_violations(&self) {
        let violations = self.state.lock().unwrap().violations.clone();
        assert!(violations.is_empty(), "requests Stripe would refuse: {violations:#?}");
    }
}

fn adapter_at(api_base: &str, secret_key: &str) -> StripePayments {
    StripePayments::new(&StripeConfig {
        secret_key: Secret::new(secret_key),
        publishable_key: "pk_test_standin".to_owned(),
        api_base: api_base.to_owned(),
    })
    .unwrap()
}

fn key(action: &str) -> IdempotencyKey {
    IdempotencyKey::new(Uuid::now_v7(), action, 0)
}

fn form(fields: &[(&str, &str)]) -> Form {
    fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn refused<T: std::fmt::Debug>(result: Result<T, PaymentsError>) -> String {
    match result {
        Err(PaymentsError::Refused(message)) => message,
        other => panic!("not refused: {other:?}"),
    }
}

#[tokio::test]
async fn an_express_account_is_created_onboarded_and_read_back() {
    let stripe = StandIn::start().await;
    let adapter = stripe.adapter();
    let create = key("account");
    let created = adapter.create_account("ada@example.com", "GB", &create).await.unwrap();
    let request = stripe.last_request();
    assert_eq!((request.method, request.path.as_str()), (Method::POST, "/v1/accounts"));
    assert_eq!(request.idempotency_key.as_deref(), Some(create.as_str()));
    assert_eq!(
        request.form,
        form(&[
            ("type", "express"),
            ("country", "GB"),
            ("email", "ada@example.com"),
            ("capabilities[transfers][requested]", "true"),
        ])
    );
    assert!(created.id.starts_with("acct_"), "{created:?}");
    assert!(!created.payouts_enabled, "nobody has onboarded yet");
    assert_eq!(created.requirements, NEW_ACCOUNT_DUE, "what Stripe still needs is passed on");
    assert_eq!(adapter.account(&created.id).await.unwrap(), created);

    let return_url = "https://atelier.example/studio/payouts?done=1";
    let refresh_url = "https://atelier.example/studio/payouts";
    let link = adapter.onboarding_link(&created.id, return_url, refresh_url).await.unwrap();
    assert!(link.starts_with(&format!("{ONBOARDING_ORIGIN}{}/", created.id)), "{link}");
    let request = stripe.last_request();
    assert_eq!((request.method, request.path.as_str()), (Method::POST, "/v1/account_links"));
    assert_eq!(
        request.form,
        form(&[
            ("account", created.id.as_str()),
            ("type", "account_onboarding"),
            ("return_url", return_url),
            ("refresh_url", refresh_url),
        ])
    );
    // A link is single-use: asking again makes a new one, under a new key.
    let again = adapter.onboarding_link(&created.id, return_url, refresh_url).await.unwrap();
    assert_ne!(again, link);
    assert_ne!(stripe.last_request().idempotency_key, request.idempotency_key);

    stripe.complete_onboarding(&created.id);
    let onboarded = adapter.account(&created.id).await.unwrap();
    assert!(onboarded.payouts_enabled);
    assert!(onboarded.requirements.is_empty());
    let request = stripe.last_request();
    assert_eq!((request.method, request.path), (Method::GET, format!("/v1/accounts/{}", created.id)));
    stripe.assert_no_violations();
}

#[tokio::test]
async fn transfers_reach_onboarded_accounts_and_are_reversed_as_far_as_they_go() {
    let stripe = StandIn::start().await;
    let adapter = stripe.adapter();
    let account = adapter.create_account("hokusai@example.com", "JP", &key("account")).await.unwrap();
    let transfer = |idempotency_key| NewTransfer {
        amount_minor: 8_500,
        currency: "JPY",
        destination: &account.id,
        transfer_group: "checkout-1",
        idempotency_key,
    };
    let too_early = key("transfer");
    let message = refused(adapter.transfer(&transfer(&too_early)).await);
    assert!(message.contains("capabilities"), "Stripe's reason is passed on: {message}");

    stripe.complete_onboarding(&account.id);
    let sent = key("transfer");
    let made = adapter.transfer(&transfer(&sent)).await.unwrap();
    assert!(made.id.starts_with("tr_"));
    // Yen are whole units: 8500 goes out as 8500.
    assert_eq!(made.amount_minor, 8_500);
    let request = stripe.last_request();
    assert_eq!((request.method, request.path.as_str()), (Method::POST, "/v1/transfers"));
    assert_eq!(request.idempotency_key.as_deref(), Some(sent.as_str()));
    assert_eq!(
        request.form,
        form(&[
            ("amount", "8500"),
            ("currency", "jpy"),
            ("destination", account.id.as_str()),
            ("transfer_group", "checkout-1")
        ])
    );

    let reversal = key("reverse");
    adapter.reverse_transfer(&made.id, 3_000, &reversal).await.unwrap();
    let request = stripe.last_request();
    assert_eq!((request.method, request.path), (Method::POST, format!("/v1/transfers/{}/reversals", made.id)));
    assert_eq!(request.idempotency_key.as_deref(), Some(reversal.as_str()));
    assert_eq!(request.form, form(&[("amount", "3000")]));
    refused(adapter.reverse_transfer(&made.id, 5_501, &key("reverse")).await);
    adapter.reverse_transfer(&made.id, 5_500, &key("reverse")).await.unwrap();
    refused(adapter.reverse_transfer("tr_NoSuchTransfer", 1, &key("reverse")).await);
    stripe.assert_no_violations();
}

/// localstripe replays no key; Stripe answers a repeated key with the first
/// call's result, so what the adapter owes is the caller's key on every POST,
/// the same on a repeat with the same body.
#[tokio::test]
async fn every_post_carries_the_callers_idempotency_key() {
    let stripe = StandIn::start().await;
    let adapter = stripe.adapter();
    let create = key("create");
    let new = NewPayment {
        amount_minor: 4_200,
        currency: "USD",
        transfer_group: "checkout-2",
        description: "A print",
        off_session: None,
        idempotency_key: &create,
    };
    let payment = adapter.create_payment(&new).await.unwrap();
    assert_eq!(adapter.create_payment(&new).await.unwrap(), payment, "the repeat is answered with the first answer");
    let requests = stripe.requests();
    let [first, repeat] = &requests[..] else { panic!("{requests:?}") };
    assert_eq!(first.idempotency_key.as_deref(), Some(create.as_str()));
    assert_eq!((&repeat.idempotency_key, &repeat.form), (&first.idempotency_key, &first.form));
    assert!(!first.replayed && repeat.replayed, "one payment was made: {requests:?}");
    assert_eq!(stripe.state.lock().unwrap().intents.len(), 1);
    assert_eq!(
        first.form,
        form(&[
            ("amount", "4200"),
            ("currency", "usd"),
            ("capture_method", "manual"),
            ("payment_method_types[0]", "card"),
            ("transfer_group", "checkout-2"),
            ("description", "A print"),
        ])
    );

    stripe.authorise(&payment.id);
    let capture = key("capture");
    adapter.capture(&payment.id, 4_000, &capture).await.unwrap();
    let refund = key("refund");
    adapter.refund(&payment.id, 1_000, &refund).await.unwrap();
    let other = adapter.create_payment(&NewPayment { idempotency_key: &key("create"), ..new }).await.unwrap();
    let void = key("void");
    adapter.void(&other.id, &void).await.unwrap();
    let posts: Vec<(String, Option<String>, Form)> = stripe
        .requests()
        .into_iter()
        .skip(2)
        .filter(|r| r.method == Method::POST && !r.path.ends_with("/v1/payment_intents"))
        .map(|r| (r.path, r.idempotency_key, r.form))
        .collect();
    let with_key = |path: String, key: &IdempotencyKey, fields: &[(&str, &str)]| {
        (path, Some(key.as_str().to_owned()), form(fields))
    };
    assert_eq!(
        posts,
        [
            with_key(format!("/v1/payment_intents/{}/capture", payment.id), &capture, &[("amount_to_capture", "4000")]),
            with_key("/v1/refunds".to_owned(), &refund, &[("payment_intent", payment.id.as_str()), ("amount", "1000")]),
            with_key(format!("/v1/payment_intents/{}/cancel", other.id), &void, &[]),
        ]
    );
    stripe.assert_no_violations();
}

/// localstripe refunds whatever it is asked to; Stripe refuses a refund
/// beyond what is left of the captured amount, and that answer must reach
/// commerce as a refusal, not as a failure to retry.
#[tokio::test]
async fn stripes_refusal_of_a_refund_beyond_the_captured_amount_is_a_refusal() {
    let stripe = StandIn::start().await;
    let adapter = stripe.adapter();
    let key_create = key("create");
    let new = NewPayment {
        amount_minor: 5_000,
        currency: "GBP",
        transfer_group: "checkout-3",
        description: "A drawing",
        off_session: None,
        idempotency_key: &key_create,
    };
    let payment = adapter.create_payment(&new).await.unwrap();
    stripe.authorise(&payment.id);
    let captured = adapter.capture(&payment.id, 3_000, &key("capture")).await.unwrap();
    assert_eq!((captured.state, captured.amount_received), (PaymentState::Succeeded, 3_000));
    let message = refused(adapter.refund(&payment.id, 3_001, &key("refund")).await);
    assert!(message.contains("greater than unrefunded amount"), "Stripe's words are kept: {message}");
    let refund = adapter.refund(&payment.id, 2_000, &key("refund")).await.unwrap();
    refused(adapter.refund(&payment.id, 1_001, &key("refund")).await);
    assert_eq!(adapter.refunds(&payment.id).await.unwrap(), vec![refund]);
    stripe.assert_no_violations();
}

#[tokio::test]
async fn refunds_are_read_across_pages_oldest_first() {
    let stripe = StandIn::start().await;
    let adapter = stripe.adapter();
    let key_create = key("create");
    let new = NewPayment {
        amount_minor: 900,
        currency: "EUR",
        transfer_group: "checkout-4",
        description: "Three etchings",
        off_session: None,
        idempotency_key: &key_create,
    };
    let payment = adapter.create_payment(&new).await.unwrap();
    stripe.authorise(&payment.id);
    adapter.capture(&payment.id, 900, &key("capture")).await.unwrap();
    let mut made = Vec::new();
    for amount in [100, 200, 300] {
        made.push(adapter.refund(&payment.id, amount, &key("refund")).await.unwrap());
    }
    assert_eq!(adapter.refunds(&payment.id).await.unwrap(), made);
    let pages: Vec<Form> = stripe
        .requests()
        .into_iter()
        .filter(|r| r.method == Method::GET && r.path == "/v1/refunds")
        .map(|r| r.form)
        .collect();
    assert_eq!(pages.len(), 2, "three refunds in pages of two");
    // Newest first: the first page has the last two, the second what follows the middle one.
    assert_eq!(pages[0].get("starting_after"), None);
    assert_eq!(pages[1].get("starting_after"), Some(&made[1].id));
    stripe.assert_no_violations();
}

#[tokio::test]
async fn a_wrong_key_or_an_unreachable_api_is_an_operational_error() {
    let stripe = StandIn::start().await;
    let wrong_key = adapter_at(&stripe.url, "sk_test_revoked");
    match wrong_key.payment("pi_Anything").await {
        Err(PaymentsError::Other(e)) => {
            let error = format!("{e:#}");
            assert!(error.contains("401"), "{error}");
            assert!(!error.contains("sk_test_revoked"), "the key is never in an error: {error}");
        }
        other => panic!("a rejected key is not the payment's fault: {other:?}"),
    }
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    assert!(matches!(adapter_at(&nowhere, SECRET_KEY).payment("pi_Anything").await, Err(PaymentsError::Other(_))));
}

/// A key reused on another request means the keys were derived wrongly:
/// Stripe refuses it without acting, and that is no answer about the payment.
#[tokio::test]
async fn a_key_reused_for_another_request_is_refused_by_stripe_and_changes_nothing() {
    let stripe = StandIn::start().await;
    let adapter = stripe.adapter();
    let create = key("create");
    let new = NewPayment {
        amount_minor: 7_000,
        currency: "EUR",
        transfer_group: "checkout-5",
        description: "A lithograph",
        off_session: None,
        idempotency_key: &create,
    };
    let payment = adapter.create_payment(&new).await.unwrap();
    stripe.authorise(&payment.id);
    let capture = key("capture");
    let captured = adapter.capture(&payment.id, 5_000, &capture).await.unwrap();
    match adapter.capture(&payment.id, 6_000, &capture).await {
        Err(PaymentsError::Other(e)) => assert!(format!("{e:#}").contains("idempotency_error"), "{e:#}"),
        other => panic!("a reused key is an operational error: {other:?}"),
    }
    match adapter.refund(&payment.id, 1_000, &capture).await {
        Err(PaymentsError::Other(_)) => {}
        other => panic!("a key reused on another endpoint is an operational error: {other:?}"),
    }
    assert_eq!(adapter.payment(&payment.id).await.unwrap(), captured, "nothing changed");
    assert_eq!(adapter.refunds(&payment.id).await.unwrap(), vec![]);
    // An error is kept like any answer: the same refused call, repeated, is refused again.
    let too_much = key("refund");
    refused(adapter.refund(&payment.id, 5_001, &too_much).await);
    refused(adapter.refund(&payment.id, 5_001, &too_much).await);
    assert!(stripe.last_request().replayed);
    stripe.assert_no_violations();
}

/// Ids reach paths and filters. One outside Stripe's alphabet could name
/// another endpoint (`/`, `?`, `#`, a parent `..` even escaped) or, empty,
/// list the whole account's refunds: each is refused and nothing is sent.
#[tokio::test]
async fn ids_that_are_not_stripes_are_refused_before_anything_is_sent() {
    let stripe = StandIn::start().await;
    let adapter = stripe.adapter();
    let hostile =
        ["", "..", "%2E%2E", "pi_1/../../accounts/acct_1", "pi_1?expand[]=customer", "pi_1#x", "pi 1", "pi_é"];
    for id in hostile {
        refused(adapter.payment(id).await);
        refused(adapter.capture(id, 100, &key("capture")).await);
        refused(adapter.void(id, &key("void")).await);
        refused(adapter.refund(id, 100, &key("refund")).await);
        refused(adapter.refunds(id).await);
        refused(adapter.account(id).await);
        refused(adapter.reverse_transfer(id, 100, &key("reverse")).await);
    }
    assert!(stripe.requests().is_empty(), "sent: {:?}", stripe.requests());
    // Stripe's own ids go through as they are.
    let message = refused(adapter.payment("pi_3NqAbC0123456789abcdef").await);
    assert!(message.contains("No such payment_intent"), "{message}");
    assert_eq!(stripe.last_request().path, "/v1/payment_intents/pi_3NqAbC0123456789abcdef");
    stripe.assert_no_violations();
}

/// A decline keeps the payment waiting for another card; the buyer is told
/// the bank's reason (`decline_code`) where Stripe has one beyond the
/// generic `card_declined`, as the sandbox does for the same test cards.
#[tokio::test]
async fn a_declines_reason_is_the_banks_where_stripe_gives_one() {
    let stripe = StandIn::start().await;
    let adapter = stripe.adapter();
    let create = key("create");
    let new = NewPayment {
        amount_minor: 2_000,
        currency: "GBP",
        transfer_group: "checkout-6",
        description: "A woodcut",
        off_session: None,
        idempotency_key: &create,
    };
    let payment = adapter.create_payment(&new).await.unwrap();
    stripe.decline(&payment.id, "insufficient_funds", "Your card has insufficient funds.");
    let declined = adapter.payment(&payment.id).await.unwrap();
    assert_eq!(declined.state, PaymentState::RequiresPaymentMethod);
    let expected =
        Decline { code: "insufficient_funds".to_owned(), message: "Your card has insufficient funds.".to_owned() };
    assert_eq!(declined.last_decline, Some(expected));
    stripe.decline(&payment.id, "generic_decline", "Your card was declined.");
    let declined = adapter.payment(&payment.id).await.unwrap();
    assert_eq!(declined.last_decline.map(|d| d.code).as_deref(), Some("card_declined"));
    stripe.authorise(&payment.id);
    assert_eq!(adapter.payment(&payment.id).await.unwrap().last_decline, None, "a later card's success clears it");
    stripe.assert_no_violations();
}
