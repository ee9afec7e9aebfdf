//! Buying art: the cart, checkout with stock holds, paying with the sandbox's
//! test cards, the provider's signed events, the order process from payment
//! to payout, its timers on a controlled clock, refunds, and money in
//! currencies with no or three decimals.

use atelier::{commerce::timers, platform::payments::webhook};
use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{
    actors::{Artist, User},
    app::{TestApp, TestResponse, spawn_app},
};

const WEBHOOK: &str = "/api/payments/webhooks/stripe";

fn address(country: &str) -> Value {
    json!({"name": "Ada Buyer", "line1": "1 Quay Street", "city": "Bristol", "postal_code": "BS1 4DJ", "country": country})
}

/// An artist who ships from the UK: £15 at home, £40 abroad, or collected.
pub async fn shipping_artist<'a>(app: &'a TestApp, slug: &str, currency: &str) -> Artist<'a> {
    let artist = app.artist(slug).await;
    let terms = json!({"origin_country": "GB", "currency": currency, "domestic_minor": 1500,
                       "international_minor": 4000, "collection": true});
    let response = artist.put("/api/me/shipping", terms).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    artist
}

pub async fn add(buyer: &User<'_>, artwork_id: &str, quantity: i32) -> TestResponse {
    buyer.put(&format!("/api/cart/items/{artwork_id}"), json!({"quantity": quantity})).await
}

pub async fn checkout(buyer: &User<'_>, country: &str) -> TestResponse {
    buyer
        .with_header("idempotency-key", &Uuid::new_v4().to_string())
        .post("/api/checkout", json!({"shipping_address": address(country)}))
        .await
}

/// Pays a checkout with `card` on the sandbox's card form, as the browser does.
pub async fn pay(app: &TestApp, checkout: &Value, card: &str) -> TestResponse {
    let payment = &checkout["payment"];
    assert!(payment.is_object(), "not a checkout: {checkout}");
    let path = format!("/api/payments/sandbox/payments/{}/confirm", payment["payment_id"].as_str().unwrap());
    app.anonymous().post(&path, json!({"client_secret": payment["client_secret"], "card_number": card})).await
}

async fn send_event(app: &TestApp, body: &[u8], signature: Option<&str>) -> TestResponse {
    let mut request = Request::builder().method(Method::POST).uri(WEBHOOK).header("content-type", "application/json");
    if let Some(signature) = signature {
        request = request.header("stripe-signature", signature);
    }
    app.send(request.body(Body::from(body.to_vec())).unwrap()).await
}

/// Delivers the sandbox's pending events through the webhook route, signed
/// as it signs them; answers how many there were.
pub async fn deliver_events(app: &TestApp) -> usize {
    let sandbox = app.ctx.sandbox_payments.as_ref().expect("the sandbox is the default provider");
    let events = sandbox.pending_events(100).await.unwrap();
    for event in &events {
        let response = send_event(app, &event.body, Some(&event.signature)).await;
        assert_eq!(response.status, StatusCode::OK, "event {}: {}", event.id, response.body);
        sandbox.mark_delivered(&event.id).await.unwrap();
    }
    events.len()
}

async fn order_status(app: &TestApp, order_id: &str) -> String {
    sqlx::query_scalar::<_, String>("SELECT status::text FROM orders WHERE id = $1::uuid")
        .bind(order_id)
        .fetch_one(&app.ctx.db)
        .await
        .unwrap()
}

async fn ledger(app: &TestApp, kind: &str) -> Vec<(Option<Uuid>, i64)> {
    sqlx::query_as("SELECT order_id, amount_minor FROM ledger_entries WHERE kind::text = $1 ORDER BY order_id")
        .bind(kind)
        .fetch_all(&app.ctx.db)
        .await
        .unwrap()
}

async fn artwork(app: &TestApp, id: &str) -> Value {
    app.anonymous().get(&format!("/api/artworks/{id}")).await.body
}

fn order_of<'v>(checkout: &'v Value, artist: &Artist<'_>) -> &'v Value {
    checkout["orders"].as_array().unwrap().iter().find(|o| o["artist_id"] == artist.artist_id.as_str()).unwrap()
}

