//! Discovery on the real text model: the embedding job, hybrid search and
//! recommendations over a spread of the Tate catalogue.

use axum::http::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    journeys::seed::CatalogSample,
    support::{Caller, TestApp, assert_problem, field_errors, spawn_app},
};

/// 214 Tate records (every 40th), seeded and embedded.
async fn indexed_catalogue() -> TestApp {
    indexed_catalogue_with(&[]).await
}

async fn indexed_catalogue_with(settings: &[(&str, &str)]) -> TestApp {
    let app = crate::support::spawn_app_with(settings).await;
    let sample = CatalogSample::every(40);
    atelier::catalog::seed::seed_tate(&app.ctx.db, &sample.0).await.unwrap();
    let embedder = app.ctx.discovery.embedder().await.unwrap();
    let report = atelier::search::indexing::reindex_all(
        &app.ctx,
        embedder.as_ref(),
        app.ctx.discovery.vectors.as_ref(),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(report.embedded, 214);
    app
}

fn titles(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect()
}

async fn tate_subjects(app: &TestApp, id: &str) -> Vec<String> {
    let artwork = app.anonymous().get(&format!("/api/artworks/{id}")).await;
    artwork.body["tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_lowercase()).collect()
}

#[tokio::test]
async fn paraphrases_find_works_by_meaning_and_hybrid_keeps_both_sides() {
    let app = indexed_catalogue().await;
    let anon = app.anonymous();

    let semantic = anon.get("/api/search?q=ships%20on%20the%20ocean&mode=semantic&limit=10").await;
    assert_eq!(semantic.status, StatusCode::OK, "{}", semantic.body);
    let mut about_the_sea = 0;
    for item in semantic.body["items"].as_array().unwrap() {
        assert_eq!(item["matched"], json!(["semantic"]));
        let subjects = tate_subjects(&app, item["id"].as_str().unwrap()).await;
        about_the_sea +=
            usize::from(subjects.iter().any(|s| ["sea", "ship", "boat", "coast", "shipwreck"].contains(&s.as_str())));
    }
    assert!(about_the_sea >= 4, "only {about_the_sea} of {:?} are about the sea", titles(&semantic.body));

    let hybrid = anon.get("/api/search?q=ships%20on%20the%20ocean&limit=50").await;
    assert_eq!(hybrid.body["mode"], "hybrid");
    let sides: Vec<&Value> = hybrid.body["items"].as_array().unwrap().iter().map(|i| &i["matched"]).collect();
    assert!(sides.iter().any(|m| m.as_array().unwrap().len() == 2), "some results are found by both sides: {sides:?}");
    assert!(hybrid.body["total"].as_u64().unwrap() >= 10);
    let facets = &hybrid.body["facets"];
    let facet_total: i64 = facets["categories"].as_array().unwrap().iter().map(|c| c["count"].as_i64().unwrap()).sum();
    assert_eq!(facet_total, hybrid.body["total"].as_i64().unwrap(), "facets count the whole result set");
    assert_eq!(facets["prices"].as_array().unwrap().len(), 4);

    // Filters narrow both sides.
    let prints = anon.get("/api/search?q=ships%20on%20the%20ocean&category=print&limit=50").await;
    assert!(!prints.body["items"].as_array().unwrap().is_empty());
    assert!(prints.body["items"].as_array().unwrap().iter().all(|i| i["category"] == "print"), "{}", prints.body);
    let cheap = anon.get("/api/search?q=portrait&max_price=100000&limit=50").await;
    assert!(
        cheap.body["items"].as_array().unwrap().iter().all(|i| i["price"]["amount_minor"].as_i64().unwrap() <= 100_000)
    );

    // Pages follow the fused ranking without repeats.
    let first = anon.get("/api/search?q=landscape%20with%20trees&limit=5").await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = anon.get(&format!("/api/search?q=landscape%20with%20trees&limit=5&cursor={cursor}")).await;
    let (a, b) = (titles(&first.body), titles(&second.body));
    assert_eq!(b.len(), 5);
    assert!(a.iter().all(|t| !b.contains(t) || a.iter().filter(|x| *x == t).count() > 1), "{a:?} / {b:?}");

    let (logged,): (i64,) = sqlx::query_as("SELECT count(*) FROM search_queries").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(logged, 6);
}

#[tokio::test]
async fn keyword_search_weighs_titles_and_forgives_typos() {
    let app = indexed_catalogue().await;
    let anon = app.anonymous();
    let exact = anon.get("/api/search?q=Constable&mode=keyword").await;
    let artists: Vec<&str> =
        exact.body["items"].as_array().unwrap().iter().map(|i| i["artist"]["name"].as_str().unwrap()).collect();
    assert!(artists.iter().take(2).all(|a| a.contains("Constable")), "{artists:?}");
    let typo = anon.get("/api/search?q=Constabel&mode=keyword").await;
    let artists: Vec<&str> =
        typo.body["items"].as_array().unwrap().iter().map(|i| i["artist"]["name"].as_str().unwrap()).collect();
    assert!(
        artists.first().is_some_and(|a| a.contains("Constable")),
        "a misspelt name still finds the artist: {artists:?}"
    );
    let hostile = anon.get("/api/search?q=%27%20%7C%20%21%26%20%3A*%20%28&mode=keyword").await;
    assert_eq!(hostile.status, StatusCode::OK, "tsquery syntax in the query is just text: {}", hostile.body);
}

#[tokio::test]
async fn bad_search_parameters_are_named() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let empty = anon.get("/api/search?q=%20").await;
    assert_problem(&empty, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&empty), ["q"]);
    assert_eq!(field_errors(&anon.get("/api/search?q=sea&limit=0").await), ["limit"]);
    assert_eq!(field_errors(&anon.get("/api/search?q=sea&cursor=nonsense").await), ["cursor"]);
    assert_eq!(field_errors(&anon.get("/api/search?q=sea&category=no-such-thing").await), ["category"]);
    assert_problem(&anon.get("/api/search?q=sea&mode=telepathic").await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&anon.get("/api/search").await, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_embedding_job_follows_every_change_of_an_artwork() {
    let app = spawn_app().await;
    let artist = app.artist("embedded-painter").await;
    let artwork = artist.artwork(json!({"title": "Fishing boats at dawn"})).await;
    let id: Uuid = artwork.id.parse().unwrap();
    let ran = app.run_jobs().await;
    assert!(ran.iter().any(|(kind, payload)| kind == "embed.artwork" && payload["artwork_id"] == artwork.id.as_str()));
    let vectors = app.ctx.discovery.vectors.clone();
    let first = vectors.vectors(&[id]).await.unwrap().remove(&id).expect("the new artwork is indexed");
    let hash = |app: &TestApp| {
        let db = app.ctx.db.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT content_hash FROM artwork_embeddings WHERE artwork_id = $1")
                .bind(id)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    let first_hash = hash(&app).await;

    // A price change leaves the text alone: the vector stays, the filter payload follows.
    let path = format!("/api/artworks/{id}");
    artist.with_header("if-match", "*").patch(&path, json!({"price": {"amount_minor": 5000, "currency": "GBP"}})).await;
    app.run_jobs().await;
    assert_eq!(hash(&app).await, first_hash);
    let cheap = atelier::platform::vectors::VectorFilter { max_price: Some(5000), ..Default::default() };
    assert_eq!(vectors.search(&first, &cheap, 5).await.unwrap()[0].id, id);

    // A new title is new text: a new vector.
    artist.with_header("if-match", "*").patch(&path, json!({"title": "Cathedral in the snow"})).await;
    app.run_jobs().await;
    assert_ne!(hash(&app).await, first_hash);
    let second = vectors.vectors(&[id]).await.unwrap().remove(&id).unwrap();
    assert!(atelier::platform::vectors::dot(&first, &second) < 0.9);

    // Archiving takes it out of the index.
    artist.delete(&path).await;
    app.run_jobs().await;
    assert!(vectors.vectors(&[id]).await.unwrap().is_empty());
}

#[tokio::test]
async fn recommendations_start_from_preferences_then_follow_taste_and_forget_on_request() {
    let app = indexed_catalogue().await;
    let collector = app.collector("taste@example.com").await;

    let prefs = collector
        .put("/api/me/preferences", json!({"categories": ["print"], "styles": [], "max_price": 2000000}))
        .await;
    assert_eq!(prefs.status, StatusCode::OK, "{}", prefs.body);
    assert_eq!(
        field_errors(&collector.put("/api/me/preferences", json!({"categories": ["nope"]})).await),
        ["categories"]
    );
    let cold = collector.get("/api/me/recommendations").await;
    assert_eq!(cold.status, StatusCode::OK, "{}", cold.body);
    assert_eq!(cold.body["source"], "cold_start");
    let items = cold.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    assert!(items.iter().all(|i| i["category"] == "print"), "{}", cold.body);
    assert!(items[0]["reason"].as_str().unwrap().contains("print"));

    // The collector saves two sea pictures: recommendations turn towards the sea
    // and say why; saved works are not recommended back.
    let sea = app.anonymous().get("/api/search?q=ships%20at%20sea&mode=keyword&limit=2").await;
    let saved: Vec<String> =
        sea.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
    for id in &saved {
        let r = collector.post("/api/interactions", json!({"artwork_id": id, "kind": "save"})).await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let warm = collector.get("/api/me/recommendations?limit=10").await;
    assert_eq!(warm.body["source"], "taste");
    let items = warm.body["items"].as_array().unwrap();
    assert!(items.iter().all(|i| !saved.contains(&i["id"].as_str().unwrap().to_owned())));
    assert!(items[0]["reason"].as_str().unwrap().starts_with("Because you saved"), "{}", items[0]);
    let mut per_artist = std::collections::HashMap::new();
    for item in items {
        *per_artist.entry(item["artist"]["id"].as_str().unwrap().to_owned()).or_insert(0) += 1;
    }
    assert!(per_artist.values().all(|n| *n <= 2), "{per_artist:?}");
    assert_ne!(titles(&warm.body), titles(&cold.body));

    let memory = collector.get("/api/me/interactions").await;
    assert_eq!(memory.body.as_array().unwrap().len(), 2);
    assert_eq!(collector.delete("/api/me/interactions").await.status, StatusCode::NO_CONTENT);
    assert!(collector.get("/api/me/interactions").await.body.as_array().unwrap().is_empty());
    let forgotten = collector.get("/api/me/recommendations").await;
    assert_eq!(forgotten.body["source"], "cold_start");
    assert_problem(&app.anonymous().get("/api/me/recommendations").await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn feed_pages_never_repeat_and_blend_for_signed_in_collectors() {
    let app = indexed_catalogue_with(&[("CRON_SECRET", "s3cret-cron-token")]).await;
    let anon = app.anonymous();
    assert_problem(&anon.get("/api/cron/curate").await, StatusCode::UNAUTHORIZED);
    let wrong = app.bearer("nope").get("/api/cron/curate").await;
    assert_problem(&wrong, StatusCode::UNAUTHORIZED);
    let run = app.bearer("s3cret-cron-token").get("/api/cron/curate").await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.body);
    assert_eq!(run.body["works"], 214);

    async fn all_pages(reader: &Caller<'_>) -> Vec<Value> {
        let mut items = Vec::new();
        let mut path = "/api/feed".to_owned();
        loop {
            let page = reader.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            items.extend(page.body["items"].as_array().unwrap().iter().cloned());
            match page.body["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/feed?cursor={cursor}"),
                None => return items,
            }
        }
    }
    let visitor = all_pages(&anon).await;
    assert_eq!(visitor.len(), 214);
    let ids: std::collections::HashSet<&str> = visitor.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), visitor.len(), "no work repeats across pages");
    let first_page_artists: std::collections::HashSet<&str> =
        visitor[..24].iter().map(|i| i["artist"]["id"].as_str().unwrap()).collect();
    assert_eq!(first_page_artists.len(), 24, "one work per artist on a page");

    let collector = app.collector("feed@example.com").await;
    let liked = &visitor[5];
    collector.post("/api/interactions", json!({"artwork_id": liked["id"], "kind": "like"})).await;
    let blended = all_pages(&collector).await;
    let ids: std::collections::HashSet<&str> = blended.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), blended.len(), "no work repeats across a collector's pages");
    let sources: std::collections::HashSet<&str> =
        blended[..24].iter().map(|i| i["source"].as_str().unwrap()).collect();
    assert!(sources.contains("recommended") && sources.contains("curated") && sources.contains("fresh"), "{sources:?}");
    assert_eq!(field_errors(&anon.get("/api/feed?cursor=garbage").await), ["cursor"]);
}

