//! The upload flow end to end on the embedded adapters: presigned form, the
//! local storage endpoint, completion, the processing job, and the results on
//! the artwork.

use axum::http::StatusCode;
use serde_json::{Value, json};

use atelier::platform::objects::ObjectStore;

use crate::support::{
    Artist, ArtworkView, Caller, Page, TestApp, assert_problem, field_errors, spawn_app, spawn_app_with,
};

pub fn dataset(path: &str) -> Vec<u8> {
    let root = std::env::var("ATELIER_DATASETS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets"));
    std::fs::read(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The artist starts an upload of `bytes` for `artwork_id`, sends the file
/// and completes it. Returns the upload id.
pub async fn upload(artist: &Artist<'_>, artwork_id: &str, bytes: &[u8], content_type: &str) -> String {
    let created = artist
        .post(
            "/api/uploads",
            json!({"artwork_id": artwork_id, "filename": "my painting.jpg", "content_type": content_type, "size_bytes": bytes.len()}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let sent = artist.app.post_upload_form(&created.body["form"], bytes).await;
    assert_eq!(sent.status, StatusCode::NO_CONTENT, "{}", sent.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let completed = artist.post(&format!("/api/uploads/{id}/complete"), json!({})).await;
    assert_eq!(completed.status, StatusCode::ACCEPTED, "{}", completed.body);
    id
}

async fn get_bytes(
    app: &TestApp,
    url: &str,
    if_none_match: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut request = axum::http::Request::builder().uri(url);
    if let Some(etag) = if_none_match {
        request = request.header("if-none-match", etag);
    }
    let response = app.router.clone().oneshot(request.body(axum::body::Body::empty()).unwrap()).await.unwrap();
    let (parts, body) = response.into_parts();
    (parts.status, parts.headers, body.collect().await.unwrap().to_bytes().to_vec())
}

#[tokio::test]
async fn an_uploaded_image_becomes_variants_on_the_artwork() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let artist = app.artist("hokusai-studio").await;
    let artwork = artist.artwork(json!({"title": "Great Wave"})).await;
    let artwork_id = artwork.id.as_str();
    let original = dataset("images/vangogh_starry_night.jpg");

    let created = artist
        .post(
            "/api/uploads",
            json!({"artwork_id": artwork_id, "filename": "../../etc/passwd.jpg", "content_type": "image/jpeg", "size_bytes": original.len()}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["status"], "pending");
    assert_eq!(created.body["form"]["method"], "POST");
    let key = created.body["form"]["fields"]["key"].as_str().unwrap();
    assert!(key.starts_with("originals/") && !key.contains("passwd"), "the key must not come from the filename: {key}");
    let id = created.body["id"].as_str().unwrap();
    assert_eq!(created.header("location"), Some(format!("/api/uploads/{id}").as_str()));

    let early = artist.post(&format!("/api/uploads/{id}/complete"), json!({})).await;
    assert_problem(&early, StatusCode::CONFLICT);

    let sent = app.post_upload_form(&created.body["form"], &original).await;
    assert_eq!(sent.status, StatusCode::NO_CONTENT, "{}", sent.body);
    for _ in 0..2 {
        let completed = artist.post(&format!("/api/uploads/{id}/complete"), json!({})).await;
        assert_eq!(completed.status, StatusCode::ACCEPTED, "{}", completed.body);
        assert_eq!(completed.body["status"], "processing");
    }
    let (queued,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM jobs WHERE kind = 'media.process'").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(queued, 1, "completing twice must queue one job");

    let ran = app.run_jobs().await;
    assert!(
        ran.iter().any(|(kind, payload)| kind == "embed.artwork" && payload["artwork_id"] == artwork_id),
        "{ran:?}"
    );

    let status = artist.get(&format!("/api/uploads/{id}")).await;
    assert_eq!(status.body["status"], "ready", "{}", status.body);
    assert!(status.body["rejection_reason"].is_null());

    let fetched = anon.get(&format!("/api/artworks/{artwork_id}")).await;
    assert_eq!(fetched.header("etag"), Some("\"2\""), "a new image is a new version");
    let image = &fetched.body["images"][0];
    assert_eq!((image["width"].as_i64(), image["height"].as_i64()), (Some(1024), Some(640)));
    assert_eq!(image["palette"].as_array().unwrap().len(), 5);
    assert_eq!((image["source_format"].as_str(), image["color_type"].as_str()), (Some("image/jpeg"), Some("Rgb8")));
    let variants = image["variants"].as_array().unwrap();
    let shapes: Vec<(i64, &str)> =
        variants.iter().map(|v| (v["width"].as_i64().unwrap(), v["format"].as_str().unwrap())).collect();
    assert_eq!(
        shapes,
        [
            (320, "jpeg"),
            (320, "webp"),
            (480, "jpeg"),
            (480, "webp"),
            (800, "jpeg"),
            (800, "webp"),
            (1024, "jpeg"),
            (1024, "webp")
        ],
        "never upscaled past 1024"
    );

    let webp = variants.iter().find(|v| v["format"] == "webp" && v["width"] == 800).unwrap();
    let url = webp["url"].as_str().unwrap();
    let (status, headers, bytes) = get_bytes(&app, url, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/webp");
    assert!(headers["cache-control"].to_str().unwrap().contains("immutable"));
    assert_eq!(bytes.len() as i64, webp["bytes"].as_i64().unwrap());
    let decoded = image::load_from_memory(&bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (800, 500));
    let etag = headers["etag"].to_str().unwrap();
    let (revalidated, _, _) = get_bytes(&app, url, Some(etag)).await;
    assert_eq!(revalidated, StatusCode::NOT_MODIFIED);

    let tampered = url.replace("800.webp", "1024.webp");
    assert_eq!(get_bytes(&app, &tampered, None).await.0, StatusCode::FORBIDDEN);
    let (_, signed_query) = url.split_once('?').unwrap();
    let original_url = format!("/api/blobs/{key}?{signed_query}");
    assert_eq!(get_bytes(&app, &original_url, None).await.0, StatusCode::FORBIDDEN, "originals are never served");

    let listing = anon.get(&format!("/api/artworks?artist={}", fetched.body["artist"]["slug"].as_str().unwrap())).await;
    assert_eq!(listing.body["items"][0]["images"][0]["id"], image["id"]);
}

async fn status_of(who: &Caller<'_>, id: &str) -> Value {
    who.get(&format!("/api/uploads/{id}")).await.body
}

#[tokio::test]
async fn uploads_are_checked_before_a_form_is_issued() {
    let app = spawn_app_with(&[("MAX_UPLOAD_BYTES", "1000000"), ("ARTIST_UPLOAD_QUOTA_BYTES", "1500000")]).await;
    let anon = app.anonymous();
    let artist = app.artist("careful-uploader").await;
    let other = app.artist("someone-else").await;
    let artwork = artist.artwork(json!({})).await;
    let artwork_id = artwork.id.as_str();
    let request = |content_type: &str, size: i64| json!({"artwork_id": artwork_id, "filename": "a.png", "content_type": content_type, "size_bytes": size});

    let gif = artist.post("/api/uploads", request("image/gif", 10)).await;
    assert_problem(&gif, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&gif), ["content_type"]);
    let huge = artist.post("/api/uploads", request("image/png", 1_000_001)).await;
    assert_eq!(field_errors(&huge), ["size_bytes"]);
    let empty = artist.post("/api/uploads", request("image/png", 0)).await;
    assert_eq!(field_errors(&empty), ["size_bytes"]);
    // Another artist's work answers exactly as a missing one.
    let not_owner = other.post("/api/uploads", request("image/png", 10)).await;
    assert_problem(&not_owner, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&not_owner), ["artwork_id"]);
    let anonymous = anon.post("/api/uploads", request("image/png", 10)).await;
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED);
    let collector = app.collector("just-looking@example.com").await;
    assert_problem(&collector.post("/api/uploads", request("image/png", 10)).await, StatusCode::FORBIDDEN);
    let missing = artist
        .post(
            "/api/uploads",
            json!({"artwork_id": uuid::Uuid::now_v7(), "filename": "a.png", "content_type": "image/png", "size_bytes": 10}),
        )
        .await;
    assert_eq!(field_errors(&missing), ["artwork_id"]);
    assert_eq!(missing.body["errors"], not_owner.body["errors"]);

    assert_eq!(artist.post("/api/uploads", request("image/png", 900_000)).await.status, StatusCode::CREATED);
    let over_quota = artist.post("/api/uploads", request("image/png", 900_000)).await;
    let problem = assert_problem(&over_quota, StatusCode::CONFLICT);
    assert!(problem.detail.contains("quota"));

    // Another artist cannot see or complete the upload.
    let mine = artist.post("/api/uploads", request("image/png", 10)).await;
    let id = mine.body["id"].as_str().unwrap();
    assert_problem(&other.get(&format!("/api/uploads/{id}")).await, StatusCode::NOT_FOUND);
    assert_problem(&other.post(&format!("/api/uploads/{id}/complete"), json!({})).await, StatusCode::NOT_FOUND);
    let listed = artist.get(&format!("/api/uploads?artwork_id={artwork_id}")).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 2);
    assert_problem(&other.get(&format!("/api/uploads?artwork_id={artwork_id}")).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_local_form_enforces_its_policy() {
    let app = spawn_app().await;
    let artist = app.artist("policy-tester").await;
    let artwork = artist.artwork(json!({})).await;
    let png = dataset("images/vangogh_starry_night_crop.png");
    let created = artist
        .post(
            "/api/uploads",
            json!({"artwork_id": artwork.id, "filename": "crop.png", "content_type": "image/png", "size_bytes": png.len()}),
        )
        .await;
    let form = &created.body["form"];
    let with_field = |name: &str, value: &str| {
        let mut form = form.clone();
        form["fields"][name] = json!(value);
        form
    };
    // The signed policy is in the URL's query.
    let with_query = |name: &str, value: &str| {
        let mut form = form.clone();
        let url = reqwest::Url::parse(&format!("http://x{}", form["url"].as_str().unwrap())).unwrap();
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == name { value.to_owned() } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        form["url"] = json!(format!("{}?{query}", url.path()));
        form
    };

    let wrong_type = app.post_upload_form(&with_field("Content-Type", "text/html"), &png).await;
    assert_problem(&wrong_type, StatusCode::FORBIDDEN);
    let wrong_key = app.post_upload_form(&with_field("key", "originals/someone/else"), &png).await;
    assert_problem(&wrong_key, StatusCode::FORBIDDEN);
    let bigger_limit = app.post_upload_form(&with_query("size", "999999999"), &png).await;
    assert_problem(&bigger_limit, StatusCode::FORBIDDEN);
    let past = (chrono::Utc::now().timestamp() - 1).to_string();
    let expired = app.post_upload_form(&with_query("expires", &past), &png).await;
    assert_problem(&expired, StatusCode::FORBIDDEN);
    let mut oversize = png.clone();
    oversize.push(0);
    assert_problem(&app.post_upload_form(form, &oversize).await, StatusCode::PAYLOAD_TOO_LARGE);
    let short = app.post_upload_form(form, &png[..png.len() - 1]).await;
    assert!(assert_problem(&short, StatusCode::BAD_REQUEST).detail.contains("exactly"));
    let id = created.body["id"].as_str().unwrap();
    let nothing_stored = artist.post(&format!("/api/uploads/{id}/complete"), json!({})).await;
    assert_problem(&nothing_stored, StatusCode::CONFLICT);

    assert_eq!(app.post_upload_form(form, &png).await.status, StatusCode::NO_CONTENT);
    // Once its file is processed, the form cannot replace it.
    let completed = artist.post(&format!("/api/uploads/{id}/complete"), json!({})).await;
    assert_eq!(completed.status, StatusCode::ACCEPTED, "{}", completed.body);
    app.run_jobs().await;
    assert_eq!(status_of(&artist, id).await["status"], "ready");
    let again = app.post_upload_form(form, &png).await;
    assert!(assert_problem(&again, StatusCode::FORBIDDEN).detail.contains("already used"));
}

#[tokio::test]
async fn every_hostile_file_is_rejected_with_a_reason_and_the_worker_carries_on() {
    let app = spawn_app().await;
    let artist = app.artist("mischief").await;
    let artwork = artist.artwork(json!({"status": "draft"})).await;
    let artwork_id = artwork.id.as_str();
    let root = std::env::var("ATELIER_DATASETS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets"));
    let mut names: Vec<String> = std::fs::read_dir(root.join("bad-images"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".md") && !n.ends_with(".tsv"))
        .collect();
    names.sort();
    let mut uploads = Vec::new();
    for name in &names {
        let bytes = dataset(&format!("bad-images/{name}"));
        if bytes.is_empty() {
            // An empty file never gets a form: the size is refused up front.
            let refused = artist
                .post(
                    "/api/uploads",
                    json!({"artwork_id": artwork_id, "filename": name, "content_type": "image/png", "size_bytes": 0}),
                )
                .await;
            assert_eq!(field_errors(&refused), ["size_bytes"], "{name}");
            continue;
        }
        // One artwork each, to stay under the per-artwork image limit.
        let target = artist.artwork(json!({"title": name, "status": "draft"})).await;
        uploads.push((name.clone(), upload(&artist, target.id.as_str(), &bytes, "image/jpeg").await));
    }
    let good = upload(&artist, artwork_id, &dataset("images/munch_the_scream.jpg"), "image/jpeg").await;
    app.run_jobs().await;
    for (name, id) in &uploads {
        let upload = status_of(&artist, id).await;
        if name == "wrong_extension_png_content.jpg" {
            assert_eq!(upload["status"], "ready", "a real PNG is accepted whatever its name: {upload}");
            continue;
        }
        assert_eq!(upload["status"], "rejected", "{name}: {upload}");
        let reason = upload["rejection_reason"].as_str().unwrap();
        assert!(reason.len() > 10, "{name}: {reason}");
        if name.starts_with("bomb_") {
            assert!(reason.contains("megapixels"), "{name}: {reason}");
        }
    }
    assert_eq!(status_of(&artist, &good).await["status"], "ready");
}

#[tokio::test]
async fn processing_the_same_upload_twice_at_once_stores_one_set_of_variants() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let artist = app.artist("twice").await;
    let artwork = artist.artwork(json!({})).await;
    let artwork_id = artwork.id.as_str();
    let id = upload(&artist, artwork_id, &dataset("images/munch_the_scream.jpg"), "image/jpeg").await;
    let upload_id: uuid::Uuid = id.parse().unwrap();
    // Two workers hold the same message (its visibility timeout expired under the first).
    let jobs = atelier::jobs::Jobs::new(app.ctx.clone());
    let message = atelier::platform::queue::Job {
        id: uuid::Uuid::now_v7().to_string(),
        kind: "media.process".to_owned(),
        payload: json!({"upload_id": upload_id}),
        receive_count: 1,
        receipt: uuid::Uuid::now_v7().to_string(),
    };
    let (first, second) = tokio::join!(jobs.run(&message), jobs.run(&message));
    first.unwrap();
    second.unwrap();
    let (images, variants): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM artwork_images WHERE artwork_id = $1), (SELECT count(*) FROM image_variants)",
    )
    .bind(artwork_id.parse::<uuid::Uuid>().unwrap())
    .fetch_one(&app.ctx.db)
    .await
    .unwrap();
    assert_eq!((images, variants), (1, 8));
    let stored: Vec<_> = walk(&app.blob_dir.join("images")).into_iter().collect();
    assert_eq!(stored.len(), 8, "{stored:?}");
    let fetched = anon.get(&format!("/api/artworks/{artwork_id}")).await;
    assert_eq!(fetched.header("etag"), Some("\"2\""), "one new version, not two");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test]
