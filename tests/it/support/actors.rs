//! The people a journey is about: an anonymous visitor, a signed-in account
//! (collector, moderator) and an artist with a profile. Each holds its
//! [`TestApp`] and its access token, and sends the bearer with every request,
//! so a test reads as who does what: `artist.post("/api/artworks", body)`.
//!
//! [`TestApp::bearer`] and [`TestApp::send`] are the escape hatches for
//! requests no honest client sends: forged or foreign tokens, raw bodies.

use std::ops::Deref;

use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    app::{TestApp, TestResponse},
    views::{ArtistView, ArtworkView, SessionView, refresh_cookie},
};

/// The password every test account signs up with.
pub const PASSWORD: &str = "violet-harbour-mosaic-42";

/// Someone calling the API: anonymous, or holding a bearer token. Extra
/// headers added with [`Caller::with_header`] go on every request it sends.
#[derive(Clone)]
pub struct Caller<'a> {
    pub app: &'a TestApp,
    token: Option<String>,
    headers: Vec<(String, String)>,
}

impl<'a> Caller<'a> {
    /// The access token sent as `Authorization: Bearer`, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The same caller, sending `name: value` as well.
    pub fn with_header(&self, name: &str, value: &str) -> Caller<'a> {
        let mut caller = self.clone();
        caller.headers.push((name.to_owned(), value.to_owned()));
        caller
    }

    /// Sends `method path` with the caller's bearer and headers and, when
    /// given, `body` as JSON.
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = &self.token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        let request = match body {
            Some(body) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(serde_json::to_vec(&body).unwrap()))
                .unwrap(),
            None => builder.body(Body::empty()).unwrap(),
        };
        self.app.send(request).await
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> TestResponse {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> TestResponse {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> TestResponse {
        self.send(Method::PUT, path, Some(body)).await
    }

    /// A PUT without a body, as for following an artist.
    pub async fn put_empty(&self, path: &str) -> TestResponse {
        self.send(Method::PUT, path, None).await
    }

    pub async fn delete(&self, path: &str) -> TestResponse {
        self.send(Method::DELETE, path, None).await
    }
}

/// A registered account, signed in: a collector, or a moderator.
#[derive(Clone)]
pub struct User<'a> {
    caller: Caller<'a>,
    pub id: Uuid,
    /// The refresh token of the session the account signed in with.
    pub refresh_token: String,
}

impl<'a> User<'a> {
    pub fn access_token(&self) -> &str {
        self.caller.token().expect("a signed-in account has a token")
    }

    /// From a sign-up or sign-in answer, as a browser keeps it: the refresh
    /// token comes from the cookie.
    fn signed_in(app: &'a TestApp, response: &TestResponse) -> Self {
        let session: SessionView = response.json();
        User {
            caller: app.bearer(&session.access_token),
            id: session.user.id.parse().expect("a user id is a UUID"),
            refresh_token: refresh_cookie(response).expect("a browser session sets the refresh cookie"),
        }
    }
}

impl<'a> Deref for User<'a> {
    type Target = Caller<'a>;

    fn deref(&self) -> &Caller<'a> {
        &self.caller
    }
}

/// An artist account with a profile.
#[derive(Clone)]
pub struct Artist<'a> {
    user: User<'a>,
    pub artist_id: String,
    pub slug: String,
}

impl<'a> Deref for Artist<'a> {
    type Target = User<'a>;

    fn deref(&self) -> &User<'a> {
        &self.user
    }
}

impl Artist<'_> {
    /// Lists an artwork: the default harbour painting, published, with
    /// `overrides` replacing its top-level fields.
    pub async fn artwork(&self, overrides: Value) -> ArtworkView {
        let mut body = json!({
            "title": "Harbour at Dusk",
            "description": "Oil study of fishing boats returning at dusk, painted from the harbour wall.",
            "medium": "Oil on linen",
            "category": "painting",
            "styles": ["Impressionism"],
            "tags": ["sea", "boats"],
            "year": 2024,
            "dimensions": {"height_mm": 400, "width_mm": 500},
            "edition": {"kind": "unique"},
            "price": {"amount_minor": 120000, "currency": "GBP"},
            "status": "published"
        });
        for (key, value) in overrides.as_object().unwrap() {
            body[key] = value.clone();
        }
        let response = self.post("/api/artworks", body).await;
        assert_eq!(response.status, StatusCode::CREATED, "{} listing: {}", self.slug, response.body);
        let work: ArtworkView = response.json();
        assert_eq!(work.artist.id, self.artist_id, "listed under the artist's own profile");
        work
    }
}

