//! The worker as a real process: killed in the middle of a job, it loses nothing.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::json;

use crate::{
    journeys::uploads::{dataset, upload},
    support::{TestApp, spawn_app_with},
};

struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_worker(app: &TestApp) -> Worker {
    Worker(
        Command::new(env!("CARGO_BIN_EXE_atelier"))
            .arg("worker")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &app.database_url)
            .env("BLOB_DIR", &app.blob_dir)
            .env("JOB_VISIBILITY_TIMEOUT_SECS", "3")
            .env("WORKER_CONCURRENCY", "1")
            .env("RUST_LOG", "warn")
            .env("LOG_FORMAT", "pretty")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start atelier worker"),
    )
}

async fn upload_status(app: &TestApp, id: &str) -> String {
    sqlx::query_scalar::<_, String>("SELECT status::text FROM uploads WHERE id = $1::uuid")
        .bind(id)
        .fetch_one(&app.ctx.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_worker_killed_mid_job_loses_nothing_and_the_job_runs_once_more() {
    let app = spawn_app_with(&[("JOB_VISIBILITY_TIMEOUT_SECS", "3")]).await;
    let artist = app.artist("persistent").await;
    let artwork = artist.artwork(json!({})).await;
    // The largest image in the dataset keeps the worker busy long enough to be caught mid-job.
    let id =
        upload(&artist, artwork.id.as_str(), &dataset("images/ai_stroke_painting_mona_lisa_8bit.jpg"), "image/jpeg")
            .await;

    let mut first = start_worker(&app);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let claimed: Option<i32> = sqlx::query_scalar("SELECT receive_count FROM jobs WHERE kind = 'media.process'")
            .fetch_optional(&app.ctx.db)
            .await
            .unwrap();
        if claimed == Some(1) {
            break;
        }
        if let Some(status) = first.0.try_wait().unwrap() {
            panic!("the worker exited on its own ({status}) before claiming the job");
        }
        assert_ne!(
            upload_status(&app, &id).await,
            "ready",
            "the job finished between two polls; nothing was killed mid-job"
        );
        assert!(Instant::now() < deadline, "the worker never claimed the job");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    assert_eq!(
        upload_status(&app, &id).await,
        "processing",
        "the worker must die before finishing for this test to mean anything"
    );

    let _second = start_worker(&app);
    let deadline = Instant::now() + Duration::from_secs(90);
    while upload_status(&app, &id).await != "ready" {
        assert!(Instant::now() < deadline, "the job was not redelivered after its visibility timeout");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (images, variants, jobs_left, dead): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM artwork_images), (SELECT count(*) FROM image_variants),
                (SELECT count(*) FROM jobs WHERE kind = 'media.process'), (SELECT count(*) FROM dead_jobs)",
    )
    .fetch_one(&app.ctx.db)
    .await
    .unwrap();
    assert_eq!((images, variants, dead), (1, 8, 0));
    // The finished job is acknowledged shortly after the upload turns ready.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut jobs_left = jobs_left;
    while jobs_left != 0 {
        assert!(Instant::now() < deadline, "the redelivered job was never acknowledged");
        tokio::time::sleep(Duration::from_millis(100)).await;
        jobs_left = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'media.process'")
            .fetch_one(&app.ctx.db)
            .await
            .unwrap();
    }
}
