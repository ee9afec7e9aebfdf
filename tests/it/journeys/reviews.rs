//! Reviewing after a purchase: once an order completes, its buyer and its
//! artist each review the other once, within a window; neither reads the
//! other's review until both have written or the window has closed; anyone
//! may report a published review and moderators hide it with a reason.
//! Orders are bought, shipped and completed through the API and the order
//! timers; what happens later is asked of the same functions the routes
//! call, with a later clock.

use atelier::{
    commerce::timers,
    reviews::{domain::Draft, exchange, store::Subject},
};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::commerce::{add, checkout, deliver_events, pay, shipping_artist};
use crate::support::{
    actors::{Artist, User},
    app::{TestApp, spawn_app, spawn_app_with},
};

/// A work of `artist`'s, bought by `buyer` and paid; answers the order's id.
async fn paid_order(app: &TestApp, artist: &Artist<'_>, buyer: &User<'_>, title: &str) -> String {
    let work = artist.artwork(json!({"title": title})).await;
    assert_eq!(add(buyer, &work.id, 1).await.status, StatusCode::OK);
    let placed = checkout(buyer, "GB").await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    assert_eq!(pay(app, &placed.body, "4242 4242 4242 4242").await.status, StatusCode::OK);
    deliver_events(app).await;
    placed.body["orders"][0]["id"].as_str().unwrap().to_owned()
}

/// The order accepted, shipped and received, then completed by the timers
/// once the payout hold has passed.
async fn complete(app: &TestApp, artist: &Artist<'_>, buyer: &User<'_>, order: &str) {
    let accepted = artist.post(&format!("/api/me/sales/{order}/accept"), json!({})).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let shipped = artist
        .post(&format!("/api/me/sales/{order}/ship"), json!({"carrier": "Royal Mail", "tracking_number": "RM1"}))
        .await;
    assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.body);
    let received = buyer.post(&format!("/api/me/orders/{order}/received"), json!({})).await;
    assert_eq!(received.status, StatusCode::OK, "{}", received.body);
    let report = timers::run(&app.ctx, Utc::now() + Duration::hours(49)).await.unwrap();
    assert!(report.completed >= 1, "{report:?}");
}

async fn completed_order(app: &TestApp, artist: &Artist<'_>, buyer: &User<'_>, title: &str) -> String {
    let order = paid_order(app, artist, buyer, title).await;
    complete(app, artist, buyer, &order).await;
    order
}

async fn review(who: &User<'_>, order: &str, rating: i64, body: &str) -> Value {
    let response = who.post(&format!("/api/orders/{order}/reviews"), json!({"rating": rating, "body": body})).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.body
}

