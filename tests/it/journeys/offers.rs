//! Offers: an artist opens a work to offers with a private floor, a
//! collector with a saved card offers below the price, the two counter until
//! one accepts, and the agreed price becomes a paid, accepted order through
//! the same process as a purchase. Only the latest offer can be answered and
//! only by the party it awaits; offers expire; offers below the floor never
//! reach the artist; a work that sells ends every other negotiation over it.

use atelier::commerce::timers;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::commerce::{add, checkout, deliver_events, pay, shipping_artist};
use crate::support::{
    actors::{Artist, User},
    app::{TestApp, TestResponse, assert_problem, spawn_app},
};

fn address() -> Value {
    json!({"name": "Cleo Collector", "line1": "2 Park Row", "city": "Leeds", "postal_code": "LS1 5HD", "country": "GB"})
}

/// Saves `card` as the collector's card, through the sandbox's card form.
async fn save_card(app: &TestApp, buyer: &User<'_>, card: &str) {
    let setup = buyer.post("/api/me/payment-methods/setup", json!({})).await.body;
    let path = format!("/api/payments/sandbox/setups/{}/confirm", setup["setup_id"].as_str().unwrap());
    let confirmed =
        app.anonymous().post(&path, json!({"client_secret": setup["client_secret"], "card_number": card})).await;
    assert_eq!(confirmed.body["status"], "succeeded", "{}", confirmed.body);
    let saved = buyer.post("/api/me/payment-methods", json!({"setup_id": setup["setup_id"]})).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
}

/// A collector with a good card saved.
pub async fn collector_with_card<'a>(app: &'a TestApp, email: &str) -> User<'a> {
    let buyer = app.collector(email).await;
    save_card(app, &buyer, "4242424242424242").await;
    buyer
}

/// A unique work at £1,200 its artist opened to offers, with `floor`.
async fn work_open_to_offers(artist: &Artist<'_>, floor: Option<i64>) -> String {
    let work = artist.artwork(json!({})).await;
    let terms = artist.put(&format!("/api/artworks/{}/offer-terms", work.id), json!({"floor_minor": floor})).await;
    assert_eq!(terms.status, StatusCode::OK, "{}", terms.body);
    work.id
}

pub async fn offer(buyer: &User<'_>, work: &str, amount_minor: i64, note: Option<&str>) -> TestResponse {
    buyer
        .post(
            &format!("/api/artworks/{work}/offers"),
            json!({"amount_minor": amount_minor, "note": note, "shipping_address": address()}),
        )
        .await
}

async fn answer(who: &User<'_>, negotiation: &Value, action: &str, body: Value) -> TestResponse {
    who.post(&format!("/api/offers/{}/{action}", negotiation["id"].as_str().unwrap()), body).await
}

fn pending_id(negotiation: &Value) -> Value {
    negotiation["latest"]["id"].clone()
}

async fn artwork_status(app: &TestApp, id: &str) -> String {
    sqlx::query_scalar("SELECT status::text FROM artworks WHERE id = $1::uuid")
        .bind(id)
        .fetch_one(&app.ctx.db)
        .await
        .unwrap()
}