#[tokio::test]
async fn a_collector_buys_from_two_artists_who_ship_and_are_paid() {
    let app = spawn_app().await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    let bo = shipping_artist(&app, "bodil", "GBP").await;
    let unique = ada.artwork(json!({"title": "Harbour", "price": {"amount_minor": 120000, "currency": "GBP"}})).await;
    let edition = bo
        .artwork(json!({"title": "Gulls, etching", "edition": {"kind": "limited", "size": 25, "available": 25},
                        "price": {"amount_minor": 30000, "currency": "GBP"}}))
        .await;
    let buyer = app.collector("cleo@example.com").await;
    assert_eq!(add(&buyer, &unique.id, 1).await.status, StatusCode::OK);
    let cart = add(&buyer, &edition.id, 2).await;
    assert_eq!(cart.body["groups"].as_array().unwrap().len(), 2, "one group per artist: {}", cart.body);

    let response = checkout(&buyer, "GB").await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    let placed = response.body;
    // £1,200 + £15 from Ada, 2 × £300 + £15 from Bo.
    assert_eq!(placed["total"]["amount_minor"], 120000 + 1500 + 60000 + 1500);
    let ada_order = order_of(&placed, &ada)["id"].as_str().unwrap().to_owned();
    let bo_order = order_of(&placed, &bo)["id"].as_str().unwrap().to_owned();
    let ada_view = order_of(&placed, &ada);
    assert_eq!(ada_view["commission"]["amount_minor"], 18000, "15 % of the works, not of the shipping");
    assert_eq!(ada_view["artist_net"]["amount_minor"], 121500 - 18000);
    assert_eq!(artwork(&app, &unique.id).await["status"], "reserved");
    assert_eq!(artwork(&app, &edition.id).await["edition"]["available"], 23);
    assert!(buyer.get("/api/cart").await.body["groups"].as_array().unwrap().is_empty(), "bought works leave the cart");

    let paid = pay(&app, &placed, "4242 4242 4242 4242").await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);
    assert_eq!(paid.body["status"], "requires_capture");
    assert!(deliver_events(&app).await >= 2);
    assert_eq!(order_status(&app, &ada_order).await, "paid");
    assert_eq!(artwork(&app, &unique.id).await["status"], "sold");

    // Ada accepts first: nothing is captured until Bo has answered too.
    let accepted = ada.post(&format!("/api/me/sales/{ada_order}/accept"), json!({})).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(accepted.body["payment_status"], "authorised");
    assert!(ledger(&app, "capture").await.is_empty());
    let accepted = bo.post(&format!("/api/me/sales/{bo_order}/accept"), json!({})).await;
    assert_eq!(accepted.body["payment_status"], "captured", "{}", accepted.body);
    assert_eq!(ledger(&app, "capture").await.len(), 2, "one capture row per order");

    for (artist, order) in [(&ada, &ada_order), (&bo, &bo_order)] {
        let shipped = artist
            .post(&format!("/api/me/sales/{order}/ship"), json!({"carrier": "Royal Mail", "tracking_number": "RM123"}))
            .await;
        assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.body);
        let received = buyer.post(&format!("/api/me/orders/{order}/received"), json!({})).await;
        assert_eq!(received.body["status"], "received", "{}", received.body);
    }
    // Ada connects her payout account before the orders complete, Bo only after.
    let connected = ada.post("/api/me/payouts/account", json!({})).await;
    assert_eq!(connected.status, StatusCode::OK, "{}", connected.body);
    let later = Utc::now() + Duration::hours(49);
    let report = timers::run(&app.ctx, later).await.unwrap();
    assert_eq!((report.completed, report.paid_out), (2, 1), "{report:?}");
    let bo_payouts = bo.get("/api/me/payouts").await.body;
    assert_eq!(bo_payouts["balances"][0]["available"]["amount_minor"], 61500 - 9000);
    assert!(bo_payouts["notice"].as_str().unwrap().contains("Connect a payout account"), "{bo_payouts}");
    bo.post("/api/me/payouts/account", json!({})).await;
    let report = timers::run(&app.ctx, later).await.unwrap();
    assert_eq!(report.paid_out, 1, "Bo's money went once his account was enabled");
    assert_eq!(
        timers::run(&app.ctx, later).await.unwrap(),
        timers::TimerReport::default(),
        "a second run does nothing"
    );

    let ada_payouts = ada.get("/api/me/payouts").await.body;
    assert_eq!(ada_payouts["balances"][0]["paid_out"]["amount_minor"], 121500 - 18000, "{ada_payouts}");
    let history = buyer.get(&format!("/api/me/orders/{ada_order}")).await.body;
    let steps: Vec<&str> = history["timeline"].as_array().unwrap().iter().map(|t| t["to"].as_str().unwrap()).collect();
    assert_eq!(steps, ["paid", "accepted", "shipped", "received", "completed"]);
    assert_eq!(history["payout_status"], "paid_out");
    // Everything the buyer paid is accounted for, in every order.
    let unbalanced: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orders WHERE total_minor <> commission_minor + fees_minor + net_minor",
    )
    .fetch_one(&app.ctx.db)
    .await
    .unwrap();
    assert_eq!(unbalanced, 0);
}

