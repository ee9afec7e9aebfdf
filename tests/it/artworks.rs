use std::collections::HashSet;

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{assert_problem, field_errors, spawn_app};

#[tokio::test]
async fn an_artist_lists_edits_and_archives_a_work_with_versions() {
    let app = spawn_app().await;
    let token = app.artist("mara-lind").await;
    let created = app
        .artwork(&token, json!({"edition": {"kind": "limited", "size": 20, "available": 12}, "shipping_origin": "gb"}))
        .await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["artist"]["slug"], "mara-lind");
    assert_eq!(created["category"]["slug"], "painting");
    assert_eq!(created["styles"], json!(["impressionism"]));
    assert_eq!(created["tags"], json!(["boats", "sea"]));
    assert_eq!(created["edition"], json!({"kind": "limited", "size": 20, "available": 12}));
    assert_eq!(created["shipping_origin"], "GB");
    assert_eq!(created["version"], 1);
    assert!(created["published_at"].is_string());
    assert_eq!(created["completeness"], 80);

    let fetched = app.get(&format!("/api/artworks/{id}"), None).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.header("etag"), Some("\"1\""));
    let unchanged =
        app.call_with(Method::GET, &format!("/api/artworks/{id}"), None, None, &[("if-none-match", "\"1\"")]).await;
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);

    let edited = app
        .call_with(Method::PATCH, &format!("/api/artworks/{id}"), Some(&token), Some(json!({
            "price": {"amount_minor": 150000, "currency": "EUR"}, "provenance": "From the artist's studio", "year": null
        })), &[("if-match", "\"1\"")])
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.header("etag"), Some("\"2\""));
    assert_eq!(edited.body["price"], json!({"amount_minor": 150000, "currency": "EUR"}));
    assert_eq!(edited.body["year"], json!(null));
    assert_eq!(edited.body["title"], "Harbour at Dusk");

    let archived = app.call(Method::DELETE, &format!("/api/artworks/{id}"), Some(&token), None).await;
    assert_eq!(archived.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&format!("/api/artworks/{id}"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/artworks/{id}"), Some(&token)).await.body["status"], "archived");

    let versions = app.get(&format!("/api/artworks/{id}/versions"), Some(&token)).await;
    assert_eq!(versions.status, StatusCode::OK);
    let numbers: Vec<i64> = versions.body.as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [3, 2, 1]);
    assert_eq!(versions.body[2]["snapshot"]["price_minor"], 120000);
    assert_eq!(versions.body[1]["snapshot"]["currency"], "EUR");
    assert_eq!(versions.body[0]["snapshot"]["status"], "archived");

    let audit: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE entity_id = $1::uuid ORDER BY created_at")
            .bind(id)
            .fetch_all(&app.ctx.db)
            .await
            .unwrap();
    assert_eq!(audit, ["artwork.create", "artwork.update", "artwork.archive"]);
}

