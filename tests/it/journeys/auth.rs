use axum::http::{Method, StatusCode};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::support::{SessionView, UserView, assert_problem, field_errors, refresh_cookie, spawn_app};

#[tokio::test]
async fn register_login_refresh_reuse_logout() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let ann = app.collector("Ann@Example.com").await;
    let refresh = ann.refresh_token.clone();

    let me = ann.get("/api/me").await;
    assert_eq!(me.status, StatusCode::OK);
    let me: UserView = me.json();
    assert_eq!(me.id, ann.id.to_string());
    assert_eq!(me.email, "Ann@Example.com");
    assert_eq!(me.role, "collector");

    let login =
        anon.post("/api/auth/login", json!({"email": "ann@example.com", "password": "violet-harbour-mosaic-42"})).await;
    assert_eq!(login.status, StatusCode::OK);
    let cookie = login.header("set-cookie").unwrap().to_owned();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/api/auth"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }

    // Rotation: the first refresh works and hands out a different token.
    let first = anon.post("/api/auth/refresh", json!({"refresh_token": refresh})).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first: SessionView = first.json();
    // Presented in the body, so its successor comes back in the body.
    let rotated = first.refresh_token.expect("a token presented in the body is answered in the body");
    assert_ne!(rotated, refresh);
    let rotated_session = app.bearer(&first.access_token);
    assert_eq!(rotated_session.get("/api/me").await.status, StatusCode::OK);

    // Reuse of the spent token revokes the whole family: the rotated token and the
    // access tokens of that session stop working too.
    let reuse = anon.post("/api/auth/refresh", json!({"refresh_token": refresh})).await;
    assert_problem(&reuse, StatusCode::UNAUTHORIZED);
    let after_reuse = anon.post("/api/auth/refresh", json!({"refresh_token": rotated})).await;
    assert_problem(&after_reuse, StatusCode::UNAUTHORIZED);
    assert_eq!(rotated_session.get("/api/me").await.status, StatusCode::UNAUTHORIZED);

    // The login session is separate and still alive; refresh it through the cookie.
    let cookie_token = cookie.split(';').next().unwrap().to_owned();
    let by_cookie = anon.with_header("cookie", &cookie_token).send(Method::POST, "/api/auth/refresh", None).await;
    assert_eq!(by_cookie.status, StatusCode::OK, "{}", by_cookie.body);
    let cookie_refresh = refresh_cookie(&by_cookie).expect("a cookie refresh sets the next cookie");
    let session: SessionView = by_cookie.json();
    assert_eq!(session.refresh_token, None, "a browser's refresh token reached the body");

    let logout = anon.post("/api/auth/logout", json!({"refresh_token": cookie_refresh})).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert!(logout.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_problem(
        &anon.post("/api/auth/refresh", json!({"refresh_token": cookie_refresh})).await,
        StatusCode::UNAUTHORIZED,
    );
    assert_problem(&app.bearer(&session.access_token).get("/api/me").await, StatusCode::UNAUTHORIZED);

    let audit: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE actor_id = $1 ORDER BY created_at")
        .bind(ann.id)
        .fetch_all(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(audit, ["auth.register", "account.email_verified", "auth.login", "auth.refresh_reuse", "auth.logout"]);
}

/// Scripts on the page never see a browser's refresh token: it travels only in
/// the HttpOnly cookie. A client that is not a browser asks for it in the body
/// and then gets no cookie.
#[tokio::test]
async fn browsers_get_the_refresh_token_only_as_a_cookie() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let register = json!({"email": "dee@example.com", "password": "violet-harbour-mosaic-42", "display_name": "Dee", "role": "collector"});
    let registered = anon.post("/api/auth/register", register).await;
    assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.body);
    assert!(registered.body.get("refresh_token").is_none(), "{}", registered.body);
    assert!(refresh_cookie(&registered).is_some());
    assert_eq!(registered.header("cache-control"), Some("no-store"));

    let login = json!({"email": "dee@example.com", "password": "violet-harbour-mosaic-42"});
    let browser = anon.post("/api/auth/login", login.clone()).await;
    assert!(browser.body.get("refresh_token").is_none(), "{}", browser.body);

    let mut native = login;
    native["refresh_token_in_body"] = json!(true);
    let native = anon.post("/api/auth/login", native).await;
    assert_eq!(native.status, StatusCode::OK, "{}", native.body);
    assert!(native.header("set-cookie").is_none(), "a client that keeps its own token got a cookie too");
    let token = native.json::<SessionView>().refresh_token.expect("asked for in the body");
    let refreshed = anon.post("/api/auth/refresh", json!({"refresh_token": token})).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    assert!(refreshed.json::<SessionView>().refresh_token.is_some());
}