#[tokio::test]
async fn fifty_buyers_racing_for_a_unique_work_make_one_hold() {
    let app = spawn_app().await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    let work = ada.artwork(json!({})).await;
    let mut buyers = Vec::new();
    for n in 0..50 {
        let buyer = app.collector(&format!("buyer{n}@example.com")).await;
        assert_eq!(add(&buyer, &work.id, 1).await.status, StatusCode::OK);
        buyers.push(buyer);
    }
    let answers = futures::future::join_all(buyers.iter().map(|b| checkout(b, "GB"))).await;
    let won: Vec<_> = answers.iter().filter(|a| a.status == StatusCode::CREATED).collect();
    assert_eq!(won.len(), 1);
    for lost in answers.iter().filter(|a| a.status != StatusCode::CREATED) {
        assert_eq!(lost.status, StatusCode::CONFLICT, "{}", lost.body);
        assert!(lost.body["detail"].as_str().unwrap().contains("Harbour at Dusk"), "{}", lost.body);
    }
    let holds: i64 = sqlx::query_scalar("SELECT count(*) FROM stock_holds").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(holds, 1);
}

#[tokio::test]
async fn an_edition_sells_exactly_the_copies_left_and_an_expired_hold_returns_them_once() {
    let app = spawn_app().await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    let edition = ada.artwork(json!({"edition": {"kind": "limited", "size": 10, "available": 3}})).await;
    let mut buyers = Vec::new();
    for n in 0..8 {
        let buyer = app.collector(&format!("buyer{n}@example.com")).await;
        assert_eq!(add(&buyer, &edition.id, 1).await.status, StatusCode::OK);
        buyers.push(buyer);
    }
    let answers = futures::future::join_all(buyers.iter().map(|b| checkout(b, "GB"))).await;
    assert_eq!(answers.iter().filter(|a| a.status == StatusCode::CREATED).count(), 3);
    assert_eq!(artwork(&app, &edition.id).await["edition"]["available"], 0);

    // Nobody pays: after the hold the copies come back, once however often the timer runs.
    let later = Utc::now() + Duration::minutes(16);
    assert_eq!(timers::run(&app.ctx, later).await.unwrap().holds_expired, 3);
    assert_eq!(timers::run(&app.ctx, later).await.unwrap().holds_expired, 0);
    assert_eq!(artwork(&app, &edition.id).await["edition"]["available"], 3);
    let expired: i64 = sqlx::query_scalar("SELECT count(*) FROM orders WHERE status = 'payment_expired'")
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(expired, 3);
}

#[tokio::test]
async fn a_payment_is_applied_once_however_its_events_and_the_confirm_arrive() {
    let app = spawn_app().await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    let work = ada.artwork(json!({})).await;
    let buyer = app.collector("cleo@example.com").await;
    add(&buyer, &work.id, 1).await;
    let placed = checkout(&buyer, "GB").await.body;
    let checkout_id = placed["id"].as_str().unwrap();
    pay(&app, &placed, "4242424242424242").await;
    let sandbox = app.ctx.sandbox_payments.as_ref().unwrap();
    let events = sandbox.pending_events(100).await.unwrap();
    // The confirm and every event, twice each, all at once.
    let confirm = format!("/api/checkouts/{checkout_id}/confirm");
    let deliveries = events.iter().chain(&events).map(|e| send_event(&app, &e.body, Some(&e.signature)));
    let (confirms, delivered) = tokio::join!(
        futures::future::join_all([buyer.post(&confirm, json!({})), buyer.post(&confirm, json!({}))]),
        futures::future::join_all(deliveries)
    );
    assert!(
        confirms.iter().all(|c| c.status == StatusCode::OK),
        "{:?}",
        confirms.iter().map(|c| &c.body).collect::<Vec<_>>()
    );
    assert!(delivered.iter().all(|d| d.status == StatusCode::OK));
    let paid_transitions: i64 = sqlx::query_scalar("SELECT count(*) FROM order_transitions WHERE to_status = 'paid'")
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(paid_transitions, 1);
    assert_eq!(ledger(&app, "authorisation").await.len(), 1);
    // A redelivery later still changes nothing.
    for event in &events {
        assert_eq!(send_event(&app, &event.body, Some(&event.signature)).await.status, StatusCode::OK);
    }
    assert_eq!(ledger(&app, "authorisation").await.len(), 1);
}