#[tokio::test]
async fn stale_or_missing_etags_are_refused() {
    let app = spawn_app().await;
    let token = app.artist("ines-roca").await;
    let created = app.artwork(&token, json!({})).await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/artworks/{id}");
    let first = app
        .call_with(Method::PATCH, &path, Some(&token), Some(json!({"title": "First edit"})), &[("if-match", "\"1\"")])
        .await;
    assert_eq!(first.status, StatusCode::OK);
    // A second editor still holding version 1 must not overwrite the first edit.
    let stale = app
        .call_with(Method::PATCH, &path, Some(&token), Some(json!({"title": "Second edit"})), &[("if-match", "\"1\"")])
        .await;
    assert_problem(&stale, StatusCode::PRECONDITION_FAILED);
    let missing = app.call(Method::PATCH, &path, Some(&token), Some(json!({"title": "Blind edit"}))).await;
    assert_problem(&missing, StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(app.get(&path, None).await.body["title"], "First edit");
}

#[tokio::test]
async fn every_write_checks_the_role_and_the_owner() {
    let app = spawn_app().await;
    let owner = app.artist("owner-artist").await;
    let rival = app.artist("rival-artist").await;
    let (collector, _, _) = app.register("col@example.com", "collector").await;
    let moderator = app.moderator("mod@example.com").await;
    let id = app.artwork(&owner, json!({})).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/artworks/{id}");
    let minimal = json!({"title": "T", "category": "painting", "edition": {"kind": "unique"}, "price": {"amount_minor": 1, "currency": "GBP"}});

    assert_problem(&app.post("/api/artworks", None, minimal.clone()).await, StatusCode::UNAUTHORIZED);
    assert_problem(&app.post("/api/artworks", Some(&collector), minimal.clone()).await, StatusCode::FORBIDDEN);
    assert_problem(&app.post("/api/artists", Some(&collector), json!({"slug": "sneaky"})).await, StatusCode::FORBIDDEN);
    let patch = |token: &str| {
        let token = token.to_owned();
        let path = path.clone();
        let app = &app;
        async move {
            app.call_with(Method::PATCH, &path, Some(&token), Some(json!({"title": "Mine now"})), &[("if-match", "*")])
                .await
        }
    };
    assert_problem(&patch(&rival).await, StatusCode::FORBIDDEN);
    assert_problem(&patch(&collector).await, StatusCode::FORBIDDEN);
    assert_problem(&app.call(Method::DELETE, &path, Some(&rival), None).await, StatusCode::FORBIDDEN);
    assert_problem(&app.get(&format!("{path}/versions"), Some(&rival)).await, StatusCode::FORBIDDEN);
    assert_problem(
        &app.call(Method::PATCH, "/api/artists/owner-artist", Some(&rival), Some(json!({"bio": "x"}))).await,
        StatusCode::FORBIDDEN,
    );
    assert_problem(
        &app.post("/api/categories", Some(&owner), json!({"slug": "textiles", "name": "Textiles"})).await,
        StatusCode::FORBIDDEN,
    );
    assert_problem(
        &app.post("/api/interactions", None, json!({"artwork_id": id, "kind": "like"})).await,
        StatusCode::UNAUTHORIZED,
    );

    // An owner cannot mark a work sold; a moderator can, and then the owner cannot edit it.
    let sold_by_owner =
        app.call_with(Method::PATCH, &path, Some(&owner), Some(json!({"status": "sold"})), &[("if-match", "*")]).await;
    assert_problem(&sold_by_owner, StatusCode::UNPROCESSABLE_ENTITY);
    let sold = app
        .call_with(Method::PATCH, &path, Some(&moderator), Some(json!({"status": "sold"})), &[("if-match", "*")])
        .await;
    assert_eq!(sold.status, StatusCode::OK, "{}", sold.body);
    assert_problem(&patch(&owner).await, StatusCode::CONFLICT);
}

#[tokio::test]
async fn invalid_artworks_get_field_errors() {
    let app = spawn_app().await;
    let token = app.artist("val-idator").await;
    let response = app
        .post(
            "/api/artworks",
            Some(&token),
            json!({
                "title": "",
                "category": "no-such-category",
                "year": 3000,
                "dimensions": {"height_mm": 0, "width_mm": 10},
                "edition": {"kind": "limited", "size": 5, "available": 9},
                "price": {"amount_minor": 100, "currency": "ZZZ"},
                "shipping_origin": "Britain",
                "tags": ["ok", "!!!"]
            }),
        )
        .await;
    assert_problem(&response, StatusCode::UNPROCESSABLE_ENTITY);
    // Compound values name the part at fault, so a form can mark that input.
    assert_eq!(
        field_errors(&response),
        ["title", "tags", "year", "dimensions.height_mm", "edition.available", "price.currency", "shipping_origin"]
    );

    let unknown_category = app.post("/api/artworks", Some(&token), json!({
        "title": "T", "category": "no-such-category", "edition": {"kind": "unique"}, "price": {"amount_minor": 100, "currency": "GBP"}
    })).await;
    assert_problem(&unknown_category, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&unknown_category), ["category"]);

    let dup_ref = json!({"external_ref": "tate:N05005"});
    app.artwork(&token, dup_ref.clone()).await;
    let body = json!({"title": "T", "category": "painting", "edition": {"kind": "unique"},
        "price": {"amount_minor": 100, "currency": "GBP"}, "external_ref": "tate:N05005"});
    assert_problem(&app.post("/api/artworks", Some(&token), body).await, StatusCode::CONFLICT);
}

#[tokio::test]
async fn drafts_are_private_to_their_artist() {
    let app = spawn_app().await;
    let owner = app.artist("draft-owner").await;
    let other = app.artist("draft-other").await;
    let draft = app.artwork(&owner, json!({"status": "draft", "title": "Secret"})).await;
    let id = draft["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/api/artworks/{id}"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/artworks/{id}"), Some(&other)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/artworks/{id}"), Some(&owner)).await.status, StatusCode::OK);
    assert_eq!(app.get("/api/artworks", None).await.body["items"], json!([]));
    let own_drafts = app.get("/api/artworks?status=draft", Some(&owner)).await;
    assert_eq!(own_drafts.body["items"][0]["id"], id);
    assert_eq!(app.get("/api/artworks?status=draft", Some(&other)).await.body["items"], json!([]));
    assert_problem(&app.get("/api/artworks?status=draft", None).await, StatusCode::UNAUTHORIZED);
    assert_problem(
        &app.get("/api/artworks?status=draft&artist=draft-owner", Some(&other)).await,
        StatusCode::FORBIDDEN,
    );
}