async fn offer_notifications(app: &TestApp, user: Uuid) -> Vec<Value> {
    sqlx::query_scalar("SELECT data FROM notifications WHERE user_id = $1 AND kind = 'offer' ORDER BY created_at, id")
        .bind(user)
        .fetch_all(&app.ctx.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_collector_offers_the_artist_counters_and_acceptance_makes_a_paid_accepted_order() {
    let app = spawn_app().await;
    let artist = shipping_artist(&app, "mira", "GBP").await;
    let work = work_open_to_offers(&artist, Some(80_000)).await;

    // Anyone sees that the work takes offers; only its artist sees the floor.
    let terms = app.anonymous().get(&format!("/api/artworks/{work}/offer-terms")).await.body;
    assert_eq!((terms["accepts_offers"].clone(), terms["floor_minor"].clone()), (json!(true), Value::Null));
    let own = artist.get(&format!("/api/artworks/{work}/offer-terms")).await.body;
    assert_eq!(own["floor_minor"], 80_000);

    let buyer = app.collector("cleo@example.com").await;
    let without_card = offer(&buyer, &work, 90_000, None).await;
    assert_problem(&without_card, StatusCode::CONFLICT);
    save_card(&app, &buyer, "4242424242424242").await;

    let made = offer(&buyer, &work, 90_000, Some("Would you take £900?")).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let negotiation = made.body;
    assert_eq!(negotiation["status"], "open");
    assert_eq!(negotiation["awaiting"], "artist");
    assert_eq!(negotiation["actions"], json!(["revise", "withdraw"]));
    assert_eq!(negotiation["latest"]["amount"]["amount_minor"], 90_000);
    assert_eq!(
        offer(&buyer, &work, 95_000, None).await.status,
        StatusCode::CONFLICT,
        "one open negotiation per collector and work"
    );

    // The artist sees it among their open offers, with its deadline.
    let listed = artist.get("/api/offers?role=artist&open=true").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let item = &listed.body["items"][0];
    assert_eq!(item["id"], negotiation["id"]);
    assert_eq!(item["actions"], json!(["accept", "counter", "decline"]));
    assert!(item["expires_at"].is_string());

    let not_theirs = answer(&buyer, &negotiation, "accept", json!({"offer_id": pending_id(&negotiation)})).await;
    assert_problem(&not_theirs, StatusCode::FORBIDDEN);

    let countered = answer(
        &artist,
        &negotiation,
        "counter",
        json!({"offer_id": pending_id(&negotiation), "amount_minor": 105_000, "note": "£1,050 and it is yours."}),
    )
    .await;
    assert_eq!(countered.status, StatusCode::OK, "{}", countered.body);
    let countered = countered.body;
    assert_eq!(countered["awaiting"], "buyer");
    assert_eq!(countered["offers"][0]["status"], "countered");
    assert_problem(
        &answer(&artist, &countered, "accept", json!({"offer_id": pending_id(&countered)})).await,
        StatusCode::FORBIDDEN,
    );
    // The first offer is over: accepting it now is refused.
    let stale = answer(&buyer, &countered, "accept", json!({"offer_id": negotiation["latest"]["id"]})).await;
    assert_problem(&stale, StatusCode::CONFLICT);

    let key = Uuid::new_v4().to_string();
    let accept_body = json!({"offer_id": pending_id(&countered)});
    let path = format!("/api/offers/{}/accept", countered["id"].as_str().unwrap());
    let accepted = buyer.with_header("idempotency-key", &key).post(&path, accept_body.clone()).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(accepted.body["status"], "accepted");
    let order_id = accepted.body["order_id"].as_str().expect("an accepted offer is an order").to_owned();
    let again = buyer.with_header("idempotency-key", &key).post(&path, accept_body.clone()).await;
    assert_eq!((again.status, &again.body), (StatusCode::OK, &accepted.body), "a retried acceptance answers the same");
    assert_problem(&buyer.post(&path, accept_body).await, StatusCode::CONFLICT);

    // The order is the agreed price plus shipping, paid, accepted and captured.
    let order = buyer.get(&format!("/api/me/orders/{order_id}")).await;
    assert_eq!(order.status, StatusCode::OK, "{}", order.body);
    assert_eq!(order.body["status"], "accepted");
    assert_eq!(order.body["total"]["amount_minor"], 105_000 + 1_500);
    assert_eq!(order.body["lines"][0]["unit_price"]["amount_minor"], 105_000);
    let sale = artist.get(&format!("/api/me/sales/{order_id}")).await;
    assert_eq!(sale.body["status"], "accepted", "{}", sale.body);
    let captured: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(amount_minor), 0)::bigint FROM ledger_entries WHERE kind = 'capture' AND order_id = $1::uuid",
    )
    .bind(&order_id)
    .fetch_one(&app.ctx.db)
    .await
    .unwrap();
    assert_eq!(captured, 106_500);
    assert_eq!(artwork_status(&app, &work).await, "sold");

    // The whole negotiation is told in the work's conversation.
    let conversations = buyer.get("/api/conversations").await.body;
    let conversation = &conversations["items"][0];
    assert_eq!(conversation["artwork_id"].as_str(), Some(work.as_str()));
    let messages =
        buyer.get(&format!("/api/conversations/{}/messages", conversation["id"].as_str().unwrap())).await.body;
    let bodies: Vec<&str> =
        messages["items"].as_array().unwrap().iter().rev().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies.len(), 3, "{bodies:?}");
    assert!(bodies[0].starts_with("Offered GBP 900.00.") && bodies[0].contains("Would you take £900?"));
    assert!(bodies[1].starts_with("Countered with GBP 1050.00."));
    assert!(bodies[2].starts_with("Accepted the offer of GBP 1050.00."));
    assert!(messages["items"].as_array().unwrap().iter().all(|m| m["offer_id"].is_string()));

    // Each was told of the other's steps as they happened.
    let to_artist: Vec<Value> =
        offer_notifications(&app, artist.id).await.iter().map(|d| d["status"].clone()).collect();
    assert_eq!(to_artist, [json!("pending"), json!("accepted")]);
    let to_buyer: Vec<Value> = offer_notifications(&app, buyer.id).await.iter().map(|d| d["status"].clone()).collect();
    assert_eq!(to_buyer, [json!("pending")], "the counter-offer");
}