#[tokio::test]
async fn recommendations_lean_towards_likes_and_respect_not_interested() {
    let app = indexed_catalogue().await;
    let collector = app.collector("sea-lover@example.com").await;
    let sea = app.anonymous().get("/api/search?q=sea%20coast%20ships%20boats&mode=keyword&limit=4").await;
    for item in sea.body["items"].as_array().unwrap() {
        collector.post("/api/interactions", json!({"artwork_id": item["id"], "kind": "like"})).await;
    }
    let recommended = collector.get("/api/me/recommendations?limit=10").await;
    let items = recommended.body["items"].as_array().unwrap().clone();
    let mut near_water = 0;
    for item in &items {
        let subjects = tate_subjects(&app, item["id"].as_str().unwrap()).await;
        near_water += usize::from(subjects.iter().any(|s| {
            ["sea", "coast", "ship", "boat", "river", "harbour", "beach", "water", "shipwreck", "cliff"]
                .contains(&s.as_str())
        }));
    }
    assert!(
        near_water >= 4,
        "after liking sea pictures, {near_water} of 10 recommendations are near water: {:?}",
        titles(&recommended.body)
    );

    let dismissed = items[0]["id"].clone();
    collector.post("/api/interactions", json!({"artwork_id": dismissed, "kind": "not_interested"})).await;
    let after = collector.get("/api/me/recommendations?limit=20").await;
    assert!(
        after.body["items"].as_array().unwrap().iter().all(|i| i["id"] != dismissed),
        "a dismissed work is never recommended again"
    );
}