/// Every field of the sign-in forms is bounded before any work is done with
/// it: an absurd e-mail or password is a 422 naming the field, never a 500.
#[tokio::test]
async fn oversized_credentials_are_refused_before_any_work() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let long_email = format!("{}@example.com", "a".repeat(8000));
    let login = anon.post("/api/auth/login", json!({"email": long_email, "password": "whatever-it-is-9"})).await;
    assert_problem(&login, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&login), ["email"]);
    let login = anon.post("/api/auth/login", json!({"email": "a@example.com", "password": "p".repeat(100_000)})).await;
    assert_eq!(field_errors(&login), ["password"]);
    let register = anon
        .post(
            "/api/auth/register",
            json!({"email": "b@example.com", "password": "violet-harbour-mosaic-42", "display_name": "n".repeat(5000), "role": "collector"}),
        )
        .await;
    assert_eq!(field_errors(&register), ["display_name"]);
    let refresh = anon.post("/api/auth/refresh", json!({"refresh_token": "t".repeat(4096)})).await;
    assert_eq!(field_errors(&refresh), ["refresh_token"]);
    let (accounts,): (i64,) = sqlx::query_as("SELECT count(*) FROM users").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(accounts, 0);
}

/// Someone holding a stolen access token cannot use the password change to
/// guess the password without limit: wrong guesses count towards the same
/// throttle as failed sign-ins.
#[tokio::test]
async fn guessing_the_current_password_is_throttled_like_sign_in() {
    let app = spawn_app().await;
    let pat = app.collector("guess@example.com").await;
    for n in 0..5 {
        let guess = pat
            .patch(
                "/api/me",
                json!({"new_password": "copper-lantern-orbit-77", "current_password": format!("guess-{n}-wrong")}),
            )
            .await;
        assert_eq!(field_errors(&guess), ["current_password"], "guess {n}");
    }
    let right = pat
        .patch(
            "/api/me",
            json!({"new_password": "copper-lantern-orbit-77", "current_password": "violet-harbour-mosaic-42"}),
        )
        .await;
    assert_problem(&right, StatusCode::TOO_MANY_REQUESTS);
    // The account's sign-in is locked for the window as well.
    let login = app
        .anonymous()
        .post("/api/auth/login", json!({"email": "guess@example.com", "password": "violet-harbour-mosaic-42"}))
        .await;
    assert_problem(&login, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn login_failures_reveal_nothing_and_are_throttled() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    app.collector("bo@example.com").await;
    let wrong_password =
        anon.post("/api/auth/login", json!({"email": "bo@example.com", "password": "not-the-password-1"})).await;
    let unknown_email =
        anon.post("/api/auth/login", json!({"email": "nobody@example.com", "password": "not-the-password-1"})).await;
    assert_problem(&wrong_password, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password.body, unknown_email.body);

    for _ in 0..4 {
        anon.post("/api/auth/login", json!({"email": "bo@example.com", "password": "still-wrong-22"})).await;
    }
    // Five failures lock the account for the window, even for the right password.
    let locked =
        anon.post("/api/auth/login", json!({"email": "bo@example.com", "password": "violet-harbour-mosaic-42"})).await;
    assert_problem(&locked, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after));
    // Another account from the same address is still allowed (the IP budget is larger).
    app.collector("cy@example.com").await;
    let other =
        anon.post("/api/auth/login", json!({"email": "cy@example.com", "password": "violet-harbour-mosaic-42"})).await;
    assert_eq!(other.status, StatusCode::OK);
}

#[tokio::test]
async fn registration_validates_and_refuses_duplicates() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let weak = anon
        .post(
            "/api/auth/register",
            json!({"email": "not-an-email", "password": "password1", "display_name": " ", "role": "collector"}),
        )
        .await;
    assert_problem(&weak, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&weak), ["email", "display_name", "password"]);

    let staff = anon
        .post("/api/auth/register", json!({"email": "x@example.com", "password": "violet-harbour-mosaic-42", "display_name": "X", "role": "admin"}))
        .await;
    assert_problem(&staff, StatusCode::UNPROCESSABLE_ENTITY);

    app.register("dup@example.com", "artist").await;
    let again = anon
        .post("/api/auth/register", json!({"email": "DUP@example.com", "password": "violet-harbour-mosaic-42", "display_name": "Dup", "role": "artist"}))
        .await;
    assert_problem(&again, StatusCode::CONFLICT);
}

#[tokio::test]
async fn password_change_needs_the_current_one_and_ends_other_sessions() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let pat = app.collector("pat@example.com").await;
    let second =
        anon.post("/api/auth/login", json!({"email": "pat@example.com", "password": "violet-harbour-mosaic-42"})).await;
    let second_session = app.bearer(&second.json::<SessionView>().access_token);

    let refused = pat.patch("/api/me", json!({"new_password": "copper-lantern-orbit-77"})).await;
    assert_eq!(field_errors(&refused), ["current_password"]);
    let changed = pat
        .patch("/api/me", json!({
            "new_password": "copper-lantern-orbit-77", "current_password": "violet-harbour-mosaic-42", "display_name": "Pat"
        }))
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.json::<UserView>().display_name, "Pat");
    assert_eq!(pat.get("/api/me").await.status, StatusCode::OK);
    assert_eq!(second_session.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    let new_login =
        anon.post("/api/auth/login", json!({"email": "pat@example.com", "password": "copper-lantern-orbit-77"})).await;
    assert_eq!(new_login.status, StatusCode::OK);
}

