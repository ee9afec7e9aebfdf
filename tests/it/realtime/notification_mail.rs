//! Notifications by mail: chosen per kind (on by default for what asks for
//! an answer, off for news), sent together after a delay unless read in the
//! app, only to confirmed addresses, and stopped in one click.

use atelier::realtime::notifications::{Kind, email, notify};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, assert_problem, spawn_app, spawn_app_with};

/// Ten minutes pass for every notification written so far.
async fn time_passes(app: &TestApp) {
    sqlx::query("UPDATE notifications SET created_at = created_at - interval '11 minutes'")
        .execute(&app.ctx.db)
        .await
        .unwrap();
}

async fn tell(app: &TestApp, user: uuid::Uuid, kind: Kind, subject: &str, data: Value) {
    let mut tx = app.ctx.db.begin().await.unwrap();
    notify(&mut tx, user, kind, subject, data).await.unwrap();
    tx.commit().await.unwrap();
}

fn subjects(mail: &[Value]) -> Vec<String> {
    mail.iter().map(|m| m["subject"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn unread_notifications_are_mailed_together_once_after_the_delay() {
    let app = spawn_app().await;
    let ann = app.collector("ann@example.com").await;
    let shipped =
        json!({"order_id": "0190c4f6-0000-7000-8000-000000000001", "artwork_title": "Dusk", "status": "shipped"});
    tell(&app, ann.id, Kind::OrderUpdate, "order:1:shipped", shipped).await;
    let offer =
        json!({"negotiation_id": "0190c4f6-0000-7000-8000-000000000002", "artwork_title": "Dawn", "status": "pending"});
    tell(&app, ann.id, Kind::Offer, "offer:2:pending", offer).await;
    // News of a saved work is not mailed unless asked for.
    tell(&app, ann.id, Kind::SavedSold, "saved:3:sold", json!({"artwork_title": "Noon"})).await;

    assert_eq!(email::send_due(&app.ctx).await.unwrap(), email::Run::default(), "nothing is mailed before the delay");
    time_passes(&app).await;
    assert_eq!(email::send_due(&app.ctx).await.unwrap(), email::Run { mailed: 2, skipped: 0 });
    assert_eq!(email::send_due(&app.ctx).await.unwrap(), email::Run::default(), "a second run finds nothing due");

    let mail = app.mailbox("ann@example.com").await;
    assert_eq!(subjects(&mail)[0], "2 updates on Atelier", "{mail:?}");
    let text = mail[0]["text_body"].as_str().unwrap();
    assert!(
        text.contains("- Your order of “Dusk” has shipped.\n  http://127.0.0.1:8080/orders/?id=0190c4f6"),
        "{text}"
    );
    assert!(text.contains("- An offer on “Dawn” awaits your answer."), "{text}");
    assert!(!text.contains("Noon"), "{text}");
    let unsubscribe = mail[0]["list_unsubscribe"].as_str().expect("notification mail can be stopped in one click");
    assert!(unsubscribe.starts_with("http://127.0.0.1:8080/api/me/notifications/unsubscribe?token="), "{unsubscribe}");
}

#[tokio::test]
async fn what_was_read_in_the_app_or_cannot_reach_a_confirmed_address_is_not_mailed() {
    let app = spawn_app().await;
    let ann = app.collector("ann@example.com").await;
    let bob = app.register_unverified("bob@example.com", "collector").await;
    tell(&app, ann.id, Kind::Message, "message:1", json!({"from": "Bo", "excerpt": "Hi"})).await;
    tell(&app, bob.id, Kind::Message, "message:2", json!({"from": "Al", "excerpt": "Hello"})).await;
    let id = ann.get("/api/me/notifications").await.body["items"][0]["id"].as_str().unwrap().to_owned();
    ann.post(&format!("/api/me/notifications/{id}/read"), json!({})).await;
    time_passes(&app).await;
    assert_eq!(email::send_due(&app.ctx).await.unwrap(), email::Run { mailed: 0, skipped: 2 });
    assert!(subjects(&app.mailbox("ann@example.com").await).iter().all(|s| !s.contains("Bo")));
    let bobs = app.mailbox("bob@example.com").await;
    assert_eq!(subjects(&bobs), ["Confirm your e-mail address for Atelier"], "only the confirmation link");
}

#[tokio::test]
async fn each_kind_is_chosen_in_the_app_and_by_mail_separately() {
    let app = spawn_app().await;
    let ann = app.collector("ann@example.com").await;
    let preferences = ann.get("/api/me/notification-preferences").await.body;
    let of = |list: &Value, kind: &str| list.as_array().unwrap().iter().find(|p| p["kind"] == kind).unwrap().clone();
    assert_eq!(of(&preferences, "message"), json!({"kind": "message", "in_app": true, "email": true}));
    assert_eq!(of(&preferences, "new_work"), json!({"kind": "new_work", "in_app": true, "email": false}));

    // Messages by mail only; new works by mail too; the rest as they were.
    let changed = ann
        .put(
            "/api/me/notification-preferences",
            json!([{"kind": "message", "in_app": false}, {"kind": "new_work", "email": true}]),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(of(&changed.body, "message"), json!({"kind": "message", "in_app": false, "email": true}));
    assert_eq!(of(&changed.body, "new_work"), json!({"kind": "new_work", "in_app": true, "email": true}));
    assert_eq!(
        ann.put("/api/me/notification-preferences", json!([{"kind": "message", "sms": true}])).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    tell(&app, ann.id, Kind::Message, "message:1", json!({"from": "Bo", "excerpt": "Is it framed?"})).await;
    assert_eq!(ann.get("/api/me/notifications").await.body["unread"], 0, "off in the app: not listed nor counted");
    time_passes(&app).await;
    assert_eq!(email::send_due(&app.ctx).await.unwrap(), email::Run { mailed: 1, skipped: 0 });
    assert_eq!(subjects(&app.mailbox("ann@example.com").await)[0], "Bo wrote: “Is it framed?”");

    ann.put("/api/me/notification-preferences", json!([{"kind": "message", "email": false}])).await;
    tell(&app, ann.id, Kind::Message, "message:2", json!({"from": "Bo", "excerpt": "Hello?"})).await;
    let written: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(written, 1, "a kind off in both is not notified at all");
}

#[tokio::test]
async fn one_click_from_a_message_stops_all_notification_mail_and_nothing_else() {
    let app = spawn_app().await;
    let ann = app.collector("ann@example.com").await;
    tell(&app, ann.id, Kind::Sale, "sale:1", json!({"artwork_title": "Dusk"})).await;
    time_passes(&app).await;
    email::send_due(&app.ctx).await.unwrap();
    let link = app.mailbox("ann@example.com").await[0]["list_unsubscribe"].as_str().unwrap().to_owned();
    let path = link.trim_start_matches("http://127.0.0.1:8080");

    let forged = path.replace(&ann.id.simple().to_string(), &uuid::Uuid::now_v7().simple().to_string());
    assert_problem(&app.anonymous().post(&forged, json!({})).await, StatusCode::FORBIDDEN);
    assert_problem(
        &app.anonymous().post("/api/me/notifications/unsubscribe?token=nonsense", json!({})).await,
        StatusCode::FORBIDDEN,
    );
    let request = axum::http::Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::NO_CONTENT, "as a mail client sends it");

    let preferences = ann.get("/api/me/notification-preferences").await.body;
    assert!(
        preferences.as_array().unwrap().iter().all(|p| p["email"] == false && p["in_app"] == true),
        "{preferences}"
    );
    tell(&app, ann.id, Kind::Sale, "sale:2", json!({"artwork_title": "Dawn"})).await;
    time_passes(&app).await;
    assert_eq!(email::send_due(&app.ctx).await.unwrap(), email::Run::default());
    assert_eq!(ann.get("/api/me/notifications").await.body["unread"], 2, "the app still tells");
}

#[tokio::test]
async fn vercel_cron_mails_what_is_due_with_the_cron_secret_only() {
    let app = spawn_app_with(&[("CRON_SECRET", "cron-token")]).await;
    let ann = app.collector("ann@example.com").await;
    tell(&app, ann.id, Kind::Review, "review:1", json!({"artwork_title": "Dusk"})).await;
    time_passes(&app).await;
    assert_problem(&app.anonymous().get("/api/cron/notification-mail").await, StatusCode::UNAUTHORIZED);
    let run = app.bearer("cron-token").get("/api/cron/notification-mail").await;
    assert_eq!((run.status, run.body.clone()), (StatusCode::OK, json!({"mailed": 1, "skipped": 0})));
    assert_problem(&spawn_app().await.anonymous().get("/api/cron/notification-mail").await, StatusCode::NOT_FOUND);
}
