//! Where notifications and live events come from: works listed, reserved,
//! sold and reduced; orders moving; uploads processed. Everything reaches the
//! people concerned once, however often the jobs behind it run.

use atelier::realtime::{
    fanout::{self, Audience, FanOut},
    notifications::Kind,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::live::{Live, serve};
use crate::support::{TestApp, User};

async fn kinds(user: &User<'_>) -> Vec<(String, Value)> {
    let page = user.get("/api/me/notifications?limit=100").await;
    page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["kind"].as_str().unwrap().to_owned(), n["data"].clone()))
        .collect()
}

async fn next_event(live: &mut Live) -> Value {
    loop {
        let message = live.recv().await;
        if message["type"] == "event" {
            return message;
        }
    }
}

async fn buy(buyer: &User<'_>, artwork_id: &str) -> Value {
    let added = buyer.put(&format!("/api/cart/items/{artwork_id}"), json!({"quantity": 1})).await;
    assert_eq!(added.status, 200, "{}", added.body);
    let address = json!({"name": "Ada Buyer", "line1": "1 Quay Street", "city": "Bristol", "postal_code": "BS1 4DJ", "country": "GB"});
    let placed = buyer
        .with_header("idempotency-key", &Uuid::new_v4().to_string())
        .post("/api/checkout", json!({"shipping_address": address}))
        .await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    placed.body
}

async fn pay(app: &TestApp, checkout: &Value) {
    let payment = &checkout["payment"];
    let path = format!("/api/payments/sandbox/payments/{}/confirm", payment["payment_id"].as_str().unwrap());
    let paid = app
        .anonymous()
        .post(&path, json!({"client_secret": payment["client_secret"], "card_number": "4242 4242 4242 4242"}))
        .await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    let sandbox = app.ctx.sandbox_payments.as_ref().unwrap();
    for event in sandbox.pending_events(100).await.unwrap() {
        let request = axum::http::Request::post("/api/payments/webhooks/stripe")
            .header("content-type", "application/json")
            .header("stripe-signature", &event.signature)
            .body(axum::body::Body::from(event.body.clone()))
            .unwrap();
        assert_eq!(app.send(request).await.status, 200);
        sandbox.mark_delivered(&event.id).await.unwrap();
    }
}

#[tokio::test]
async fn savers_followers_buyers_and_artists_hear_what_happens() {
    let app = crate::support::spawn_app().await;
    let base = serve(&app).await;
    let artist = app.artist("watched-painter").await;
    let terms = json!({"origin_country": "GB", "currency": "GBP", "domestic_minor": 1500, "collection": true});
    assert_eq!(artist.put("/api/me/shipping", terms).await.status, 200);
    let work = artist.artwork(json!({"title": "Wanted"})).await;
    app.run_jobs().await;
    let follower = app.collector("follower@example.com").await;
    let saver = app.collector("saver@example.com").await;
    let buyer = app.collector("buyer@example.com").await;
    assert_eq!(follower.put_empty("/api/artists/watched-painter/follow").await.status, 204);
    let saved = saver.post("/api/interactions", json!({"artwork_id": work.id, "kind": "save"})).await;
    assert_eq!(saved.status, 201, "{}", saved.body);

    // A new work: the artist's followers hear of it through the queue.
    let fresh = artist.artwork(json!({"title": "Fresh off the easel"})).await;
    app.run_jobs().await;
    let heard = kinds(&follower).await;
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!((heard[0].0.as_str(), heard[0].1["artwork_id"].as_str()), ("new_work", Some(fresh.id.as_str())));

    // Someone checks out the saved work: viewers see it reserved at once,
    // and whoever saved it is told.
    let mut viewer = Live::connect(&base, None).await.unwrap();
    viewer.subscribe(&format!("artwork:{}", work.id), None).await;
    let checkout = buy(&buyer, &work.id).await;
    let reserved = next_event(&mut viewer).await;
    assert_eq!(
        (reserved["kind"].as_str(), reserved["data"]["status"].as_str()),
        (Some("availability"), Some("reserved"))
    );
    app.run_jobs().await;
    assert_eq!(kinds(&saver).await[0].0, "saved_reserved");

    // Paid: sold, live and in the saver's notifications; the artist has a
    // sale to accept and the buyer hears the order is paid.
    pay(&app, &checkout).await;
    let sold = next_event(&mut viewer).await;
    assert_eq!(sold["data"]["status"], "sold");
    assert_eq!(sold["offset"].as_i64(), reserved["offset"].as_i64().map(|o| o + 1));
    app.run_jobs().await;
    let saver_heard: Vec<String> = kinds(&saver).await.into_iter().map(|(k, _)| k).collect();
    assert_eq!(saver_heard, ["saved_sold", "saved_reserved"]);
    let sale = kinds(&artist).await;
    assert!(sale.iter().any(|(k, d)| k == "sale" && d["status"] == "paid"), "{sale:?}");
    let order = kinds(&buyer).await;
    assert!(order.iter().any(|(k, d)| k == "order_update" && d["status"] == "paid"), "{order:?}");
    assert!(kinds(&follower).await.len() == 1, "followers are not told of sales");
}