impl TestApp {
    /// A visitor who has not signed in.
    pub fn anonymous(&self) -> Caller<'_> {
        Caller { app: self, token: None, headers: Vec::new() }
    }

    /// A caller presenting `token`, whatever it is: a forged or expired
    /// token, another service's secret, a token from an earlier session.
    pub fn bearer(&self, token: &str) -> Caller<'_> {
        Caller { app: self, token: Some(token.to_owned()), headers: Vec::new() }
    }

    /// Registers an account with `role`, signs it in, and confirms its
    /// address with the link mailed to it, as its owner would.
    pub async fn register(&self, email: &str, role: &str) -> User<'_> {
        let user = self.register_unverified(email, role).await;
        let token = self.mailed_token(email, "/verify-email/").await;
        let verified = self.anonymous().post("/api/auth/email-verification", json!({"token": token})).await;
        assert_eq!(verified.status, StatusCode::NO_CONTENT, "{}", verified.body);
        user
    }

    /// Registers an account with `role` and signs it in, leaving its
    /// address unconfirmed.
    pub async fn register_unverified(&self, email: &str, role: &str) -> User<'_> {
        let response = self
            .anonymous()
            .post(
                "/api/auth/register",
                json!({"email": email, "password": PASSWORD, "display_name": "Test Person", "role": role}),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
        User::signed_in(self, &response)
    }

    /// Sends the mail waiting in the queue, as the worker's `mail.send` jobs
    /// would, without running any other job.
    pub async fn deliver_mail(&self) {
        let waiting: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM mail_messages WHERE state = 'queued' ORDER BY id")
            .fetch_all(&self.ctx.db)
            .await
            .unwrap();
        for id in waiting {
            atelier::mail::send(&self.ctx, id).await.unwrap();
        }
    }

    /// What the development mailbox received for `to`, newest first, once
    /// the waiting mail is delivered.
    pub async fn mailbox(&self, to: &str) -> Vec<Value> {
        self.deliver_mail().await;
        let to = percent_encoding::utf8_percent_encode(to, percent_encoding::NON_ALPHANUMERIC);
        let response = self.anonymous().get(&format!("/api/dev/mail?to={to}")).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        response.body.as_array().expect("the mailbox is a list").clone()
    }

    /// The token of the newest link to the site's `page` mailed to `to`.
    pub async fn mailed_token(&self, to: &str, page: &str) -> String {
        let mail = self.mailbox(to).await;
        let marker = format!("{page}?token=");
        mail.iter()
            .filter_map(|message| message["text_body"].as_str())
            .find_map(|text| {
                let start = text.find(&marker)? + marker.len();
                Some(text[start..].split_whitespace().next().unwrap_or_default().to_owned())
            })
            .unwrap_or_else(|| panic!("no link to {page} was mailed to {to}: {mail:?}"))
    }

    /// A collector, signed in.
    pub async fn collector(&self, email: &str) -> User<'_> {
        self.register(email, "collector").await
    }

    /// An artist account (`{slug}@example.com`) with a profile at `slug`.
    pub async fn artist(&self, slug: &str) -> Artist<'_> {
        let user = self.register(&format!("{slug}@example.com"), "artist").await;
        let response = user.post("/api/artists", json!({"slug": slug, "bio": "Paints the sea."})).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
        let profile: ArtistView = response.json();
        Artist { user, artist_id: profile.id, slug: profile.slug }
    }

    /// A moderator: registered as a collector, promoted the way an admin
    /// would in the database, then signed in again to carry the new role.
    pub async fn moderator(&self, email: &str) -> User<'_> {
        let registered = self.register(email, "collector").await;
        sqlx::query("UPDATE users SET role = 'moderator' WHERE id = $1")
            .bind(registered.id)
            .execute(&self.ctx.db)
            .await
            .unwrap();
        let response = self.anonymous().post("/api/auth/login", json!({"email": email, "password": PASSWORD})).await;
        User::signed_in(self, &response)
    }
}
