use std::io::Write;

use axum::http::StatusCode;

use crate::support::{ArtistView, spawn_app};

/// Lines of the real Tate catalog in a temporary file, removed on drop.
pub struct CatalogSample(pub std::path::PathBuf);

impl CatalogSample {
    pub fn first_lines(lines: usize) -> Self {
        Self::lines_where(|n| n < lines)
    }

    /// Every `step`-th record: a spread over the whole catalogue.
    pub fn every(step: usize) -> Self {
        Self::lines_where(|n| n % step == 0)
    }

    fn lines_where(keep: impl Fn(usize) -> bool) -> Self {
        let datasets = std::env::var("ATELIER_DATASETS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets"));
        let source = datasets.join("tate/catalog.jsonl");
        let text = std::fs::read_to_string(&source).unwrap_or_else(|e| panic!("reading {}: {e}", source.display()));
        let path = std::env::temp_dir().join(format!("atelier-catalog-{}.jsonl", uuid::Uuid::now_v7()));
        let mut file = std::fs::File::create(&path).unwrap();
        for (_, line) in text.lines().enumerate().filter(|(n, _)| keep(*n)) {
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
    let anon = app.anonymous();
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
    let page = anon.get("/api/artworks?limit=100&category=works-on-paper").await;
    assert_eq!(page.status, StatusCode::OK);
    let item = &page.body["items"][0];
    assert!(item["external_ref"].as_str().unwrap().starts_with("tate:"));
    assert_eq!(item["price"]["currency"], "GBP");
    assert!(item["price"]["amount_minor"].as_i64().unwrap() > 0);
    assert!(!item["tags"].as_array().unwrap().is_empty());
    let artist: ArtistView =
        anon.get(&format!("/api/artists/{}", item["artist"]["slug"].as_str().unwrap())).await.json();
    assert!(!artist.claimed);
    assert!(artist.external_ref.unwrap().starts_with("tate-artist:"));
}

/// A folder with the dataset manifest's header and the rows of `files`, and
/// links to those images.
struct ImageSample(std::path::PathBuf);

impl ImageSample {
    fn of(files: &[&str]) -> Self {
        let source = std::env::var("ATELIER_DATASETS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets"))
            .join("images");
        let dir = std::env::temp_dir().join(format!("atelier-images-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let manifest = std::fs::read_to_string(source.join("MANIFEST.tsv")).unwrap();
        let mut lines = manifest.lines();
        let mut kept = vec![lines.next().unwrap().to_owned()];
        for line in lines {
            if files.iter().any(|f| line.starts_with(&format!("{f}\t"))) {
                kept.push(line.to_owned());
            }
        }
        assert_eq!(kept.len(), files.len() + 1);
        std::fs::write(dir.join("MANIFEST.tsv"), kept.join("\n")).unwrap();
        for file in files {
            std::fs::copy(source.join(file), dir.join(file)).unwrap();
        }
        Self(dir)
    }
}

impl Drop for ImageSample {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn dataset_images_become_published_artworks_with_processed_images() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let sample = ImageSample::of(&[
        "munch_the_scream.jpg",
        "vangogh_starry_night.jpg",
        "vangogh_starry_night_crop.png",
        "hokusai_great_wave_crop.jpg",
    ]);
    let first = atelier::media::seed::seed_images(&app.ctx, &sample.0, |_| {}).await.unwrap();
    assert_eq!((first.artworks_created, first.rejected, first.held_for_review), (4, 0, 0), "{first:?}");
    let second = atelier::media::seed::seed_images(&app.ctx, &sample.0, |_| {}).await.unwrap();
    assert_eq!((second.artworks_created, second.already_present), (0, 4));

    let listed = anon.get("/api/artworks?limit=10").await;
    assert_eq!(listed.status, StatusCode::OK);
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    let scream = items.iter().find(|a| a["title"] == "The Scream").unwrap();
    assert_eq!(scream["artist"]["name"], "Edvard Munch");
    assert_eq!(scream["year"], 1893);
    assert_eq!(scream["category"]["slug"], "painting");
    assert_eq!(scream["images"][0]["variants"].as_array().unwrap().len(), 8);
    // Two pictures of the same painting by the same artist are not a theft.
    let van_gogh = anon
        .get(&format!(
            "/api/artists/{}/artworks",
            items.iter().find(|a| a["title"] == "The Starry Night").unwrap()["artist"]["slug"].as_str().unwrap()
        ))
        .await;
    assert_eq!(van_gogh.body["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_seeded_work_can_be_bought_and_terms_an_artist_set_survive_reseeding() {
    let app = spawn_app().await;
    let sample = CatalogSample::first_lines(50);
    let report = atelier::catalog::seed::seed_tate(&app.ctx.db, &sample.0).await.unwrap();
    let added = atelier::commerce::seed::shipping_terms(&app.ctx.db, &report.artist_ids).await.unwrap();
    assert_eq!(added, report.artists_created, "every new artist gets terms");

    let listed = app.anonymous().get("/api/artworks?limit=1").await;
    let work = listed.body["items"][0]["id"].as_str().expect("a seeded work is listed").to_owned();
    let buyer = app.collector("first-buyer@example.com").await;
    let put = buyer.put(&format!("/api/cart/items/{work}"), serde_json::json!({"quantity": 1})).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let address = serde_json::json!({"name": "Ada Buyer", "line1": "1 Rue de Rivoli", "city": "Paris",
                                     "postal_code": "75001", "country": "FR"});
    let placed = buyer
        .with_header("idempotency-key", &uuid::Uuid::new_v4().to_string())
        .post("/api/checkout", serde_json::json!({"shipping_address": address}))
        .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let shipping = &placed.body["orders"][0]["shipping"];
    assert_eq!((shipping["amount_minor"].as_i64(), shipping["currency"].as_str()), (Some(7_500), Some("GBP")));

    // An artist's own terms are theirs: seeding again keeps them.
    let artist = report.artist_ids[0];
    sqlx::query("UPDATE shipping_profiles SET domestic_minor = 900 WHERE artist_id = $1")
        .bind(artist)
        .execute(&app.ctx.db)
        .await
        .unwrap();
    let again = atelier::catalog::seed::seed_tate(&app.ctx.db, &sample.0).await.unwrap();
    assert_eq!(atelier::commerce::seed::shipping_terms(&app.ctx.db, &again.artist_ids).await.unwrap(), 0);
    let kept: Option<i64> = sqlx::query_scalar("SELECT domestic_minor FROM shipping_profiles WHERE artist_id = $1")
        .bind(artist)
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(kept, Some(900));
}