async fn reviews_of(who: &User<'_>, order: &str) -> Value {
    let response = who.get(&format!("/api/orders/{order}/reviews")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.body
}

async fn artist_page(app: &TestApp, slug: &str) -> Value {
    let response = app.anonymous().get(&format!("/api/artists/{slug}/reviews")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.body
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap_or_else(|| panic!("not a time: {value}")).parse().unwrap()
}

fn id(order: &str) -> Uuid {
    order.parse().unwrap()
}

/// The review notifications `who` has received, oldest first, as (event, role).
async fn review_notices(who: &User<'_>) -> Vec<(String, String)> {
    let page = who.get("/api/me/notifications").await.body;
    let mut notices: Vec<(String, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "review")
        .map(|n| (n["data"]["event"].as_str().unwrap().to_owned(), n["data"]["role"].as_str().unwrap().to_owned()))
        .collect();
    notices.reverse();
    notices
}

#[tokio::test]
async fn a_buyers_review_stays_sealed_until_the_artist_writes_theirs_then_both_are_published() {
    let app = spawn_app().await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    ada.patch("/api/artists/ada", json!({"name": "Ada Quay"})).await;
    let cleo = app.collector("cleo@example.com").await;
    cleo.patch("/api/me", json!({"display_name": "Cleo"})).await;
    let order = completed_order(&app, &ada, &cleo, "Harbour at Dusk").await;
    // A second run of the timers, or the invitation delivered again, tells nobody twice.
    timers::run(&app.ctx, Utc::now() + Duration::hours(50)).await.unwrap();
    let mut conn = app.ctx.db.acquire().await.unwrap();
    atelier::reviews::invite(&mut conn, id(&order), app.ctx.config.commerce.review_window).await.unwrap();
    drop(conn);
    assert_eq!(review_notices(&cleo).await, [("open".to_owned(), "buyer".to_owned())], "told once they can review");
    assert_eq!(review_notices(&ada).await, [("open".to_owned(), "artist".to_owned())]);

    let before = reviews_of(&cleo, &order).await;
    assert_eq!(before["you_are"], "buyer");
    assert_eq!(before["window"]["state"], "open");
    assert_eq!(before["can_write"], true);
    assert_eq!(before["their_review"], "not_written");
    assert_eq!(before["other_party"]["artist_slug"], "ada");
    assert_eq!(before["works"], json!(["Harbour at Dusk"]));
    let window = time(&before["window"]["closes_at"]) - time(&before["window"]["opens_at"]);
    assert_eq!(window, Duration::days(14), "fourteen days by default");

    let written = review(&cleo, &order, 5, "  Even lovelier in person.\r\nCarefully packed.  ").await;
    let mine = &written["mine"];
    assert_eq!(mine["body"], "Even lovelier in person.\nCarefully packed.", "stored as normalised plain text");
    assert_eq!(mine["rating"], 5);
    assert_eq!(mine["published_at"], Value::Null, "sealed until Ada writes or the window closes");
    assert_eq!(written["can_write"], false);
    let cleos_review = mine["id"].as_str().unwrap().to_owned();

    // Ada knows a review is waiting for her, but cannot read it; nor can anyone else.
    let sealed = reviews_of(&ada, &order).await;
    assert_eq!(sealed["you_are"], "artist");
    assert_eq!(sealed["their_review"], "sealed");
    assert_eq!(sealed["theirs"], Value::Null);
    assert_eq!(sealed["can_write"], true);
    assert_eq!(sealed["other_party"]["name"], "Cleo");
    assert_eq!(ada.get(&format!("/api/reviews/{cleos_review}")).await.status, StatusCode::NOT_FOUND);
    let public = artist_page(&app, "ada").await;
    assert_eq!(public["items"], json!([]));
    assert_eq!(public["summary"]["count"], 0);
    assert_eq!(public["summary"]["average"], Value::Null);
    assert_eq!(review_notices(&ada).await.last().unwrap(), &("written".to_owned(), "artist".to_owned()));

    let answered = review(&ada, &order, 4, "Quick to pay and a pleasure to deal with.").await;
    assert_eq!(answered["their_review"], "published", "writing hers lifts the blind");
    assert_eq!(answered["theirs"]["body"], "Even lovelier in person.\nCarefully packed.");
    let both = reviews_of(&cleo, &order).await;
    assert_eq!(both["theirs"]["rating"], 4);
    assert_eq!(both["theirs"]["reviewer"]["name"], "Ada Quay");
    assert!(both["mine"]["published_at"].is_string(), "{both}");
    assert_eq!(both["mine"]["published_at"], both["theirs"]["published_at"], "published together");
    assert_eq!(review_notices(&cleo).await.last().unwrap(), &("published".to_owned(), "buyer".to_owned()));

    let public = artist_page(&app, "ada").await;
    let items = public["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "only the buyer's review is about the artist: {public}");
    assert_eq!(items[0]["id"], cleos_review.as_str());
    assert_eq!(items[0]["verified_purchase"], true);
    assert_eq!(items[0]["reviewer"]["name"], "Cleo");
    assert_eq!(items[0]["reviewer"]["collector_id"], Value::Null, "no account ids in public");
    assert_eq!(items[0]["works"], json!(["Harbour at Dusk"]));
    assert_eq!(public["summary"], json!({"count": 1, "average": 5.0, "stars": [0, 0, 0, 0, 1]}));
    assert_eq!(app.anonymous().get(&format!("/api/artists/{}/reviews", ada.artist_id)).await.body, public);

    // What Ada said of Cleo is on Cleo's reviews, for people signed in.
    let about_cleo = ada.get(&format!("/api/users/{}/reviews", cleo.id)).await.body;
    assert_eq!(about_cleo["items"][0]["reviewer"]["artist_slug"], "ada", "{about_cleo}");
    assert_eq!(about_cleo["summary"]["average"], 4.0);
    let anonymous = app.anonymous().get(&format!("/api/users/{}/reviews", cleo.id)).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    // One review per side: no second one, and no editing.
    let again =
        cleo.post(&format!("/api/orders/{order}/reviews"), json!({"rating": 1, "body": "Changed my mind"})).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body["detail"].as_str().unwrap().contains("already"));
    assert_eq!(reviews_of(&cleo, &order).await["mine"]["rating"], 5);
}

#[tokio::test]
async fn a_lone_review_is_published_when_the_window_closes_and_later_reviews_are_refused() {
    let app = spawn_app_with(&[("REVIEW_WINDOW_DAYS", "3")]).await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    let cleo = app.collector("cleo@example.com").await;
    let order = completed_order(&app, &ada, &cleo, "Harbour at Dusk").await;
    let written = review(&cleo, &order, 2, "Arrived a week late.").await;
    let opens = time(&written["window"]["opens_at"]);
    let closes = time(&written["window"]["closes_at"]);
    assert_eq!(closes - opens, Duration::days(3), "REVIEW_WINDOW_DAYS sets the window");
    let just_before = closes - Duration::seconds(1);
    let ada_id = Uuid::parse_str(&ada.artist_id).unwrap();

    let sealed = exchange::of_order(&app.ctx, ada.id, id(&order), just_before).await.unwrap();
    assert_eq!(serde_json::to_value(&sealed).unwrap()["their_review"], "sealed");
    let listed = exchange::page(&app.ctx, Subject::Artist(ada_id), None, just_before).await.unwrap();
    assert!(listed.items.is_empty());

    // Ada never wrote: when the window closes, Cleo's review is published anyway.
    let closed = serde_json::to_value(exchange::of_order(&app.ctx, ada.id, id(&order), closes).await.unwrap()).unwrap();
    assert_eq!(closed["window"]["state"], "closed");
    assert_eq!(closed["their_review"], "published");
    assert_eq!(closed["theirs"]["rating"], 2);
    assert_eq!(closed["can_write"], false);
    let listed = exchange::page(&app.ctx, Subject::Artist(ada_id), None, closes).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!((listed.summary.count, listed.summary.average), (1, Some(2.0)));
    let cleo_sees = serde_json::to_value(exchange::of_order(&app.ctx, cleo.id, id(&order), closes).await.unwrap());
    assert_eq!(cleo_sees.unwrap()["their_review"], "not_written");

    // And Ada can no longer answer.
    let draft = Draft::parse(5, "A late reply").unwrap();
    let late = exchange::write(&app.ctx, ada.id, id(&order), &draft, closes).await.unwrap_err();
    assert_eq!(late.status(), StatusCode::CONFLICT);
    assert!(late.to_string().contains("ended"), "{late}");
    let late = exchange::write(&app.ctx, ada.id, id(&order), &draft, closes + Duration::days(30)).await.unwrap_err();
    assert_eq!(late.status(), StatusCode::CONFLICT);

    // A second order: the artist writes on the last day, which publishes both at once.
    let bo = app.collector("bo@example.com").await;
    let second = completed_order(&app, &ada, &bo, "Gulls").await;
    review(&bo, &second, 5, "Wonderful.").await;
    let on_time = exchange::write(&app.ctx, ada.id, id(&second), &draft, just_before).await.unwrap();
    let on_time = serde_json::to_value(on_time).unwrap();
    assert_eq!(on_time["their_review"], "published");
    assert_eq!(time(&on_time["mine"]["published_at"]), just_before);
    let listed = exchange::page(&app.ctx, Subject::Artist(ada_id), None, just_before).await.unwrap();
    assert_eq!(listed.items.len(), 1, "Bo's review, published by Ada's answer; Cleo's is still sealed then");
    assert_eq!(listed.items[0].rating, 5);
}

#[tokio::test]
async fn only_the_orders_parties_review_it_and_only_once_it_has_completed() {
    let app = spawn_app().await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    let cleo = app.collector("cleo@example.com").await;
    let order = paid_order(&app, &ada, &cleo, "Harbour at Dusk").await;

    let early = cleo.post(&format!("/api/orders/{order}/reviews"), json!({"rating": 5, "body": "Can't wait"})).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert!(early.body["detail"].as_str().unwrap().contains("once it completes"), "{}", early.body);
    let waiting = reviews_of(&cleo, &order).await;
    assert_eq!(waiting["window"], json!({"state": "not_open", "opens_at": null, "closes_at": null}));
    assert_eq!(waiting["can_write"], false);
    assert_eq!(cleo.get("/api/me/reviews/pending").await.body, json!([]));

    complete(&app, &ada, &cleo, &order).await;
    let pending = cleo.get("/api/me/reviews/pending").await.body;
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
    assert_eq!(pending[0]["order_id"], order.as_str());
    assert_eq!(ada.get("/api/me/reviews/pending").await.body[0]["you_are"], "artist");

    // Nobody else reviews it, or sees its reviews: not another collector, not another artist, not a moderator.
    let dora = app.collector("dora@example.com").await;
    let bodil = shipping_artist(&app, "bodil", "GBP").await;
    let moderator = app.moderator("mod@example.com").await;
    for stranger in [&dora, &*bodil, &moderator] {
        let wrote = stranger.post(&format!("/api/orders/{order}/reviews"), json!({"rating": 1, "body": "Hm"})).await;
        assert_eq!(wrote.status, StatusCode::NOT_FOUND, "{}", wrote.body);
        assert_eq!(stranger.get(&format!("/api/orders/{order}/reviews")).await.status, StatusCode::NOT_FOUND);
    }
    let anonymous =
        app.anonymous().post(&format!("/api/orders/{order}/reviews"), json!({"rating": 5, "body": "x"})).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    // What a review may hold.
    for (rating, body, field) in [
        (json!(0), json!("Fine"), "rating"),
        (json!(6), json!("Fine"), "rating"),
        (json!(-1), json!("Fine"), "rating"),
        (json!(5), json!("x".repeat(2001)), "body"),
        (json!(5), json!(" \n\t "), "body"),
        (json!(5), json!("Bell\u{7}"), "body"),
    ] {
        let refused = cleo.post(&format!("/api/orders/{order}/reviews"), json!({"rating": rating, "body": body})).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{rating} {}", refused.body);
        assert_eq!(refused.body["errors"][0]["field"], field, "{}", refused.body);
    }
    for refused in
        [json!({"rating": 4.5, "body": "Fine"}), json!({"rating": 5}), json!({"rating": 5, "body": "Ok", "order": 1})]
    {
        let response = cleo.post(&format!("/api/orders/{order}/reviews"), refused.clone()).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}: {}", response.body);
    }
    assert_eq!(reviews_of(&cleo, &order).await["mine"], Value::Null, "nothing was written");
    let longest = review(&cleo, &order, 5, &"é".repeat(2000)).await;
    assert_eq!(longest["mine"]["body"].as_str().unwrap().chars().count(), 2000);
    assert_eq!(cleo.get("/api/me/reviews/pending").await.body, json!([]), "reviewed: no longer pending");
    assert_eq!(ada.get("/api/me/reviews/pending").await.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn both_sides_writing_at_once_publish_both_and_a_side_writing_twice_at_once_writes_once() {
    let app = spawn_app().await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    let cleo = app.collector("cleo@example.com").await;
    let order = completed_order(&app, &ada, &cleo, "Harbour at Dusk").await;
    let path = format!("/api/orders/{order}/reviews");
    let (first, second, third) = tokio::join!(
        cleo.post(&path, json!({"rating": 5, "body": "Lovely"})),
        cleo.post(&path, json!({"rating": 5, "body": "Lovely"})),
        ada.post(&path, json!({"rating": 5, "body": "Thank you"})),
    );
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
    assert_eq!(third.status, StatusCode::CREATED, "{}", third.body);
    assert_eq!(reviews_of(&cleo, &order).await["their_review"], "published");
    assert_eq!(reviews_of(&ada, &order).await["their_review"], "published");
    assert_eq!(artist_page(&app, "ada").await["summary"]["count"], 1);
}

#[tokio::test]
async fn moderators_hide_reported_reviews_with_a_reason_and_they_leave_the_lists_and_the_summary() {
    let app = spawn_app().await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    let cleo = app.collector("cleo@example.com").await;
    let bo = app.collector("bo@example.com").await;
    for (buyer, rating, title) in [(&cleo, 5, "Harbour at Dusk"), (&bo, 1, "Gulls")] {
        let order = completed_order(&app, &ada, buyer, title).await;
        review(buyer, &order, rating, &format!("{rating} stars")).await;
        review(&ada, &order, 5, "A good buyer").await;
    }
    let public = artist_page(&app, "ada").await;
    assert_eq!(public["summary"], json!({"count": 2, "average": 3.0, "stars": [1, 0, 0, 0, 1]}));
    let bos_review = public["items"].as_array().unwrap().iter().find(|r| r["rating"] == 1).unwrap()["id"].clone();
    let bos_review = bos_review.as_str().unwrap();

    // Ada reports Bo's review, twice: one report. Bo cannot report his own.
    let reason = json!({"reason": "It gives my home address."});
    let reported = ada.post(&format!("/api/reviews/{bos_review}/reports"), reason.clone()).await;
    assert_eq!(reported.status, StatusCode::CREATED, "{}", reported.body);
    let again = ada.post(&format!("/api/reviews/{bos_review}/reports"), reason.clone()).await;
    assert_eq!(again.body["id"], reported.body["id"]);
    let own = bo.post(&format!("/api/reviews/{bos_review}/reports"), reason.clone()).await;
    assert_eq!(own.status, StatusCode::CONFLICT);
    let blank = ada.post(&format!("/api/reviews/{bos_review}/reports"), json!({"reason": "  "})).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Only moderators see the queue and hide.
    assert_eq!(ada.get("/api/review-reports").await.status, StatusCode::FORBIDDEN);
    let hide = json!({"reason": "Personal information"});
    assert_eq!(ada.put(&format!("/api/reviews/{bos_review}/hidden"), hide.clone()).await.status, StatusCode::FORBIDDEN);
    assert_eq!(cleo.delete(&format!("/api/reviews/{bos_review}/hidden")).await.status, StatusCode::FORBIDDEN);
    let moderator = app.moderator("mod@example.com").await;
    let queue = moderator.get("/api/review-reports").await.body;
    assert_eq!(queue.as_array().unwrap().len(), 1, "{queue}");
    assert_eq!(queue[0]["report"]["reason"], "It gives my home address.");
    assert_eq!(queue[0]["review"]["body"], "1 stars");
    assert_eq!(queue[0]["review"]["works"], json!(["Gulls"]));

    let hidden = moderator.put(&format!("/api/reviews/{bos_review}/hidden"), hide.clone()).await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.body);
    assert_eq!(hidden.body["hidden"]["reason"], "Personal information");
    assert_eq!(moderator.get("/api/review-reports").await.body, json!([]), "hiding closed the report");
    let public = artist_page(&app, "ada").await;
    assert_eq!(public["summary"], json!({"count": 1, "average": 5.0, "stars": [0, 0, 0, 0, 1]}));
    assert_eq!(public["items"].as_array().unwrap().len(), 1);

    // Moderators and the author see it and why; the artist it is about does not.
    let seen = moderator.get(&format!("/api/reviews/{bos_review}")).await.body;
    assert_eq!(seen["hidden"]["reason"], "Personal information");
    let bos_order = seen["order_id"].as_str().unwrap().to_owned();
    assert_eq!(reviews_of(&bo, &bos_order).await["mine"]["hidden"]["reason"], "Personal information");
    assert_eq!(ada.get(&format!("/api/reviews/{bos_review}")).await.status, StatusCode::NOT_FOUND);
    let adas_view = reviews_of(&ada, &bos_order).await;
    assert_eq!((adas_view["their_review"].clone(), adas_view["theirs"].clone()), (json!("hidden"), Value::Null));
    let unreportable = cleo.post(&format!("/api/reviews/{bos_review}/reports"), reason.clone()).await;
    assert_eq!(unreportable.status, StatusCode::NOT_FOUND);

    // Shown again, it counts again; a report can also be closed keeping the review.
    let shown = moderator.delete(&format!("/api/reviews/{bos_review}/hidden")).await;
    assert_eq!(shown.body["hidden"], Value::Null);
    assert_eq!(artist_page(&app, "ada").await["summary"]["count"], 2);
    let report = cleo.post(&format!("/api/reviews/{bos_review}/reports"), json!({"reason": "Unfair"})).await.body;
    let kept = moderator
        .post(
            &format!("/api/review-reports/{}/resolve", report["id"].as_str().unwrap()),
            json!({"resolution": "Fair comment"}),
        )
        .await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.body);
    assert_eq!((kept.body["outcome"].clone(), kept.body["resolution"].clone()), (json!("kept"), json!("Fair comment")));
    assert_eq!(moderator.get("/api/review-reports").await.body, json!([]));
    assert_eq!(artist_page(&app, "ada").await["summary"]["count"], 2);
    let twice = moderator
        .post(
            &format!("/api/review-reports/{}/resolve", report["id"].as_str().unwrap()),
            json!({"resolution": "Again"}),
        )
        .await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_artists_reviews_come_a_page_at_a_time_latest_first() {
    let app = spawn_app().await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    let ada_id = Uuid::parse_str(&ada.artist_id).unwrap();
    let cleo = app.collector("cleo@example.com").await;
    let mut orders = Vec::new();
    for n in 0..21 {
        orders.push(paid_order(&app, &ada, &cleo, &format!("Study {n}")).await);
    }
    for order in &orders {
        complete(&app, &ada, &cleo, order).await;
    }
    let start = Utc::now();
    for (n, order) in orders.iter().enumerate() {
        let draft = Draft::parse(1 + (n % 5) as i64, &format!("Study {n}")).unwrap();
        exchange::write(&app.ctx, cleo.id, id(order), &draft, start).await.unwrap();
    }
    let after_window = start + Duration::days(15);
    let first = exchange::page(&app.ctx, Subject::Artist(ada_id), None, after_window).await.unwrap();
    assert_eq!(first.items.len(), 20);
    assert_eq!(first.summary.count, 21);
    let cursor = first.next_cursor.clone().expect("a second page");
    let second = exchange::page(&app.ctx, Subject::Artist(ada_id), Some(&cursor), after_window).await.unwrap();
    assert_eq!(second.items.len(), 1);
    assert_eq!(second.next_cursor, None);
    let seen: std::collections::HashSet<Uuid> = first.items.iter().chain(&second.items).map(|r| r.id).collect();
    assert_eq!(seen.len(), 21, "no review twice, none left out");
    let bad = app.anonymous().get("/api/artists/ada/reviews?cursor=yesterday").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.anonymous().get("/api/artists/nobody/reviews").await.status, StatusCode::NOT_FOUND);
}