#[tokio::test]
async fn similar_works_are_near_in_meaning_and_never_the_work_itself() {
    let app = indexed_catalogue().await;
    let anon = app.anonymous();
    let sea = anon.get("/api/search?q=shipwreck%20storm%20at%20sea&mode=keyword&limit=1").await;
    let id = sea.body["items"][0]["id"].as_str().unwrap().to_owned();
    let similar = anon.get(&format!("/api/artworks/{id}/similar?limit=8")).await;
    assert_eq!(similar.status, StatusCode::OK, "{}", similar.body);
    let items = similar.body.as_array().unwrap();
    assert_eq!(items.len(), 8);
    assert!(items.iter().all(|i| i["id"] != id.as_str()));
    let scores: Vec<f64> = items.iter().map(|i| i["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert_problem(&anon.get(&format!("/api/artworks/{}/similar", Uuid::now_v7())).await, StatusCode::NOT_FOUND);
    assert_eq!(field_errors(&anon.get(&format!("/api/artworks/{id}/similar?limit=0")).await), ["limit"]);
}

#[tokio::test]
async fn a_redelivered_embedding_job_leaves_one_vector() {
    let app = spawn_app().await;
    let artist = app.artist("twice-embedded").await;
    let artwork = artist.artwork(json!({"title": "Moonlight over the estuary"})).await;
    let id: Uuid = artwork.id.parse().unwrap();
    let jobs = atelier::jobs::Jobs::new(app.ctx.clone());
    let message = atelier::platform::queue::Job {
        id: Uuid::now_v7().to_string(),
        kind: "embed.artwork".to_owned(),
        payload: json!({"artwork_id": id}),
        receive_count: 2,
        receipt: Uuid::now_v7().to_string(),
    };
    let (a, b) = tokio::join!(jobs.run(&message), jobs.run(&message));
    a.unwrap();
    b.unwrap();
    jobs.run(&message).await.unwrap();
    let (points, states): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM vector_points WHERE id = $1 AND vector IS NOT NULL),
                (SELECT count(*) FROM artwork_embeddings WHERE artwork_id = $1)",
    )
    .bind(id)
    .fetch_one(&app.ctx.db)
    .await
    .unwrap();
    assert_eq!((points, states), (1, 1));
}
