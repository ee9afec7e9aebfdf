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
use crate::{
    journeys::commerce::{add, checkout, deliver_events, pay, shipping_artist},
    support::User,
};

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

#[tokio::test]
async fn savers_followers_buyers_and_artists_hear_what_happens() {
    let app = crate::support::spawn_app().await;
    let base = serve(&app).await;
    let artist = shipping_artist(&app, "watched-painter", "GBP").await;
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
    assert_eq!(add(&buyer, &work.id, 1).await.status, 200);
    let checkout = checkout(&buyer, "GB").await;
    assert_eq!(checkout.status, 201, "{}", checkout.body);
    let checkout = checkout.body;
    let reserved = next_event(&mut viewer).await;
    assert_eq!(
        (reserved["kind"].as_str(), reserved["data"]["status"].as_str()),
        (Some("availability"), Some("reserved"))
    );
    app.run_jobs().await;
    assert_eq!(kinds(&saver).await[0].0, "saved_reserved");

    // Paid: sold, live and in the saver's notifications; the artist has a
    // sale to accept and the buyer hears the order is paid.
    assert_eq!(pay(&app, &checkout, "4242 4242 4242 4242").await.status, 200);
    assert!(deliver_events(&app).await >= 1);
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