#[tokio::test]
async fn filters_hold_on_every_result() {
    let app = spawn_app().await;
    let a = app.artist("filter-a").await;
    let b = app.artist("filter-b").await;
    app.artwork(
        &a,
        json!({"title": "Cheap print", "category": "print", "price": {"amount_minor": 5000, "currency": "GBP"},
        "edition": {"kind": "open"}, "styles": ["Pop Art"], "tags": ["city"], "year": 1990}),
    )
    .await;
    app.artwork(
        &a,
        json!({"title": "Mid painting", "price": {"amount_minor": 90000, "currency": "GBP"}, "year": 2001}),
    )
    .await;
    app.artwork(&b, json!({"title": "Dear painting", "price": {"amount_minor": 900000, "currency": "GBP"}, "year": 2020, "tags": ["city"]})).await;

    let titles = |path: String| {
        let app = &app;
        async move {
            let response = app.get(&path, None).await;
            assert_eq!(response.status, StatusCode::OK, "{path}: {}", response.body);
            let mut titles: Vec<String> = response.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["title"].as_str().unwrap().to_owned())
                .collect();
            titles.sort();
            titles
        }
    };
    assert_eq!(titles("/api/artworks?category=works-on-paper".into()).await, ["Cheap print"]);
    assert_eq!(titles("/api/artworks?category=painting".into()).await, ["Dear painting", "Mid painting"]);
    assert_eq!(titles("/api/artworks?style=pop-art".into()).await, ["Cheap print"]);
    assert_eq!(titles("/api/artworks?tag=City".into()).await, ["Cheap print", "Dear painting"]);
    assert_eq!(titles("/api/artworks?artist=filter-b".into()).await, ["Dear painting"]);
    assert_eq!(titles("/api/artworks?min_price=10000&max_price=100000".into()).await, ["Mid painting"]);
    assert_eq!(titles("/api/artworks?year_from=2000&year_to=2010".into()).await, ["Mid painting"]);
    assert_eq!(titles("/api/artists/filter-a/artworks?max_price=6000".into()).await, ["Cheap print"]);

    let by_price = app.get("/api/artworks?sort=price_desc", None).await;
    let prices: Vec<i64> = by_price.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["price"]["amount_minor"].as_i64().unwrap())
        .collect();
    assert_eq!(prices, [900000, 90000, 5000]);
    assert_problem(&app.get("/api/artworks?category=nope", None).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&app.get("/api/artworks?min_price=10&max_price=5", None).await, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn pagination_is_stable_under_concurrent_inserts() {
    let app = spawn_app().await;
    let token = app.artist("page-turner").await;
    let mut original = HashSet::new();
    for n in 0..23 {
        let price = 1000 + (n * 7919) % 50_000;
        let created = app
            .artwork(&token, json!({"title": format!("Work {n}"), "price": {"amount_minor": price, "currency": "GBP"}}))
            .await;
        original.insert(created["id"].as_str().unwrap().to_owned());
    }
    for sort in ["newest", "price_asc", "price_desc"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut inserted = 0;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/artworks?limit=5&sort={sort}&cursor={c}"),
                None => format!("/api/artworks?limit=5&sort={sort}"),
            };
            let page = app.get(&path, None).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            seen.extend(page.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()));
            // New works arrive while the collector is paging.
            app.artwork(&token, json!({"title": format!("Late {sort} {inserted}"), "price": {"amount_minor": 25_000, "currency": "GBP"}})).await;
            inserted += 1;
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        let unique: HashSet<_> = seen.iter().cloned().collect();
        assert_eq!(unique.len(), seen.len(), "{sort}: an artwork appeared twice");
        assert!(original.is_subset(&unique), "{sort}: an artwork was skipped");
        if sort == "newest" {
            assert_eq!(unique, original, "newest-first pages must not pick up works listed after the first page");
        }
    }
    let wrong_sort_cursor = {
        let first = app.get("/api/artworks?limit=1&sort=newest", None).await;
        first.body["next_cursor"].as_str().unwrap().to_owned()
    };
    assert_problem(
        &app.get(&format!("/api/artworks?sort=price_asc&cursor={wrong_sort_cursor}"), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_problem(&app.get("/api/artworks?cursor=garbage!", None).await, StatusCode::UNPROCESSABLE_ENTITY);
}
