//! Proving an address and getting back into an account: the link mailed at
//! sign-up, what an unconfirmed account may and may not do, moving to another
//! address, resetting a forgotten password, and the mail queue behind them.

use axum::http::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    journeys::commerce::checkout,
    support::{PASSWORD, TestApp, assert_problem, field_errors, spawn_app},
};

const NEW_PASSWORD: &str = "copper-lantern-orchard-77";

async fn verified(app: &TestApp, token: &str) -> bool {
    app.bearer(token).get("/api/me").await.body["email_verified"] == json!(true)
}

async fn confirm(app: &TestApp, token: &str) -> crate::support::TestResponse {
    app.anonymous().post("/api/auth/email-verification", json!({"token": token})).await
}

async fn mail_to(app: &TestApp, to: &str) -> Vec<Value> {
    app.mailbox(to).await
}

#[tokio::test]
async fn signing_up_mails_a_link_that_confirms_the_address_once() {
    let app = spawn_app().await;
    let ann = app.register_unverified("Ann@Example.com", "collector").await;
    let access = ann.token().unwrap().to_owned();
    assert!(!verified(&app, &access).await, "a new address is unconfirmed");

    let mail = mail_to(&app, "ann@example.com").await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0]["subject"], "Confirm your e-mail address for Atelier");
    assert_eq!(mail[0]["to_address"], "Ann@Example.com", "mail goes to the address as typed");
    assert!(mail[0]["html_body"].as_str().unwrap().contains("Confirm my address"));
    assert!(mail[0]["list_unsubscribe"].is_null(), "account mail cannot be unsubscribed from");

    let token = app.mailed_token("ann@example.com", "/verify-email/").await;
    assert_eq!(confirm(&app, &token).await.status, StatusCode::NO_CONTENT);
    assert!(verified(&app, &access).await, "the same session sees the address confirmed");
    let again = assert_problem(&confirm(&app, &token).await, StatusCode::GONE);
    assert!(again.detail.contains("already used"), "{}", again.detail);
    assert_problem(&confirm(&app, "not-a-token-we-sent").await, StatusCode::GONE);
    assert_eq!(field_errors(&confirm(&app, &"x".repeat(129)).await), ["token"]);
}

#[tokio::test]
async fn an_unconfirmed_account_browses_and_saves_but_cannot_buy_sell_or_message() {
    let app = spawn_app().await;
    let artist = app.artist("harbour-painter").await;
    let work = artist.artwork(json!({"title": "Boats at dusk"})).await;
    let collector = app.register_unverified("new@example.com", "collector").await;

    let save = collector.post("/api/interactions", json!({"artwork_id": work.id, "kind": "save"})).await;
    assert!(save.status.is_success(), "saving needs no confirmed address: {}", save.body);
    let cart = collector.put(&format!("/api/cart/items/{}", work.id), json!({"quantity": 1})).await;
    assert!(cart.status.is_success(), "nor does keeping a cart: {}", cart.body);

    let refusals = [
        checkout(&collector, "GB").await,
        collector.post("/api/me/payment-methods/setup", json!({})).await,
        collector.post("/api/conversations", json!({"artwork_id": work.id, "body": "Is it framed?"})).await,
    ];
    for refused in refusals {
        let problem = assert_problem(&refused, StatusCode::FORBIDDEN);
        assert_eq!(problem.kind, "/problems/email-unverified", "{}", problem.detail);
    }
    let would_be_artist = app.register_unverified("new-artist@example.com", "artist").await;
    let profile = would_be_artist.post("/api/artists", json!({"slug": "new-artist", "bio": "Draws."})).await;
    assert_eq!(assert_problem(&profile, StatusCode::FORBIDDEN).kind, "/problems/email-unverified");

    // The first link is lost; a new one replaces it, and only the new one works.
    let first = app.mailed_token("new-artist@example.com", "/verify-email/").await;
    assert_eq!(would_be_artist.post("/api/me/email-verification", json!({})).await.status, StatusCode::ACCEPTED);
    let second = app.mailed_token("new-artist@example.com", "/verify-email/").await;
    assert_ne!(first, second);
    assert_problem(&confirm(&app, &first).await, StatusCode::GONE);
    assert_eq!(confirm(&app, &second).await.status, StatusCode::NO_CONTENT);
    let profile = would_be_artist.post("/api/artists", json!({"slug": "new-artist", "bio": "Draws."})).await;
    assert_eq!(profile.status, StatusCode::CREATED, "{}", profile.body);
    assert_problem(&would_be_artist.post("/api/me/email-verification", json!({})).await, StatusCode::CONFLICT);
}