#[tokio::test]
async fn an_offer_below_the_floor_is_declined_politely_without_reaching_the_artist() {
    let app = spawn_app().await;
    let artist = shipping_artist(&app, "mira", "GBP").await;
    let work = work_open_to_offers(&artist, Some(80_000)).await;
    let buyer = collector_with_card(&app, "cleo@example.com").await;

    let low = offer(&buyer, &work, 50_000, Some("£500?")).await;
    assert_eq!(low.status, StatusCode::CREATED, "{}", low.body);
    assert_eq!(low.body["status"], "declined");
    assert_eq!(low.body["latest"]["status"], "declined");
    assert!(low.body["latest"]["reason"].as_str().unwrap().contains("below what the artist can accept"));
    assert_eq!(low.body["actions"], json!([]));

    assert_eq!(artist.get("/api/offers?role=artist").await.body["items"], json!([]));
    assert_eq!(
        artist.get(&format!("/api/offers/{}", low.body["id"].as_str().unwrap())).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(offer_notifications(&app, artist.id).await.is_empty());
    assert_eq!(artist.get("/api/conversations").await.body["items"], json!([]));

    // The collector can try again, at or above the floor.
    let fair = offer(&buyer, &work, 80_000, None).await;
    assert_eq!(fair.body["status"], "open", "{}", fair.body);
    assert_eq!(artist.get("/api/offers?role=artist").await.body["items"].as_array().unwrap().len(), 1);

    // Below the floor again after a counter-offer: declined the same way.
    let countered =
        answer(&artist, &fair.body, "counter", json!({"offer_id": pending_id(&fair.body), "amount_minor": 110_000}))
            .await
            .body;
    let lower =
        answer(&buyer, &countered, "counter", json!({"offer_id": pending_id(&countered), "amount_minor": 60_000}))
            .await;
    assert_eq!(lower.status, StatusCode::OK, "{}", lower.body);
    assert_eq!(lower.body["status"], "declined");
    assert_eq!(lower.body["offers"][1]["status"], "countered");
}

#[tokio::test]
async fn only_the_latest_offer_can_be_answered_and_only_by_the_party_it_awaits() {
    let app = spawn_app().await;
    let artist = shipping_artist(&app, "mira", "GBP").await;
    let work = work_open_to_offers(&artist, None).await;
    let buyer = collector_with_card(&app, "cleo@example.com").await;
    let stranger = collector_with_card(&app, "sam@example.com").await;
    let made = offer(&buyer, &work, 70_000, None).await.body;
    let first = pending_id(&made);

    // Nobody else sees or answers it.
    let path = format!("/api/offers/{}", made["id"].as_str().unwrap());
    assert_eq!(stranger.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_problem(&answer(&stranger, &made, "accept", json!({"offer_id": first})).await, StatusCode::NOT_FOUND);
    // Its author cannot answer it; the artist cannot withdraw it.
    assert_problem(&answer(&buyer, &made, "decline", json!({"offer_id": first})).await, StatusCode::FORBIDDEN);
    assert_problem(&answer(&artist, &made, "withdraw", json!({"offer_id": first})).await, StatusCode::FORBIDDEN);

    // The collector revises their offer before any answer: the first is superseded.
    let revised =
        answer(&buyer, &made, "counter", json!({"offer_id": first, "amount_minor": 75_000, "note": "Or £750."})).await;
    assert_eq!(revised.status, StatusCode::OK, "{}", revised.body);
    assert_eq!(revised.body["offers"][0]["status"], "superseded");
    assert_eq!(revised.body["awaiting"], "artist");
    let superseded = answer(&artist, &made, "accept", json!({"offer_id": first})).await;
    assert!(assert_problem(&superseded, StatusCode::CONFLICT).detail.contains("superseded"));

    let declined = answer(
        &artist,
        &revised.body,
        "decline",
        json!({"offer_id": pending_id(&revised.body), "reason": "It is promised to a show."}),
    )
    .await;
    assert_eq!(declined.status, StatusCode::OK, "{}", declined.body);
    assert_eq!(declined.body["status"], "declined");
    assert_eq!(declined.body["latest"]["reason"], "It is promised to a show.");
    let after = answer(
        &buyer,
        &declined.body,
        "counter",
        json!({"offer_id": pending_id(&declined.body), "amount_minor": 80_000}),
    )
    .await;
    assert_problem(&after, StatusCode::CONFLICT);
    assert_eq!(artwork_status(&app, &work).await, "published", "nothing was held");

    // Bad offers are refused with what is wrong, and change nothing.
    for (amount, note) in [(0, None), (120_001, None), (50_000, Some("x".repeat(1001)))] {
        let refused = offer(&stranger, &work, amount, note.as_deref()).await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let own = artist
        .post(&format!("/api/artworks/{work}/offers"), json!({"amount_minor": 1000, "shipping_address": address()}))
        .await;
    assert_problem(&own, StatusCode::FORBIDDEN);
    let closed = artist.artwork(json!({"title": "Not for haggling"})).await;
    assert_problem(&offer(&stranger, &closed.id, 50_000, None).await, StatusCode::CONFLICT);
    assert_eq!(stranger.get("/api/offers").await.body["items"], json!([]));
}

#[tokio::test]
async fn an_unanswered_offer_expires_once_and_can_no_longer_be_accepted() {
    let app = spawn_app().await;
    let artist = shipping_artist(&app, "mira", "GBP").await;
    let work = work_open_to_offers(&artist, None).await;
    let buyer = collector_with_card(&app, "cleo@example.com").await;
    let made = offer(&buyer, &work, 90_000, None).await.body;

    let soon = Utc::now() + Duration::hours(71);
    assert_eq!(timers::run(&app.ctx, soon).await.unwrap().offers_expired, 0, "72 hours by default");
    let later = Utc::now() + Duration::hours(73);
    assert_eq!(timers::run(&app.ctx, later).await.unwrap().offers_expired, 1);
    assert_eq!(timers::run(&app.ctx, later).await.unwrap().offers_expired, 0, "a second run changes nothing");

    let view = buyer.get(&format!("/api/offers/{}", made["id"].as_str().unwrap())).await.body;
    assert_eq!((view["status"].clone(), view["latest"]["status"].clone()), (json!("expired"), json!("expired")));
    let late = answer(&artist, &made, "accept", json!({"offer_id": pending_id(&made)})).await;
    assert_problem(&late, StatusCode::CONFLICT);
    for user in [buyer.id, artist.id] {
        let told = offer_notifications(&app, user).await;
        assert_eq!(told.last().unwrap()["status"], "expired", "both are told");
    }
}

#[tokio::test]
async fn two_acceptances_racing_for_a_unique_work_make_one_order_and_end_the_other_offers() {
    let app = spawn_app().await;
    let artist = shipping_artist(&app, "mira", "GBP").await;
    let work = work_open_to_offers(&artist, None).await;
    let mut negotiations = Vec::new();
    let buyers = [
        collector_with_card(&app, "ann@example.com").await,
        collector_with_card(&app, "ben@example.com").await,
        collector_with_card(&app, "cat@example.com").await,
    ];
    for (buyer, amount) in buyers.iter().zip([90_000, 95_000, 99_000]) {
        negotiations.push(offer(buyer, &work, amount, None).await.body);
    }

    let (a, b) = tokio::join!(
        answer(&artist, &negotiations[0], "accept", json!({"offer_id": pending_id(&negotiations[0])})),
        answer(&artist, &negotiations[1], "accept", json!({"offer_id": pending_id(&negotiations[1])})),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "{} / {}", a.body, b.body);
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM order_lines WHERE artwork_id = $1::uuid")
        .bind(&work)
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(orders, 1);
    assert_eq!(artwork_status(&app, &work).await, "sold");

    // Every other negotiation over the work ended, and says why.
    let statuses: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT n.status, o.reason FROM negotiations n JOIN offers o ON o.negotiation_id = n.id
         WHERE n.artwork_id = $1::uuid ORDER BY n.id",
    )
    .bind(&work)
    .fetch_all(&app.ctx.db)
    .await
    .unwrap();
    assert_eq!(statuses.iter().filter(|(s, _)| s == "accepted").count(), 1, "{statuses:?}");
    for (status, reason) in statuses.iter().filter(|(s, _)| s != "accepted") {
        assert_eq!(status, "declined");
        assert_eq!(reason.as_deref(), Some("The work is no longer available."));
    }
    let third = &negotiations[2];
    let too_late = answer(&artist, third, "accept", json!({"offer_id": pending_id(third)})).await;
    assert_problem(&too_late, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_refused_card_leaves_the_offer_standing_until_the_collector_updates_it() {
    let app = spawn_app().await;
    let artist = shipping_artist(&app, "mira", "GBP").await;
    let work = work_open_to_offers(&artist, None).await;
    let buyer = app.collector("cleo@example.com").await;
    save_card(&app, &buyer, "4000000000000341").await;
    let made = offer(&buyer, &work, 90_000, None).await.body;

    let refused = answer(&artist, &made, "accept", json!({"offer_id": pending_id(&made)})).await;
    assert!(assert_problem(&refused, StatusCode::CONFLICT).detail.contains("could not be charged"));
    let view = artist.get(&format!("/api/offers/{}", made["id"].as_str().unwrap())).await.body;
    assert_eq!((view["status"].clone(), view["latest"]["status"].clone()), (json!("open"), json!("pending")));
    assert_eq!(artwork_status(&app, &work).await, "published", "the hold was let go");
    let told = offer_notifications(&app, buyer.id).await;
    assert_eq!(told.last().unwrap()["status"], "card_refused");

    save_card(&app, &buyer, "5555555555554444").await;
    let accepted = answer(&artist, &made, "accept", json!({"offer_id": pending_id(&made)})).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(accepted.body["status"], "accepted");
    assert_eq!(artwork_status(&app, &work).await, "sold");
}

#[tokio::test]
async fn a_work_bought_outright_ends_the_offers_open_on_it() {
    let app = spawn_app().await;
    let artist = shipping_artist(&app, "mira", "GBP").await;
    let work = work_open_to_offers(&artist, None).await;
    let haggler = collector_with_card(&app, "cleo@example.com").await;
    let made = offer(&haggler, &work, 90_000, None).await.body;

    let buyer = app.collector("ben@example.com").await;
    assert_eq!(add(&buyer, &work, 1).await.status, StatusCode::OK);
    let checkout = checkout(&buyer, "GB").await.body;
    assert_eq!(pay(&app, &checkout, "4242424242424242").await.status, StatusCode::OK);
    deliver_events(&app).await;

    let view = haggler.get(&format!("/api/offers/{}", made["id"].as_str().unwrap())).await.body;
    assert_eq!(view["status"], "declined", "{view}");
    assert_eq!(view["latest"]["reason"], "The work is no longer available.");
    assert_eq!(offer_notifications(&app, haggler.id).await.last().unwrap()["status"], "declined");
}