#[tokio::test]
async fn a_lower_price_is_news_to_people_who_saved_the_work() {
    let app = crate::support::spawn_app().await;
    let artist = app.artist("discounting-painter").await;
    let work = artist.artwork(json!({"price": {"amount_minor": 90000, "currency": "GBP"}})).await;
    let saver = app.collector("bargain@example.com").await;
    saver.post("/api/interactions", json!({"artwork_id": work.id, "kind": "save"})).await;
    let path = format!("/api/artworks/{}", work.id);
    let dearer = artist
        .with_header("if-match", "\"1\"")
        .patch(&path, json!({"price": {"amount_minor": 95000, "currency": "GBP"}}))
        .await;
    assert_eq!(dearer.status, 200, "{}", dearer.body);
    let cheaper = artist
        .with_header("if-match", "\"2\"")
        .patch(&path, json!({"price": {"amount_minor": 70000, "currency": "GBP"}}))
        .await;
    assert_eq!(cheaper.status, 200, "{}", cheaper.body);
    app.run_jobs().await;
    let heard = kinds(&saver).await;
    assert_eq!(heard.len(), 1, "only the reduction is news: {heard:?}");
    assert_eq!(heard[0].0, "saved_price_drop");
    assert_eq!(
        (heard[0].1["old_price"]["amount_minor"].as_i64(), heard[0].1["new_price"]["amount_minor"].as_i64()),
        (Some(95000), Some(70000))
    );
}

#[tokio::test]
async fn a_fan_out_delivered_twice_notifies_each_person_once() {
    let app = crate::support::spawn_app().await;
    let artist = app.artist("followed-painter").await;
    let mut followers = Vec::new();
    for n in 0..3 {
        let follower = app.collector(&format!("fan{n}@example.com")).await;
        follower.put_empty("/api/artists/followed-painter/follow").await;
        followers.push(follower);
    }
    let artist_id: Uuid = artist.artist_id.parse().unwrap();
    let fan_out = FanOut {
        audience: Audience::Followers { artist_id },
        kind: Kind::NewWork,
        subject: "new_work:test".to_owned(),
        data: json!({"artwork_id": Uuid::nil()}),
        except: Some(followers[2].id),
    };
    assert_eq!(fanout::run(&app.ctx, &fan_out).await.unwrap(), 2);
    assert_eq!(fanout::run(&app.ctx, &fan_out).await.unwrap(), 0, "a redelivered job notifies nobody again");
    for (n, follower) in followers.iter().enumerate() {
        let expected = usize::from(n < 2);
        assert_eq!(kinds(follower).await.len(), expected, "follower {n}");
    }
}