async fn a_copy_of_another_artists_work_is_held_for_moderation() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let original_artist = app.artist("original-hand").await;
    let copier = app.artist("quick-fingers").await;
    let moderator = app.moderator("mod@example.com").await;
    let original = original_artist.artwork(json!({"title": "Starry Night"})).await;
    upload(&original_artist, original.id.as_str(), &dataset("images/vangogh_starry_night.jpg"), "image/jpeg").await;
    app.run_jobs().await;

    // The copier uploads a re-encoded, brightened crop of the same picture.
    let source = image::load_from_memory(&dataset("images/vangogh_starry_night.jpg")).unwrap();
    let (w, h) = (source.width(), source.height());
    let altered = source.crop_imm(w / 20, h / 20, w - w / 10, h - h / 10).brighten(10);
    let mut jpeg = Vec::new();
    altered
        .to_rgb8()
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut std::io::Cursor::new(&mut jpeg),
            60,
        ))
        .unwrap();
    let copy = copier.artwork(json!({"title": "Night Sky Study", "status": "draft"})).await;
    let copy_id = copy.id.as_str();
    upload(&copier, copy_id, &jpeg, "image/jpeg").await;
    // Their own re-upload of the same picture does not flag the original artist.
    let second_original = original_artist.artwork(json!({"title": "Starry Night, second print"})).await;
    upload(
        &original_artist,
        second_original.id.as_str(),
        &dataset("images/vangogh_starry_night_google_art_project.jpg"),
        "image/jpeg",
    )
    .await;
    app.run_jobs().await;

    let queue = moderator.get("/api/moderation/duplicates").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    let flags = queue.body.as_array().unwrap();
    assert_eq!(flags.len(), 1, "{}", queue.body);
    let flag = &flags[0];
    assert_eq!(flag["artwork"]["artwork_id"], copy.id.as_str());
    assert_eq!(flag["possible_duplicate_of"]["artwork_id"], original.id.as_str());
    assert!(flag["distance"].as_i64().unwrap() <= 12);
    assert!(flag["artwork"]["image"]["variants"].is_array());
    assert_problem(&copier.get("/api/moderation/duplicates").await, StatusCode::FORBIDDEN);

    let held = copier.get(&format!("/api/artworks/{copy_id}")).await;
    assert!(held.json::<ArtworkView>().held_for_review);
    let publish = copier
        .with_header("if-match", "*")
        .patch(&format!("/api/artworks/{copy_id}"), json!({"status": "published"}))
        .await;
    assert_problem(&publish, StatusCode::CONFLICT);

    let dismissed = moderator
        .post(
            &format!("/api/moderation/duplicates/{}/resolve", flag["id"].as_str().unwrap()),
            json!({"decision": "dismissed", "note": "A study, credited."}),
        )
        .await;
    assert_eq!(dismissed.status, StatusCode::OK, "{}", dismissed.body);
    assert_eq!(dismissed.body["status"], "dismissed");
    let again = moderator
        .post(
            &format!("/api/moderation/duplicates/{}/resolve", flag["id"].as_str().unwrap()),
            json!({"decision": "confirmed"}),
        )
        .await;
    assert_problem(&again, StatusCode::CONFLICT);
    let published = copier
        .with_header("if-match", "*")
        .patch(&format!("/api/artworks/{copy_id}"), json!({"status": "published"}))
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    assert_eq!(anon.get(&format!("/api/artworks/{copy_id}")).await.status, StatusCode::OK);
    assert!(moderator.get("/api/moderation/duplicates").await.body.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_published_work_flagged_as_a_copy_leaves_the_public_catalog_until_cleared() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let original_artist = app.artist("first-painter").await;
    let copier = app.artist("second-painter").await;
    let moderator = app.moderator("mod2@example.com").await;
    let original = original_artist.artwork(json!({})).await;
    upload(&original_artist, original.id.as_str(), &dataset("images/munch_the_scream.jpg"), "image/jpeg").await;
    app.run_jobs().await;
    let copy = copier.artwork(json!({"title": "Scream Again"})).await;
    let copy_id = copy.id.as_str();
    upload(&copier, copy_id, &dataset("images/munch_the_scream.jpg"), "image/jpeg").await;
    app.run_jobs().await;

    assert_problem(&anon.get(&format!("/api/artworks/{copy_id}")).await, StatusCode::NOT_FOUND);
    let public: Page<ArtworkView> = anon.get("/api/artworks").await.json();
    assert!(public.items.iter().all(|work| work.id != copy.id), "a held work is not listed publicly");
    let own = copier.get("/api/artworks?artist=second-painter").await;
    assert_eq!(own.json::<Page<ArtworkView>>().items[0].id, copy.id, "the artist still sees their held work");

    let flag = &moderator.get("/api/moderation/duplicates").await.body[0];
    assert_eq!(flag["distance"], 0);
    let confirmed = moderator
        .post(
            &format!("/api/moderation/duplicates/{}/resolve", flag["id"].as_str().unwrap()),
            json!({"decision": "confirmed"}),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let archived: ArtworkView = copier.get(&format!("/api/artworks/{copy_id}")).await.json();
    assert_eq!((archived.status.as_str(), archived.held_for_review), ("archived", true));
}

/// The media worker's Lambda handler on an SQS event: a real processing job
/// beside a poisoned message and a storage notification.
#[tokio::test]
async fn the_sqs_handler_processes_jobs_and_names_only_the_failed_messages() {
    let app = spawn_app().await;
    let artist = app.artist("lambda-painter").await;
    let artwork = artist.artwork(json!({})).await;
    let artwork_id = artwork.id.as_str();
    let bytes = dataset("images/munch_the_scream.jpg");
    let created = artist
        .post(
            "/api/uploads",
            json!({"artwork_id": artwork_id, "filename": "scream.jpg", "content_type": "image/jpeg", "size_bytes": bytes.len()}),
        )
        .await;
    assert_eq!(app.post_upload_form(&created.body["form"], &bytes).await.status, StatusCode::NO_CONTENT);
    let upload_id = created.body["id"].as_str().unwrap();
    let key = created.body["form"]["fields"]["key"].as_str().unwrap();

    let message = |id: &str, body: Value| {
        json!({"messageId": id, "receiptHandle": format!("receipt-{id}"), "body": body.to_string(),
               "attributes": {"ApproximateReceiveCount": "1"}, "eventSource": "aws:sqs"})
    };
    // The storage notification completes the upload (queueing its job), and
    // the job itself runs in a second batch, as it would arrive on the queue.
    let notification = json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Post", "s3": {"object": {"key": key}}}]});
    let event = json!({"Records": [
        message("good", notification),
        message("poison", json!({"kind": "media.process", "payload": {"upload_id": "not-a-uuid"}})),
    ]});
    let jobs = atelier::jobs::Jobs::new(app.ctx.clone());
    let response = jobs.run_sqs_event(serde_json::from_value(event).unwrap()).await;
    let failed: Vec<_> = response.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect();
    assert_eq!(failed, ["poison"]);
    assert_eq!(status_of(&artist, upload_id).await["status"], "processing");

    let queued: Vec<_> = app
        .ctx
        .queue
        .receive(10, std::time::Duration::from_secs(60))
        .await
        .unwrap()
        .into_iter()
        .filter(|job| job.kind == "media.process")
        .collect();
    assert_eq!(queued.len(), 1, "the notification queues exactly one processing job");
    let process = json!({"kind": queued[0].kind, "payload": queued[0].payload});
    let event = json!({"Records": [message("job", process)]});
    let response = jobs.run_sqs_event(serde_json::from_value(event).unwrap()).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(status_of(&artist, upload_id).await["status"], "ready");
}

fn later() -> std::time::SystemTime {
    std::time::SystemTime::now() + std::time::Duration::from_secs(1)
}

async fn storage_key(app: &TestApp, upload_id: &str) -> atelier::platform::objects::ObjectKey {
    let key: String = sqlx::query_scalar("SELECT storage_key FROM uploads WHERE id = $1")
        .bind(upload_id.parse::<uuid::Uuid>().unwrap())
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
    atelier::platform::objects::ObjectKey::parse(&key).unwrap()
}

fn process_message(upload_id: &str) -> atelier::platform::queue::Job {
    atelier::platform::queue::Job {
        id: uuid::Uuid::now_v7().to_string(),
        kind: "media.process".to_owned(),
        payload: json!({"upload_id": upload_id}),
        receive_count: 2,
        receipt: uuid::Uuid::now_v7().to_string(),
    }
}

/// Only originals that made it into the catalogue are kept; what the local
/// scheduler expires is the rest.
#[tokio::test]
async fn an_accepted_original_is_kept_and_an_abandoned_one_expires() {
    let app = spawn_app().await;
    let store = app.ctx.local_objects.clone().unwrap();
    let artist = app.artist("keeper").await;
    let artwork = artist.artwork(json!({})).await;
    let artwork_id = artwork.id.as_str();
    let bytes = dataset("images/munch_the_scream.jpg");
    let accepted = upload(&artist, artwork_id, &bytes, "image/jpeg").await;
    let abandoned = artist
        .post(
            "/api/uploads",
            json!({"artwork_id": artwork_id, "filename": "b.jpg", "content_type": "image/jpeg", "size_bytes": bytes.len()}),
        )
        .await;
    assert_eq!(app.post_upload_form(&abandoned.body["form"], &bytes).await.status, StatusCode::NO_CONTENT);
    let abandoned_id = abandoned.body["id"].as_str().unwrap();
    app.run_jobs().await;
    assert_eq!(status_of(&artist, &accepted).await["status"], "ready");
    // A redelivered job finds the upload ready and keeps the original again.
    atelier::jobs::Jobs::new(app.ctx.clone()).run(&process_message(&accepted)).await.unwrap();

    let (accepted_key, abandoned_key) = (storage_key(&app, &accepted).await, storage_key(&app, abandoned_id).await);
    assert!(store.head(&abandoned_key).await.unwrap().is_some());
    assert_eq!(store.expire_pending(later()).await.unwrap(), 1);
    assert_eq!(store.get(&accepted_key).await.unwrap(), Some(bytes));
    assert_eq!(store.head(&abandoned_key).await.unwrap(), None);
    let completed = artist.post(&format!("/api/uploads/{abandoned_id}/complete"), json!({})).await;
    assert_problem(&completed, StatusCode::CONFLICT);
}

/// An image rejected for its processing time keeps its original (it may be
/// fine on a retry by hand), but only until it expires.
#[tokio::test]
async fn the_original_of_an_image_that_took_too_long_expires() {
    let app = spawn_app_with(&[("IMAGE_PROCESS_TIMEOUT_SECS", "0")]).await;
    let store = app.ctx.local_objects.clone().unwrap();
    let artist = app.artist("slowpoke").await;
    let artwork = artist.artwork(json!({})).await;
    let id = upload(&artist, artwork.id.as_str(), &dataset("images/munch_the_scream.jpg"), "image/jpeg").await;
    app.run_jobs().await;
    let status = status_of(&artist, &id).await;
    assert_eq!(status["status"], "rejected");
    assert!(status["rejection_reason"].as_str().unwrap().contains("too long"), "{status}");
    let key = storage_key(&app, &id).await;
    assert!(store.head(&key).await.unwrap().is_some());
    assert_eq!(store.expire_pending(later()).await.unwrap(), 1);
    assert_eq!(store.head(&key).await.unwrap(), None);
}

/// The same on S3 (moto): the job retags the accepted original kept, and a
/// redelivered job repairs a run that stopped between recording the image
/// and retagging.
#[tokio::test]
async fn the_media_job_retags_an_accepted_original_kept_on_s3() {
    use atelier::platform::objects::s3::{UPLOAD_KEPT, UPLOAD_PENDING, UPLOAD_TAG};
    let mut app = spawn_app().await;
    let bucket = crate::contracts::objects::Bucket::new(
        &crate::contracts::standins::moto_config().await,
        &crate::contracts::standins::moto_url(),
    )
    .await;
    app.ctx.objects = std::sync::Arc::new(bucket.store());
    app.router = atelier::app::full_router(app.ctx.clone());
    let artist = app.artist("cloud-painter").await;
    let artwork = artist.artwork(json!({})).await;
    let bytes = dataset("images/munch_the_scream.jpg");
    let created = artist
        .post(
            "/api/uploads",
            json!({"artwork_id": artwork.id, "filename": "s.jpg", "content_type": "image/jpeg", "size_bytes": bytes.len()}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let form = &created.body["form"];
    let mut multipart = reqwest::multipart::Form::new();
    for (name, value) in form["fields"].as_object().unwrap() {
        multipart = multipart.text(name.clone(), value.as_str().unwrap().to_owned());
    }
    multipart = multipart.part(
        "file",
        reqwest::multipart::Part::bytes(bytes.clone()).file_name("s.jpg").mime_str("image/jpeg").unwrap(),
    );
    let sent = reqwest::Client::new().post(form["url"].as_str().unwrap()).multipart(multipart).send().await.unwrap();
    assert!(sent.status().is_success(), "{}", sent.text().await.unwrap());
    let key = form["fields"]["key"].as_str().unwrap();
    bucket.tag_as_the_form_asks(key, form["fields"]["tagging"].as_str().unwrap(), None).await;
    let pending = vec![(UPLOAD_TAG.to_owned(), UPLOAD_PENDING.to_owned())];
    let kept = vec![(UPLOAD_TAG.to_owned(), UPLOAD_KEPT.to_owned())];
    assert_eq!(bucket.tags(key).await, pending);

    let id = created.body["id"].as_str().unwrap();
    let completed = artist.post(&format!("/api/uploads/{id}/complete"), json!({})).await;
    assert_eq!(completed.status, StatusCode::ACCEPTED, "{}", completed.body);
    app.run_jobs().await;
    let status = status_of(&artist, id).await;
    assert_eq!(status["status"], "ready", "{status}");
    assert_eq!(bucket.tags(key).await, kept);

    bucket.tag_as_the_form_asks(key, &crate::contracts::objects::pending_tagging(), None).await;
    atelier::jobs::Jobs::new(app.ctx.clone()).run(&process_message(id)).await.unwrap();
    assert_eq!(bucket.tags(key).await, kept);
    let (images,): (i64,) = sqlx::query_as("SELECT count(*) FROM artwork_images").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(images, 1, "the redelivered job stores nothing twice");
    let original = bucket.client.get_object().bucket(&bucket.name).key(key).send().await.unwrap();
    assert_eq!(original.body.collect().await.unwrap().to_vec(), bytes);
}
