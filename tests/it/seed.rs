use std::io::Write;

use axum::http::StatusCode;

use crate::helpers::spawn_app;

/// The first lines of the real Tate catalog in a temporary file, removed on drop.
struct CatalogSample(std::path::PathBuf);

impl CatalogSample {
    fn first_lines(lines: usize) -> Self {
        let datasets = std::env::var("ATELIER_DATASETS").map(std::path::PathBuf::from).unwrap_or_else(|_| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets")
        });
        let source = datasets.join("tate/catalog.jsonl");
        let text = std::fs::read_to_string(&source).unwrap_or_else(|e| panic!("reading {}: {e}", source.display()));
        let path = std::env::temp_dir().join(format!("atelier-catalog-{}.jsonl", uuid::Uuid::now_v7()));
        let mut file = std::fs::File::create(&path).unwrap();
        for line in text.lines().take(lines) {
            writeln!(file, "{line}").unwrap();
        }
        Self(path)
    }
}

impl Drop for CatalogSample {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[tokio::test]
async fn seeding_twice_adds_nothing_the_second_time() {
    let app = spawn_app().await;
    let sample = CatalogSample::first_lines(400);
    let first = atelier::catalog::seed::seed_tate(&app.ctx.db, &sample.0).await.unwrap();
    assert_eq!(first.artworks_created, 400);
    assert!(first.artists_created > 10);
    let second = atelier::catalog::seed::seed_tate(&app.ctx.db, &sample.0).await.unwrap();
    assert_eq!(second.artworks_created, 0);
    assert_eq!(second.artists_created, 0);
    assert_eq!(second.artworks_skipped, 400);

    let (artworks, versions, tagged): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM artworks), (SELECT count(*) FROM artwork_versions),
                (SELECT count(DISTINCT artwork_id) FROM artwork_tags)",
    )
    .fetch_one(&app.ctx.db)
    .await
    .unwrap();
    assert_eq!((artworks, versions, tagged), (400, 400, 400));

    // A seeded work reads like any other, with its Tate accession number kept.
    let page = app.get("/api/artworks?limit=100&category=works-on-paper", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let item = &page.body["items"][0];
    assert!(item["external_ref"].as_str().unwrap().starts_with("tate:"));
    assert_eq!(item["price"]["currency"], "GBP");
    assert!(item["price"]["amount_minor"].as_i64().unwrap() > 0);
    assert!(!item["tags"].as_array().unwrap().is_empty());
    let artist = app.get(&format!("/api/artists/{}", item["artist"]["slug"].as_str().unwrap()), None).await;
    assert_eq!(artist.body["claimed"], false);
    assert!(artist.body["external_ref"].as_str().unwrap().starts_with("tate-artist:"));
}
