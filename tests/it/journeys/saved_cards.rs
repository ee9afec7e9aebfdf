//! A collector saves a card for payments made while they are away (an offer
//! the artist accepts is charged at once), through the sandbox's card form
//! as the browser does, then sees it, replaces it and forgets it.

use atelier::platform::payments::{IdempotencyKey, NewPayment, PaymentState, PaymentsError, SavedMethod};
use axum::http::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{
    actors::User,
    app::{TestApp, TestResponse, spawn_app},
};

async fn start_setup(buyer: &User<'_>) -> Value {
    let started = buyer.post("/api/me/payment-methods/setup", json!({})).await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
    started.body
}

/// Confirms a setup with `card` on the sandbox's card form.
async fn confirm(app: &TestApp, setup: &Value, card: &str) -> TestResponse {
    let path = format!("/api/payments/sandbox/setups/{}/confirm", setup["setup_id"].as_str().unwrap());
    app.anonymous().post(&path, json!({"client_secret": setup["client_secret"], "card_number": card})).await
}

async fn save(buyer: &User<'_>, setup: &Value) -> TestResponse {
    buyer.post("/api/me/payment-methods", json!({"setup_id": setup["setup_id"]})).await
}

#[tokio::test]
async fn a_collector_saves_a_card_sees_it_and_it_pays_without_them() {
    let app = spawn_app().await;
    let buyer = app.collector("cleo@example.com").await;
    assert_eq!(buyer.get("/api/me/payment-methods").await.body, json!([]));

    let setup = start_setup(&buyer).await;
    assert_eq!(setup["provider"], "sandbox");
    assert_eq!(setup["publishable_key"], Value::Null);
    assert_eq!(save(&buyer, &setup).await.status, StatusCode::CONFLICT, "nothing is saved before the card form");
    let confirmed = confirm(&app, &setup, "4242 4242 4242 4242").await;
    assert_eq!(confirmed.body["status"], "succeeded", "{}", confirmed.body);
    let saved = save(&buyer, &setup).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    assert_eq!((saved.body["brand"].as_str(), saved.body["last4"].as_str()), (Some("visa"), Some("4242")));

    let listed = buyer.get("/api/me/payment-methods").await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body, json!([saved.body]));

    // What an accepted offer will do: charge the saved card, the buyer away.
    let (customer_id, payment_method_id): (String, String) =
        sqlx::query_as("SELECT customer_id, payment_method_id FROM saved_payment_methods WHERE id = $1::text::uuid")
            .bind(saved.body["id"].as_str().unwrap())
            .fetch_one(&app.ctx.db)
            .await
            .unwrap();
    let method = SavedMethod { customer_id, payment_method_id };
    let key = IdempotencyKey::new(Uuid::now_v7(), "offer", 0);
    let payment = app
        .ctx
        .payments
        .create_payment(&NewPayment {
            amount_minor: 42_000,
            currency: "GBP",
            transfer_group: "offer",
            description: "Accepted offer",
            off_session: Some(&method),
            idempotency_key: &key,
        })
        .await
        .unwrap();
    assert_eq!((payment.state, payment.amount_capturable), (PaymentState::RequiresCapture, 42_000));

    // A second card replaces the first, which cannot be charged any more.
    let second = start_setup(&buyer).await;
    assert_eq!(confirm(&app, &second, "5555 5555 5555 4444").await.body["status"], "succeeded");
    let replaced = save(&buyer, &second).await;
    assert_eq!(replaced.body["brand"], "mastercard", "{}", replaced.body);
    let listed = buyer.get("/api/me/payment-methods").await.body;
    assert_eq!(listed, json!([replaced.body]));
    let key = IdempotencyKey::new(Uuid::now_v7(), "offer", 0);
    let stale = app
        .ctx
        .payments
        .create_payment(&NewPayment {
            amount_minor: 1_000,
            currency: "GBP",
            transfer_group: "offer",
            description: "Accepted offer",
            off_session: Some(&method),
            idempotency_key: &key,
        })
        .await;
    assert!(matches!(stale, Err(PaymentsError::Refused(_))), "{stale:?}");

    let id = replaced.body["id"].as_str().unwrap();
    let other = app.collector("dora@example.com").await;
    assert_eq!(other.delete(&format!("/api/me/payment-methods/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(save(&other, &second).await.status, StatusCode::NOT_FOUND, "another buyer's setup is not theirs");
    assert_eq!(buyer.delete(&format!("/api/me/payment-methods/{id}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(buyer.get("/api/me/payment-methods").await.body, json!([]));
    assert_eq!(buyer.delete(&format!("/api/me/payment-methods/{id}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_card_is_saved_only_once_its_bank_has_authenticated_it() {
    let app = spawn_app().await;
    let buyer = app.collector("cleo@example.com").await;
    let setup = start_setup(&buyer).await;
    let declined = confirm(&app, &setup, "4000000000009995").await;
    assert_eq!(declined.body["status"], "requires_payment_method");
    assert_eq!(declined.body["decline"]["code"], "insufficient_funds");
    let asked = confirm(&app, &setup, "4000002500003155").await;
    assert_eq!(asked.body["status"], "requires_action", "{}", asked.body);
    assert_eq!(save(&buyer, &setup).await.status, StatusCode::CONFLICT);
    let path = format!("/api/payments/sandbox/setups/{}/authenticate", setup["setup_id"].as_str().unwrap());
    let authenticated =
        app.anonymous().post(&path, json!({"client_secret": setup["client_secret"], "succeed": true})).await;
    assert_eq!(authenticated.body["status"], "succeeded", "{}", authenticated.body);
    assert_eq!(save(&buyer, &setup).await.body["last4"], "3155");
}