#[tokio::test]
async fn unsigned_or_forged_events_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    let work = ada.artwork(json!({})).await;
    let buyer = app.collector("cleo@example.com").await;
    add(&buyer, &work.id, 1).await;
    let placed = checkout(&buyer, "GB").await.body;
    let order = placed["orders"][0]["id"].as_str().unwrap().to_owned();
    pay(&app, &placed, "4242424242424242").await;
    let sandbox = app.ctx.sandbox_payments.as_ref().unwrap();
    let event = sandbox.pending_events(100).await.unwrap().into_iter().last().unwrap();
    let secret = app.ctx.config.payments.webhook_secrets[0].clone();
    let now = Utc::now().timestamp();
    let mut tampered = event.body.clone();
    let at = tampered.iter().position(|b| *b == b'"').unwrap();
    tampered.insert(at, b' ');
    let attempts: [(&[u8], Option<String>); 4] = [
        (&tampered, Some(event.signature.clone())),
        (&event.body, Some(webhook::sign(&atelier::platform::config::Secret::new("whsec_wrong"), now, &event.body))),
        (&event.body, Some(webhook::sign(&secret, now - 301, &event.body))),
        (&event.body, None),
    ];
    for (body, signature) in attempts {
        let response = send_event(&app, body, signature.as_deref()).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{}", response.body);
    }
    assert_eq!(order_status(&app, &order).await, "pending_payment");
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_events").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(seen, 0);
}

