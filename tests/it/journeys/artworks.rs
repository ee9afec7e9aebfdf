use std::collections::HashSet;

use axum::http::StatusCode;
use serde_json::json;

use crate::support::{ArtworkView, Caller, Page, TestResponse, assert_problem, field_errors, spawn_app};

#[tokio::test]
async fn an_artist_lists_edits_and_archives_a_work_with_versions() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let mara = app.artist("mara-lind").await;
    let created = mara
        .artwork(json!({"edition": {"kind": "limited", "size": 20, "available": 12}, "shipping_origin": "gb"}))
        .await;
    let id = &created.id;
    assert_eq!(created.artist.slug, "mara-lind");
    assert_eq!(created.category.slug, "painting");
    assert_eq!(created.styles, ["impressionism"]);
    assert_eq!(created.tags, ["boats", "sea"]);
    assert_eq!(created.edition, json!({"kind": "limited", "size": 20, "available": 12}));
    assert_eq!(created.shipping_origin.as_deref(), Some("GB"));
    assert_eq!(created.version, 1);
    assert!(created.published_at.is_some());
    assert_eq!(created.completeness, 80);

    let fetched = anon.get(&format!("/api/artworks/{id}")).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.header("etag"), Some("\"1\""));
    let unchanged = anon.with_header("if-none-match", "\"1\"").get(&format!("/api/artworks/{id}")).await;
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);

    let edited = mara
        .with_header("if-match", "\"1\"")
        .patch(&format!("/api/artworks/{id}"), json!({
            "price": {"amount_minor": 150000, "currency": "EUR"}, "provenance": "From the artist's studio", "year": null
        }))
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.header("etag"), Some("\"2\""));
    assert_eq!(edited.body["price"], json!({"amount_minor": 150000, "currency": "EUR"}));
    assert_eq!(edited.body["year"], json!(null));
    assert_eq!(edited.json::<ArtworkView>().title, "Harbour at Dusk");

    let archived = mara.delete(&format!("/api/artworks/{id}")).await;
    assert_eq!(archived.status, StatusCode::NO_CONTENT);
    assert_eq!(anon.get(&format!("/api/artworks/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(mara.get(&format!("/api/artworks/{id}")).await.json::<ArtworkView>().status, "archived");

    let versions = mara.get(&format!("/api/artworks/{id}/versions")).await;
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
    let ines = app.artist("ines-roca").await;
    let created = ines.artwork(json!({})).await;
    let path = format!("/api/artworks/{}", created.id);
    let first = ines.with_header("if-match", "\"1\"").patch(&path, json!({"title": "First edit"})).await;
    assert_eq!(first.status, StatusCode::OK);
    // A second editor still holding version 1 must not overwrite the first edit.
    let stale = ines.with_header("if-match", "\"1\"").patch(&path, json!({"title": "Second edit"})).await;
    assert_problem(&stale, StatusCode::PRECONDITION_FAILED);
    let missing = ines.patch(&path, json!({"title": "Blind edit"})).await;
    assert_problem(&missing, StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(app.anonymous().get(&path).await.json::<ArtworkView>().title, "First edit");
}

#[tokio::test]
async fn every_write_checks_the_role_and_the_owner() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let owner = app.artist("owner-artist").await;
    let rival = app.artist("rival-artist").await;
    let collector = app.collector("col@example.com").await;
    let moderator = app.moderator("mod@example.com").await;
    let id = owner.artwork(json!({})).await.id;
    let path = format!("/api/artworks/{id}");
    let minimal = json!({"title": "T", "category": "painting", "edition": {"kind": "unique"}, "price": {"amount_minor": 1, "currency": "GBP"}});

    assert_problem(&anon.post("/api/artworks", minimal.clone()).await, StatusCode::UNAUTHORIZED);
    assert_problem(&collector.post("/api/artworks", minimal.clone()).await, StatusCode::FORBIDDEN);
    assert_problem(&collector.post("/api/artists", json!({"slug": "sneaky"})).await, StatusCode::FORBIDDEN);
    async fn retitle(who: &Caller<'_>, path: &str) -> TestResponse {
        who.with_header("if-match", "*").patch(path, json!({"title": "Mine now"})).await
    }
    assert_problem(&retitle(&rival, &path).await, StatusCode::FORBIDDEN);
    assert_problem(&retitle(&collector, &path).await, StatusCode::FORBIDDEN);
    assert_problem(&rival.delete(&path).await, StatusCode::FORBIDDEN);
    assert_problem(&rival.get(&format!("{path}/versions")).await, StatusCode::FORBIDDEN);
    assert_problem(&rival.patch("/api/artists/owner-artist", json!({"bio": "x"})).await, StatusCode::FORBIDDEN);
    assert_problem(
        &owner.post("/api/categories", json!({"slug": "textiles", "name": "Textiles"})).await,
        StatusCode::FORBIDDEN,
    );
    assert_problem(
        &anon.post("/api/interactions", json!({"artwork_id": id, "kind": "like"})).await,
        StatusCode::UNAUTHORIZED,
    );

    // An owner cannot mark a work sold; a moderator can, and then the owner cannot edit it.
    let sold_by_owner = owner.with_header("if-match", "*").patch(&path, json!({"status": "sold"})).await;
    assert_problem(&sold_by_owner, StatusCode::UNPROCESSABLE_ENTITY);
    let sold = moderator.with_header("if-match", "*").patch(&path, json!({"status": "sold"})).await;
    assert_eq!(sold.status, StatusCode::OK, "{}", sold.body);
    assert_problem(&retitle(&owner, &path).await, StatusCode::CONFLICT);
}

#[tokio::test]
async fn invalid_artworks_get_field_errors() {
    let app = spawn_app().await;
    let artist = app.artist("val-idator").await;
    let response = artist
        .post(
            "/api/artworks",
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

    let unknown_category = artist.post("/api/artworks", json!({
        "title": "T", "category": "no-such-category", "edition": {"kind": "unique"}, "price": {"amount_minor": 100, "currency": "GBP"}
    })).await;
    assert_problem(&unknown_category, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&unknown_category), ["category"]);

    let dup_ref = json!({"external_ref": "tate:N05005"});
    artist.artwork(dup_ref.clone()).await;
    let body = json!({"title": "T", "category": "painting", "edition": {"kind": "unique"},
        "price": {"amount_minor": 100, "currency": "GBP"}, "external_ref": "tate:N05005"});
    assert_problem(&artist.post("/api/artworks", body).await, StatusCode::CONFLICT);
}

#[tokio::test]
async fn drafts_are_private_to_their_artist() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let owner = app.artist("draft-owner").await;
    let other = app.artist("draft-other").await;
    let draft = owner.artwork(json!({"status": "draft", "title": "Secret"})).await;
    let id = &draft.id;
    assert_eq!(anon.get(&format!("/api/artworks/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&format!("/api/artworks/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(owner.get(&format!("/api/artworks/{id}")).await.status, StatusCode::OK);
    assert_eq!(anon.get("/api/artworks").await.body["items"], json!([]));
    let own_drafts = owner.get("/api/artworks?status=draft").await;
    assert_eq!(own_drafts.body["items"][0]["id"], id.as_str());
    assert_eq!(other.get("/api/artworks?status=draft").await.body["items"], json!([]));
    assert_problem(&anon.get("/api/artworks?status=draft").await, StatusCode::UNAUTHORIZED);
    assert_problem(&other.get("/api/artworks?status=draft&artist=draft-owner").await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn filters_hold_on_every_result() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let a = app.artist("filter-a").await;
    let b = app.artist("filter-b").await;
    a.artwork(json!({"title": "Cheap print", "category": "print", "price": {"amount_minor": 5000, "currency": "GBP"},
        "edition": {"kind": "open"}, "styles": ["Pop Art"], "tags": ["city"], "year": 1990}))
        .await;
    a.artwork(json!({"title": "Mid painting", "price": {"amount_minor": 90000, "currency": "GBP"}, "year": 2001}))
        .await;
    b.artwork(json!({"title": "Dear painting", "price": {"amount_minor": 900000, "currency": "GBP"}, "year": 2020, "tags": ["city"]})).await;

    let titles = |path: String| {
        let anon = &anon;
        async move {
            let response = anon.get(&path).await;
            assert_eq!(response.status, StatusCode::OK, "{path}: {}", response.body);
            let mut titles: Vec<String> =
                response.json::<Page<ArtworkView>>().items.into_iter().map(|work| work.title).collect();
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

    let by_price: Page<ArtworkView> = anon.get("/api/artworks?sort=price_desc").await.json();
    let prices: Vec<i64> = by_price.items.iter().map(|work| work.price.amount_minor).collect();
    assert_eq!(prices, [900000, 90000, 5000]);
    assert_problem(&anon.get("/api/artworks?category=nope").await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&anon.get("/api/artworks?min_price=10&max_price=5").await, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn pagination_is_stable_under_concurrent_inserts() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let artist = app.artist("page-turner").await;
    let mut original = HashSet::new();
    for n in 0..23 {
        let price = 1000 + (n * 7919) % 50_000;
        let created = artist
            .artwork(json!({"title": format!("Work {n}"), "price": {"amount_minor": price, "currency": "GBP"}}))
            .await;
        original.insert(created.id);
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
            let page = anon.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            let page: Page<ArtworkView> = page.json();
            seen.extend(page.items.into_iter().map(|work| work.id));
            // New works arrive while the collector is paging.
            artist.artwork(json!({"title": format!("Late {sort} {inserted}"), "price": {"amount_minor": 25_000, "currency": "GBP"}})).await;
            inserted += 1;
            match page.next_cursor {
                Some(next) => cursor = Some(next),
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
    // A cursor is a point in the catalogue, a price and an id, which every
    // ordering can continue from.
    let newest_first_cursor = {
        let first: Page<ArtworkView> = anon.get("/api/artworks?limit=1&sort=newest").await.json();
        first.next_cursor.unwrap()
    };
    let resorted = anon.get(&format!("/api/artworks?sort=price_asc&cursor={newest_first_cursor}")).await;
    assert_eq!(resorted.status, StatusCode::OK, "{}", resorted.body);
    assert_problem(&anon.get("/api/artworks?cursor=garbage!").await, StatusCode::UNPROCESSABLE_ENTITY);
}
