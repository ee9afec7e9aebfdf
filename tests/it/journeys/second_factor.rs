//! A second factor: an authenticator app's codes, each accepted once, with
//! recovery codes that work once, in a sign-in of two steps.

use axum::http::StatusCode;
use serde_json::{Value, json};
use totp_rs::{Builder, Secret};

use crate::support::{PASSWORD, TestApp, User, assert_problem, field_errors, spawn_app};

/// The app on the person's phone: the code it shows `steps_ahead` steps of 30 s from now.
fn app_code(secret: &str, steps_ahead: u64) -> String {
    let bytes = Secret::try_from_base32(secret).unwrap().as_bytes().to_vec();
    let totp = Builder::new().with_secret(Secret::from(bytes)).with_account_name("a").build().unwrap();
    let now = chrono::Utc::now().timestamp() as u64;
    totp.generate(now + steps_ahead * 30).to_string()
}

async fn password_step(app: &TestApp) -> String {
    let response =
        app.anonymous().post("/api/auth/login", json!({"email": "ann@example.com", "password": PASSWORD})).await;
    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
    assert!(response.header("set-cookie").is_none(), "no session before the second step");
    assert_eq!(response.body["mfa_required"], true);
    response.body["mfa_token"].as_str().unwrap().to_owned()
}

async fn code_step(app: &TestApp, token: &str, code: &str) -> crate::support::TestResponse {
    app.anonymous().post("/api/auth/login/mfa", json!({"mfa_token": token, "code": code})).await
}

/// Enrols the app; answers its secret, the code that confirmed it, and the recovery codes.
async fn enrol(ann: &User<'_>) -> (String, String, Vec<String>) {
    let started = ann.post("/api/me/mfa/totp", json!({"current_password": PASSWORD})).await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
    let secret = started.body["secret"].as_str().unwrap().to_owned();
    let first = app_code(&secret, 0);
    let confirmed = ann.post("/api/me/mfa/totp/confirm", json!({"code": first})).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let codes = confirmed.body["codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    (secret, first, codes)
}

#[tokio::test]
async fn an_authenticator_app_is_enrolled_with_a_qr_code_and_confirmed_by_its_first_code() {
    let app = spawn_app().await;
    let ann = app.collector("ann@example.com").await;
    assert_eq!(
        field_errors(&ann.post("/api/me/mfa/totp", json!({"current_password": "guess"})).await),
        ["current_password"]
    );
    let started = ann.post("/api/me/mfa/totp", json!({"current_password": PASSWORD})).await;
    assert_eq!(started.status, StatusCode::CREATED);
    let url = started.body["otpauth_url"].as_str().unwrap();
    assert!(url.starts_with("otpauth://totp/Atelier:ann%40example.com?") && url.contains("issuer=Atelier"), "{url}");
    assert!(started.body["qr_code"].as_str().unwrap().starts_with("data:image/png;base64,iVBOR"), "a PNG");
    let secret = started.body["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        ann.get("/api/me/mfa").await.body,
        json!({"totp": false, "recovery_codes_left": 0}),
        "not before a code"
    );
    let login =
        app.anonymous().post("/api/auth/login", json!({"email": "ann@example.com", "password": PASSWORD})).await;
    assert_eq!(login.status, StatusCode::OK, "an unconfirmed app does not guard sign-in");

    assert_eq!(field_errors(&ann.post("/api/me/mfa/totp/confirm", json!({"code": "123456"})).await), ["code"]);
    let confirmed = ann.post("/api/me/mfa/totp/confirm", json!({"code": app_code(&secret, 0)})).await;
    let codes = confirmed.body["codes"].as_array().unwrap();
    assert_eq!(codes.len(), 10);
    assert!(codes.iter().all(|c| c.as_str().unwrap().len() == 11), "{codes:?}");
    assert_eq!(ann.get("/api/me/mfa").await.body, json!({"totp": true, "recovery_codes_left": 10}));
    assert_problem(&ann.post("/api/me/mfa/totp", json!({"current_password": PASSWORD})).await, StatusCode::CONFLICT);
}

#[tokio::test]
async fn sign_in_takes_a_code_once_and_each_recovery_code_once() {
    let app = spawn_app().await;
    let ann = app.collector("ann@example.com").await;
    let (secret, first, recovery) = enrol(&ann).await;

    // The code that confirmed the app was accepted in its step: not again.
    let token = password_step(&app).await;
    assert_eq!(field_errors(&code_step(&app, &token, &first).await), ["code"]);
    let next = app_code(&secret, 1);
    let signed_in = code_step(&app, &token, &next).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    assert!(signed_in.body["access_token"].is_string());
    assert_problem(&code_step(&app, &token, &next).await, StatusCode::UNAUTHORIZED);

    let token = password_step(&app).await;
    assert_eq!(field_errors(&code_step(&app, &token, &next).await), ["code"], "a code is good once");
    let by_recovery = code_step(&app, &token, &recovery[0].to_uppercase().replace('-', " ")).await;
    assert_eq!(by_recovery.status, StatusCode::OK, "a recovery code, however typed: {}", by_recovery.body);
    let token = password_step(&app).await;
    assert_eq!(field_errors(&code_step(&app, &token, &recovery[0]).await), ["code"], "a recovery code is good once");
    assert_eq!(ann.get("/api/me/mfa").await.body["recovery_codes_left"], 9);

    // Five wrong codes (one above) and the password is asked again.
    for _ in 0..3 {
        assert_eq!(code_step(&app, &token, "000000").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_problem(&code_step(&app, &token, "000000").await, StatusCode::UNAUTHORIZED);
    assert_problem(&code_step(&app, &token, &recovery[1]).await, StatusCode::UNAUTHORIZED);
    assert_problem(&code_step(&app, "made-up-token", &recovery[1]).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn new_recovery_codes_replace_the_old_and_turning_the_factor_off_needs_password_and_code() {
    let app = spawn_app().await;
    let ann = app.collector("ann@example.com").await;
    let (_, _, old) = enrol(&ann).await;
    assert_eq!(
        field_errors(&ann.post("/api/me/mfa/recovery-codes", json!({"current_password": "nope"})).await),
        ["current_password"]
    );
    let renewed = ann.post("/api/me/mfa/recovery-codes", json!({"current_password": PASSWORD})).await;
    assert_eq!(renewed.status, StatusCode::OK);
    let new: Vec<Value> = renewed.body["codes"].as_array().unwrap().clone();
    let token = password_step(&app).await;
    assert_eq!(field_errors(&code_step(&app, &token, &old[2]).await), ["code"], "the old codes are gone");

    let stop = |password: &str, code: &str| {
        let (ann, body) = (ann.clone(), json!({"current_password": password, "code": code}));
        async move { ann.send(axum::http::Method::DELETE, "/api/me/mfa/totp", Some(body)).await }
    };
    assert_eq!(field_errors(&stop(PASSWORD, "000000").await), ["code"]);
    assert_eq!(field_errors(&stop("nope", new[0].as_str().unwrap()).await), ["current_password"]);
    assert_eq!(stop(PASSWORD, new[0].as_str().unwrap()).await.status, StatusCode::NO_CONTENT);
    assert_eq!(ann.get("/api/me/mfa").await.body, json!({"totp": false, "recovery_codes_left": 0}));
    let login =
        app.anonymous().post("/api/auth/login", json!({"email": "ann@example.com", "password": PASSWORD})).await;
    assert_eq!(login.status, StatusCode::OK, "the password alone again");
    assert_problem(&stop(PASSWORD, new[1].as_str().unwrap()).await, StatusCode::CONFLICT);
}