#[tokio::test]
async fn transitions_outside_the_table_are_refused_and_other_peoples_orders_do_not_exist() {
    let app = spawn_app().await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    let bo = shipping_artist(&app, "bodil", "GBP").await;
    let work = ada.artwork(json!({})).await;
    let buyer = app.collector("cleo@example.com").await;
    let stranger = app.collector("dan@example.com").await;
    add(&buyer, &work.id, 1).await;
    let placed = checkout(&buyer, "GB").await.body;
    let order = placed["orders"][0]["id"].as_str().unwrap().to_owned();

    let early = ada.post(&format!("/api/me/sales/{order}/accept"), json!({})).await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(early.body["detail"].as_str().unwrap().contains("pending_payment"), "{}", early.body);
    pay(&app, &placed, "4242424242424242").await;
    deliver_events(&app).await;
    for (path, body) in [("received", json!({}))] {
        let response = buyer.post(&format!("/api/me/orders/{order}/{path}"), body).await;
        assert_eq!(response.status, StatusCode::CONFLICT, "{path}: {}", response.body);
        assert!(response.body["detail"].as_str().unwrap().contains("is paid"));
    }
    let ship =
        ada.post(&format!("/api/me/sales/{order}/ship"), json!({"carrier": "DHL", "tracking_number": "1"})).await;
    assert_eq!(ship.status, StatusCode::CONFLICT);
    assert_eq!(stranger.get(&format!("/api/me/orders/{order}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.post(&format!("/api/me/orders/{order}/cancel"), json!({})).await.status, StatusCode::NOT_FOUND);
    assert_eq!(bo.post(&format!("/api/me/sales/{order}/accept"), json!({})).await.status, StatusCode::NOT_FOUND);

    ada.post(&format!("/api/me/sales/{order}/accept"), json!({})).await;
    ada.post(&format!("/api/me/sales/{order}/ship"), json!({"carrier": "DHL", "tracking_number": "1"})).await;
    let cancel = buyer.post(&format!("/api/me/orders/{order}/cancel"), json!({})).await;
    assert_eq!(cancel.status, StatusCode::CONFLICT, "a shipped order cannot be cancelled: {}", cancel.body);
}

#[tokio::test]
async fn unanswered_orders_lapse_and_shipped_ones_count_as_received() {
    let app = spawn_app().await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    let first = ada.artwork(json!({"title": "First"})).await;
    let second = ada.artwork(json!({"title": "Second"})).await;
    let buyer = app.collector("cleo@example.com").await;
    let mut orders = Vec::new();
    for work in [&first, &second] {
        add(&buyer, &work.id, 1).await;
        let placed = checkout(&buyer, "GB").await.body;
        pay(&app, &placed, "4242424242424242").await;
        orders.push(placed["orders"][0]["id"].as_str().unwrap().to_owned());
    }
    deliver_events(&app).await;
    ada.post(&format!("/api/me/sales/{}/accept", orders[1]), json!({})).await;
    ada.post(&format!("/api/me/sales/{}/ship", orders[1]), json!({"carrier": "DHL", "tracking_number": "1"})).await;

    let in_four_days = Utc::now() + Duration::days(4);
    let report = timers::run(&app.ctx, in_four_days).await.unwrap();
    assert_eq!(report.lapsed, 1);
    assert_eq!(order_status(&app, &orders[0]).await, "lapsed");
    assert_eq!(artwork(&app, &first.id).await["status"], "published", "a lapsed order's work is for sale again");
    assert_eq!(ledger(&app, "void").await.len(), 1, "its authorisation was released");
    assert_eq!(timers::run(&app.ctx, in_four_days).await.unwrap(), timers::TimerReport::default());

    let in_fifteen_days = Utc::now() + Duration::days(15);
    assert_eq!(timers::run(&app.ctx, in_fifteen_days).await.unwrap().auto_received, 1);
    assert_eq!(order_status(&app, &orders[1]).await, "received");
}

#[tokio::test]
async fn refunds_never_exceed_the_capture_and_dashboard_refunds_are_reflected() {
    let app = spawn_app().await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    let work = ada.artwork(json!({})).await;
    let buyer = app.collector("cleo@example.com").await;
    let operator = app.moderator("ops@example.com").await;
    add(&buyer, &work.id, 1).await;
    let placed = checkout(&buyer, "GB").await.body;
    pay(&app, &placed, "4242424242424242").await;
    deliver_events(&app).await;
    let order = placed["orders"][0]["id"].as_str().unwrap().to_owned();
    ada.post(&format!("/api/me/sales/{order}/accept"), json!({})).await;
    let refunds = format!("/api/admin/orders/{order}/refunds");

    let too_much = operator.post(&refunds, json!({"amount_minor": 121501, "reason": "damaged"})).await;
    assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", too_much.body);
    let partial = operator.post(&refunds, json!({"amount_minor": 1500, "reason": "late delivery"})).await;
    assert_eq!(partial.status, StatusCode::OK, "{}", partial.body);
    assert_eq!(partial.body["payment_status"], "partially_refunded");
    assert_eq!(partial.body["status"], "accepted");
    assert_eq!(buyer.post(&refunds, json!({"amount_minor": 1, "reason": "x"})).await.status, StatusCode::FORBIDDEN);

    // The rest is refunded at the provider's dashboard; its event tells Atelier.
    let sandbox = app.ctx.sandbox_payments.as_ref().unwrap();
    sandbox.refund_from_dashboard(placed["payment"]["payment_id"].as_str().unwrap(), 120000).await.unwrap();
    deliver_events(&app).await;
    let view = buyer.get(&format!("/api/me/orders/{order}")).await.body;
    assert_eq!(view["status"], "refunded", "{view}");
    assert_eq!(view["refunded"]["amount_minor"], 121500);
    assert_eq!(artwork(&app, &work.id).await["status"], "published", "refunded before shipping: for sale again");
    let more = operator.post(&refunds, json!({"amount_minor": 1, "reason": "again"})).await;
    assert_eq!(more.status, StatusCode::CONFLICT, "{}", more.body);
}

#[tokio::test]
async fn yen_and_dinar_keep_their_own_decimals_and_a_cart_takes_one_currency() {
    let app = spawn_app().await;
    let kenji = shipping_artist(&app, "kenji", "JPY").await;
    let noor = shipping_artist(&app, "noor", "BHD").await;
    let print = kenji.artwork(json!({"price": {"amount_minor": 12345, "currency": "JPY"}})).await;
    let drawing = noor.artwork(json!({"price": {"amount_minor": 1250, "currency": "BHD"}})).await;
    let buyer = app.collector("cleo@example.com").await;
    add(&buyer, &print.id, 1).await;
    add(&buyer, &drawing.id, 1).await;
    assert_eq!(buyer.get("/api/cart").await.body["mixed_currencies"], true);
    let mixed = checkout(&buyer, "GB").await;
    assert_eq!(mixed.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", mixed.body);

    buyer.delete(&format!("/api/cart/items/{}", drawing.id)).await;
    let placed = checkout(&buyer, "GB").await.body;
    // ¥12,345 and ¥1,500 shipping: minor units are yen.
    assert_eq!(placed["total"], json!({"amount_minor": 13845, "currency": "JPY", "exponent": 0}));
    let payment = app.ctx.payments.payment(placed["payment"]["payment_id"].as_str().unwrap()).await.unwrap();
    assert_eq!((payment.amount_minor, payment.currency.as_str()), (13845, "JPY"));
    assert_eq!(placed["orders"][0]["commission"]["amount_minor"], 1852, "15 % of ¥12,345");

    add(&buyer, &drawing.id, 1).await;
    let placed = checkout(&buyer, "GB").await.body;
    assert_eq!(placed["total"], json!({"amount_minor": 2750, "currency": "BHD", "exponent": 3}));
}

#[tokio::test]
async fn a_declined_card_says_why_and_the_order_waits_for_another() {
    let app = spawn_app().await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    let work = ada.artwork(json!({})).await;
    let buyer = app.collector("cleo@example.com").await;
    add(&buyer, &work.id, 1).await;
    let placed = checkout(&buyer, "GB").await.body;
    let declined = pay(&app, &placed, "4000000000009995").await;
    assert_eq!(declined.body["decline"]["code"], "insufficient_funds", "{}", declined.body);
    deliver_events(&app).await;
    let checkout_id = placed["id"].as_str().unwrap();
    let view = buyer.get(&format!("/api/checkouts/{checkout_id}")).await.body;
    assert_eq!(view["payment"]["decline"]["message"], "Your card has insufficient funds.");
    assert_eq!(view["orders"][0]["status"], "pending_payment");
    let paid = pay(&app, &placed, "4242424242424242").await;
    assert_eq!(paid.body["status"], "requires_capture");
    let confirmed = buyer.post(&format!("/api/checkouts/{checkout_id}/confirm"), json!({})).await;
    assert_eq!(confirmed.body["orders"][0]["status"], "paid", "{}", confirmed.body);
}

#[tokio::test]
async fn a_card_that_asks_for_authentication_pays_only_once_the_buyer_completes_it() {
    let app = spawn_app().await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    let work = ada.artwork(json!({})).await;
    let buyer = app.collector("cleo@example.com").await;
    add(&buyer, &work.id, 1).await;
    let placed = checkout(&buyer, "GB").await.body;
    let asked = pay(&app, &placed, "4000002500003155").await;
    assert_eq!(asked.body["status"], "requires_action", "{}", asked.body);
    let payment = &placed["payment"];
    let authenticate =
        format!("/api/payments/sandbox/payments/{}/authenticate", payment["payment_id"].as_str().unwrap());
    let wrong = app.anonymous().post(&authenticate, json!({"client_secret": "pi_x_secret_y", "succeed": true})).await;
    assert_eq!(wrong.status, StatusCode::CONFLICT, "another payment's secret: {}", wrong.body);
    deliver_events(&app).await;
    assert_eq!(order_status(&app, placed["orders"][0]["id"].as_str().unwrap()).await, "pending_payment");
    let done =
        app.anonymous().post(&authenticate, json!({"client_secret": payment["client_secret"], "succeed": true})).await;
    assert_eq!(done.body["status"], "requires_capture", "{}", done.body);
    deliver_events(&app).await;
    assert_eq!(order_status(&app, placed["orders"][0]["id"].as_str().unwrap()).await, "paid");
}