#[tokio::test]
async fn verification_links_last_a_day_and_are_resent_at_most_three_times_an_hour() {
    let app = spawn_app().await;
    let late = app.register_unverified("late@example.com", "collector").await;
    let token = app.mailed_token("late@example.com", "/verify-email/").await;
    // A day passes.
    sqlx::query(
        "UPDATE account_tokens SET expires_at = now() - interval '1 second', created_at = now() - interval '1 day'",
    )
    .execute(&app.ctx.db)
    .await
    .unwrap();
    assert_problem(&confirm(&app, &token).await, StatusCode::GONE);
    assert!(!verified(&app, late.token().unwrap()).await);

    for _ in 0..3 {
        assert_eq!(late.post("/api/me/email-verification", json!({})).await.status, StatusCode::ACCEPTED);
    }
    let fourth = late.post("/api/me/email-verification", json!({})).await;
    assert_problem(&fourth, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(mail_to(&app, "late@example.com").await.len(), 4, "the sign-up mail and three more");
}

#[tokio::test]
async fn a_new_address_takes_over_only_once_confirmed_and_the_old_one_is_told() {
    let app = spawn_app().await;
    let ann = app.collector("ann@example.com").await;
    app.collector("taken@example.com").await;
    let change = |email: &str, password: &str| {
        let body = json!({"email": email, "current_password": password});
        let ann = ann.clone();
        async move { ann.put("/api/me/email", body).await }
    };

    assert_eq!(field_errors(&change("ann@new.example", "not-my-password").await), ["current_password"]);
    assert_eq!(field_errors(&change("ANN@example.com", PASSWORD).await), ["email"]);
    assert_eq!(field_errors(&change("not an address", PASSWORD).await), ["email"]);
    assert_problem(&change("Taken@example.com", PASSWORD).await, StatusCode::CONFLICT);
    assert_eq!(change("Ann@New.example", PASSWORD).await.status, StatusCode::ACCEPTED);

    assert_eq!(ann.get("/api/me").await.body["email"], "ann@example.com", "nothing changes before the link is opened");
    let mail = mail_to(&app, "ann@new.example").await;
    assert_eq!(mail[0]["subject"], "Confirm your new e-mail address for Atelier");
    let token = app.mailed_token("ann@new.example", "/verify-email/").await;
    assert_eq!(confirm(&app, &token).await.status, StatusCode::NO_CONTENT);

    let me = ann.get("/api/me").await.body;
    assert_eq!((me["email"].as_str(), me["email_verified"].as_bool()), (Some("Ann@New.example"), Some(true)));
    let notice = mail_to(&app, "ann@example.com").await;
    assert_eq!(notice[0]["subject"], "Your Atelier e-mail address was changed");
    assert!(notice[0]["text_body"].as_str().unwrap().contains("Ann@New.example"));
    let login =
        app.anonymous().post("/api/auth/login", json!({"email": "ann@new.example", "password": PASSWORD})).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    let old = app.anonymous().post("/api/auth/login", json!({"email": "ann@example.com", "password": PASSWORD})).await;
    assert_problem(&old, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_forgotten_password_is_reset_once_by_mail_and_every_session_ends() {
    let app = spawn_app().await;
    let ann = app.collector("ann@example.com").await;
    let other_device =
        app.anonymous().post("/api/auth/login", json!({"email": "ann@example.com", "password": PASSWORD})).await;
    let other_device = app.bearer(other_device.body["access_token"].as_str().unwrap());
    let anon = app.anonymous();

    // The answer never tells whether an account has the address.
    let unknown = anon.post("/api/auth/password-reset", json!({"email": "nobody@example.com"})).await;
    let known = anon.post("/api/auth/password-reset", json!({"email": "ANN@example.com"})).await;
    assert_eq!((unknown.status, known.status), (StatusCode::ACCEPTED, StatusCode::ACCEPTED));
    assert_eq!(unknown.body, known.body);
    app.run_jobs().await;
    assert!(mail_to(&app, "nobody@example.com").await.is_empty());
    let mail = mail_to(&app, "ann@example.com").await;
    assert_eq!(mail[0]["subject"], "Reset your Atelier password");
    let token = app.mailed_token("ann@example.com", "/reset-password/").await;

    let complete = |token: &str, password: &str| {
        let (body, anon) = (json!({"token": token, "new_password": password}), app.anonymous());
        async move { anon.post("/api/auth/password-reset/complete", body).await }
    };
    assert_eq!(field_errors(&complete(&token, "password").await), ["new_password"]);
    // A weak password leaves the link usable.
    assert_eq!(complete(&token, NEW_PASSWORD).await.status, StatusCode::NO_CONTENT);
    assert_problem(&complete(&token, "another-fine-passphrase-9").await, StatusCode::GONE);

    for session in [(*ann).clone(), other_device] {
        assert_problem(&session.get("/api/me").await, StatusCode::UNAUTHORIZED);
    }
    let refresh = anon.post("/api/auth/refresh", json!({"refresh_token": ann.refresh_token})).await;
    assert_problem(&refresh, StatusCode::UNAUTHORIZED);
    let old = anon.post("/api/auth/login", json!({"email": "ann@example.com", "password": PASSWORD})).await;
    assert_problem(&old, StatusCode::UNAUTHORIZED);
    let new = anon.post("/api/auth/login", json!({"email": "ann@example.com", "password": NEW_PASSWORD})).await;
    assert_eq!(new.status, StatusCode::OK);
    assert_eq!(mail_to(&app, "ann@example.com").await[0]["subject"], "Your Atelier password was changed");
}

#[tokio::test]
async fn reset_links_last_thirty_minutes_and_three_are_sent_an_hour_at_most() {
    let app = spawn_app().await;
    app.collector("ann@example.com").await;
    let anon = app.anonymous();
    for _ in 0..5 {
        let asked = anon.post("/api/auth/password-reset", json!({"email": "ann@example.com"})).await;
        assert_eq!(asked.status, StatusCode::ACCEPTED, "over the budget the answer is the same");
    }
    app.run_jobs().await;
    let resets = mail_to(&app, "ann@example.com").await;
    let resets = resets.iter().filter(|m| m["subject"] == "Reset your Atelier password").count();
    assert_eq!(resets, 3);

    let token = app.mailed_token("ann@example.com", "/reset-password/").await;
    sqlx::query("UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE purpose = 'reset_password'")
        .execute(&app.ctx.db)
        .await
        .unwrap();
    let late =
        anon.post("/api/auth/password-reset/complete", json!({"token": token, "new_password": NEW_PASSWORD})).await;
    assert_problem(&late, StatusCode::GONE);
}

#[tokio::test]
async fn mail_is_sent_once_however_often_its_job_runs_and_its_links_are_not_kept() {
    let app = spawn_app().await;
    app.register_unverified("ann@example.com", "collector").await;
    let id: Uuid = sqlx::query_scalar("SELECT id FROM mail_messages").fetch_one(&app.ctx.db).await.unwrap();
    atelier::mail::send(&app.ctx, id).await.unwrap();
    atelier::mail::send(&app.ctx, id).await.unwrap();
    app.run_jobs().await;
    assert_eq!(app.ctx.local_mailbox.as_ref().unwrap().list(Some("ann@example.com"), 10).await.unwrap().len(), 1);
    let (state, text): (String, Option<String>) =
        sqlx::query_as("SELECT state, text_body FROM mail_messages WHERE id = $1")
            .bind(id)
            .fetch_one(&app.ctx.db)
            .await
            .unwrap();
    assert_eq!(state, "sent");
    assert_eq!(text, None, "a sent message's single-use link is not kept");
}

#[tokio::test]
async fn the_sweep_queues_stalled_mail_again_and_gives_up_on_old_mail() {
    let app = spawn_app().await;
    app.register_unverified("ann@example.com", "collector").await;
    app.register_unverified("bob@example.com", "collector").await;
    // The jobs were lost: ten minutes pass for Ann's mail, two days for Bob's.
    sqlx::query("DELETE FROM jobs WHERE kind = 'mail.send'").execute(&app.ctx.db).await.unwrap();
    sqlx::query(
        "UPDATE mail_messages SET created_at = now() - CASE WHEN to_address LIKE 'ann%' THEN interval '11 minutes' ELSE interval '2 days' END",
    )
    .execute(&app.ctx.db)
    .await
    .unwrap();
    let sweep = atelier::mail::sweep(&app.ctx).await.unwrap();
    assert_eq!(sweep, atelier::mail::Sweep { requeued: 1, expired: 1 });
    let ran = app.run_jobs().await;
    assert_eq!(ran.iter().filter(|(kind, _)| kind == "mail.send").count(), 1);
    assert_eq!(app.ctx.local_mailbox.as_ref().unwrap().list(None, 10).await.unwrap().len(), 1, "Ann's arrives");
    assert_eq!(atelier::mail::sweep(&app.ctx).await.unwrap(), atelier::mail::Sweep::default(), "nothing left to do");
}

#[tokio::test]
async fn operators_see_mail_that_bounced_with_the_reason_and_nobody_else_does() {
    // Mail relayed to the local SMTP server, which refuses @refused.test.
    let smtp = std::env::var("ATELIER_TEST_SMTP_URL").expect("run through scripts/test");
    let app = crate::support::spawn_app_with(&[("MAIL", "smtp"), ("SMTP_URL", &smtp)]).await;
    // Promoted the way an admin would, in the database; no confirmed address needed to moderate.
    app.register_unverified("mod@example.com", "collector").await;
    sqlx::query("UPDATE users SET role = 'moderator'").execute(&app.ctx.db).await.unwrap();
    let login =
        app.anonymous().post("/api/auth/login", json!({"email": "mod@example.com", "password": PASSWORD})).await;
    let moderator = app.bearer(login.body["access_token"].as_str().unwrap());
    app.register_unverified("someone@refused.test", "collector").await;
    app.deliver_mail().await;

    let bounced = moderator.get("/api/admin/mail?state=bounced").await;
    assert_eq!(bounced.status, StatusCode::OK, "{}", bounced.body);
    let bounced = bounced.body.as_array().unwrap().clone();
    assert_eq!(bounced.len(), 1, "{bounced:?}");
    assert_eq!(bounced[0]["to_address"], "someone@refused.test");
    assert_eq!(bounced[0]["template"], "verify_email");
    assert!(bounced[0]["last_error"].as_str().unwrap().contains("550"), "{}", bounced[0]);
    let sent = moderator.get("/api/admin/mail?state=sent").await.body;
    assert_eq!(sent[0]["to_address"], "mod@example.com", "{sent}");

    let collector = app.register_unverified("c@example.com", "collector").await;
    assert_problem(&collector.get("/api/admin/mail").await, StatusCode::FORBIDDEN);
    assert_problem(&app.anonymous().get("/api/admin/mail").await, StatusCode::UNAUTHORIZED);
    assert_eq!(field_errors(&moderator.get("/api/admin/mail?limit=1000").await), ["limit"]);
    assert_problem(&app.anonymous().get("/api/dev/mail").await, StatusCode::NOT_FOUND);
}

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

#[tokio::test]
async fn the_owner_sees_where_the_account_is_signed_in_ends_sessions_and_hears_of_new_devices() {
    let app = spawn_app().await;
    let ann = app.collector("ann@example.com").await;
    let intruder = app.collector("other@example.com").await;
    let sign_in = || async {
        let response = app
            .anonymous()
            .with_header("user-agent", FIREFOX)
            .post("/api/auth/login", json!({"email": "ann@example.com", "password": PASSWORD}))
            .await;
        assert_eq!(response.status, StatusCode::OK);
        app.bearer(response.body["access_token"].as_str().unwrap())
    };
    let laptop = sign_in().await;
    let new_device =
        |mail: &[Value]| mail.iter().filter(|m| m["subject"] == "New sign-in to your Atelier account").count();
    let mail = mail_to(&app, "ann@example.com").await;
    assert_eq!(new_device(&mail), 1, "Firefox on Linux is new to the account");
    assert!(mail[0]["text_body"].as_str().unwrap().contains("Firefox on Linux, from"), "{}", mail[0]["text_body"]);
    let again = sign_in().await;
    assert_eq!(new_device(&mail_to(&app, "ann@example.com").await), 1, "the same device again is not news");

    let sessions = laptop.get("/api/me/sessions").await;
    assert_eq!(sessions.status, StatusCode::OK);
    let sessions = sessions.body.as_array().unwrap().clone();
    assert_eq!(sessions.len(), 3, "sign-up and two sign-ins: {sessions:?}");
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    assert_eq!(sessions.iter().filter(|s| s["device"] == "Firefox on Linux").count(), 2);
    let first =
        sessions.iter().find(|s| s["device"] == "An unknown device").unwrap()["id"].as_str().unwrap().to_owned();

    assert_problem(&intruder.delete(&format!("/api/me/sessions/{first}")).await, StatusCode::NOT_FOUND);
    assert_eq!(laptop.delete(&format!("/api/me/sessions/{first}")).await.status, StatusCode::NO_CONTENT);
    assert_problem(&ann.get("/api/me").await, StatusCode::UNAUTHORIZED);
    assert_problem(&laptop.delete(&format!("/api/me/sessions/{first}")).await, StatusCode::NOT_FOUND);

    let others = laptop.post("/api/me/sessions/sign-out-others", json!({})).await;
    assert_eq!(others.body, json!({"signed_out": 1}));
    assert_problem(&again.get("/api/me").await, StatusCode::UNAUTHORIZED);
    let left = laptop.get("/api/me/sessions").await.body;
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["current"], true);
    assert_eq!(intruder.get("/api/me/sessions").await.body.as_array().unwrap().len(), 1, "each sees only their own");
}