#[derive(serde::Serialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: String,
    exp: i64,
    nbf: i64,
    iat: i64,
    jti: String,
    role: String,
    sid: String,
}

#[tokio::test]
async fn forged_expired_and_misaddressed_tokens_are_refused() {
    let app = spawn_app().await;
    let eve = app.collector("eve@example.com").await;
    let access = eve.access_token().to_owned();
    let user_id = eve.id;
    let sid = {
        let payload = access.split('.').nth(1).unwrap();
        let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap();
        serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()["sid"].as_str().unwrap().to_owned()
    };
    let now = chrono::Utc::now().timestamp();
    let claims = |aud: &str, exp: i64, role: &str| Claims {
        iss: "atelier".into(),
        aud: aud.into(),
        sub: user_id.to_string(),
        exp,
        nbf: now - 10,
        iat: now - 10,
        jti: uuid::Uuid::now_v7().to_string(),
        role: role.into(),
        sid: sid.clone(),
    };
    let key = EncodingKey::from_ed_pem(app.signing_key_pem.as_bytes()).unwrap();
    let sign = |c: &Claims| jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), c, &key).unwrap();

    // Control: a token we sign correctly is accepted, so the refusals below are real.
    assert_eq!(
        app.bearer(&sign(&claims("atelier-api", now + 600, "collector"))).get("/api/me").await.status,
        StatusCode::OK
    );

    let expired = sign(&claims("atelier-api", now - 120, "collector"));
    let wrong_audience = sign(&claims("another-api", now + 600, "collector"));
    let mut tampered = access.clone();
    let payload_start = tampered.find('.').unwrap() + 1;
    tampered.replace_range(payload_start..payload_start + 4, "eyJh");
    let elevated = {
        // Payload swapped for an admin claim, signature kept.
        let original: Vec<&str> = access.split('.').collect();
        let forged = sign(&claims("atelier-api", now + 600, "admin"));
        let forged_payload = forged.split('.').nth(1).unwrap();
        format!("{}.{}.{}", original[0], forged_payload, original[2])
    };
    let alg_none = {
        let header =
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, br#"{"alg":"none","typ":"JWT"}"#);
        let body = serde_json::to_vec(&claims("atelier-api", now + 600, "admin")).unwrap();
        let body = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, body);
        format!("{header}.{body}.")
    };
    let hmac = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims("atelier-api", now + 600, "admin"),
        &EncodingKey::from_secret(app.signing_key_pem.as_bytes()),
    )
    .unwrap();
    for (name, token) in [
        ("expired", expired),
        ("wrong audience", wrong_audience),
        ("tampered", tampered),
        ("elevated", elevated),
        ("alg none", alg_none),
        ("hmac", hmac),
        ("garbage", "not.a.token".to_owned()),
    ] {
        let response = app.bearer(&token).get("/api/me").await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{name} token was accepted");
        assert_problem(&response, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn jwks_publishes_the_key_that_verifies_tokens() {
    let app = spawn_app().await;
    let kid = app.collector("kid@example.com").await;
    let access = kid.access_token();
    let jwks = app.anonymous().get("/.well-known/jwks.json").await;
    assert_eq!(jwks.status, StatusCode::OK);
    let key = &jwks.body["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    let header = jsonwebtoken::decode_header(access).unwrap();
    assert_eq!(header.alg, Algorithm::EdDSA);
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    let decoding = jsonwebtoken::DecodingKey::from_ed_components(key["x"].as_str().unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(Algorithm::EdDSA);
    validation.set_audience(&["atelier-api"]);
    let data = jsonwebtoken::decode::<serde_json::Value>(access, &decoding, &validation).unwrap();
    for claim in ["iss", "aud", "sub", "exp", "nbf", "iat", "jti", "role"] {
        assert!(data.claims.get(claim).is_some(), "missing {claim}");
    }
    assert_eq!(data.claims["exp"].as_i64().unwrap() - data.claims["iat"].as_i64().unwrap(), 900);
}

/// Answers that may hold the caller's own data are kept by no cache, and no
/// answer may be sniffed into a type it does not declare.
#[tokio::test]
async fn personal_answers_are_not_stored_and_nothing_is_sniffed() {
    let app = spawn_app().await;
    let kim = app.collector("kim@example.com").await;
    for path in ["/api/me", "/api/me/saves", "/api/me/interactions"] {
        let response = kim.get(path).await;
        assert_eq!(response.status, StatusCode::OK, "{path}: {}", response.body);
        assert_eq!(response.header("cache-control"), Some("private, no-store"), "{path}");
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"), "{path}");
    }
    let refused = app.anonymous().get("/api/me").await;
    assert_eq!(refused.header("x-content-type-options"), Some("nosniff"));
    let public = app.anonymous().get("/api/artworks").await;
    assert_eq!(public.header("x-content-type-options"), Some("nosniff"));
}
