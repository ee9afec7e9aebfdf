//! The cloud adapters chosen from configuration, as a deployed function would
//! build them: variable names, the default AWS chain, routing and consumption.

use std::time::Duration;

use atelier::{
    app::{self, AppContext},
    platform::{
        config::Config,
        objects::ObjectKey,
        queue::sqs::{SqsJobQueue, sqs_client},
        queue::{JobQueue, NewJob},
    },
};
use axum::http::StatusCode;
use serde_json::json;

use crate::{
    contracts::standins::{moto_config, moto_queue, moto_url, unique},
    support::{signing_key_pem, spawn_app},
};

#[tokio::test]
async fn object_store_s3_and_queue_backend_sqs_build_the_cloud_adapters() {
    assert!(
        std::env::var("AWS_REGION").is_ok_and(|r| !r.is_empty()),
        "AWS_REGION is not set: run the tests through scripts/test, which points the AWS chain at the stand-ins"
    );
    let moto = moto_url();
    let sqs = sqs_client(&moto_config().await, Some(&moto));
    let (media, embed, realtime) =
        (moto_queue(&sqs, 3, false).await, moto_queue(&sqs, 3, false).await, moto_queue(&sqs, 3, false).await);
    let bucket = unique("art");
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&moto_config().await).endpoint_url(&moto).force_path_style(true).build(),
    );
    s3.create_bucket().bucket(&bucket).send().await.unwrap();

    let app = spawn_app().await;
    let settings = [
        ("DATABASE_URL", app.database_url.as_str()),
        ("JWT_SIGNING_KEY", signing_key_pem()),
        ("OBJECT_STORE", "s3"),
        ("S3_BUCKET", &bucket),
        ("S3_ENDPOINT_URL", &moto),
        ("S3_FORCE_PATH_STYLE", "true"),
        ("QUEUE_BACKEND", "sqs"),
        ("SQS_MEDIA_QUEUE_URL", &media),
        ("SQS_EMBED_QUEUE_URL", &embed),
        ("SQS_REALTIME_QUEUE_URL", &realtime),
        ("SQS_ENDPOINT_URL", &moto),
    ];
    let lookup = |without: &str| {
        let settings = settings.map(|(k, v)| (k.to_owned(), v.to_owned()));
        let without = without.to_owned();
        move |key: &str| settings.iter().find(|(k, _)| k == key && *k != without).map(|(_, v)| v.clone())
    };
    for required in ["S3_BUCKET", "SQS_MEDIA_QUEUE_URL", "SQS_EMBED_QUEUE_URL", "SQS_REALTIME_QUEUE_URL"] {
        let error = Config::from_lookup(lookup(required)).unwrap_err();
        assert!(error.to_string().contains(required), "{error}");
    }
    let ctx = AppContext::from_config(Config::from_lookup(lookup("")).unwrap()).await.unwrap();

    let key = ObjectKey::parse("uploads/wired/original.jpg").unwrap();
    ctx.objects.put(&key, b"bytes".to_vec(), "image/jpeg").await.unwrap();
    let stored = s3.get_object().bucket(&bucket).key(key.as_str()).send().await.unwrap();
    assert_eq!(stored.body.collect().await.unwrap().to_vec(), b"bytes");

    let job = |kind| NewJob { kind, payload: json!({}), dedup_key: None, delay: Duration::ZERO };
    ctx.queue.send(job("media.process")).await.unwrap();
    ctx.queue.send(job("embed.artwork")).await.unwrap();
    let consumed = ctx.queue.receive(10, Duration::from_secs(60)).await.unwrap();
    assert_eq!(consumed.iter().map(|j| j.kind.as_str()).collect::<Vec<_>>(), ["media.process"]);
    let embed_queue = SqsJobQueue::new(sqs, Vec::new(), embed);
    let embeddings = embed_queue.receive(10, Duration::from_secs(60)).await.unwrap();
    assert_eq!(embeddings.iter().map(|j| j.kind.as_str()).collect::<Vec<_>>(), ["embed.artwork"]);

    // Uploads go to S3 directly, so the local upload endpoint is not served.
    assert!(ctx.local_objects.is_none());
    let response = tower::ServiceExt::oneshot(
        app::full_router(ctx),
        axum::http::Request::post("/api/blobs").body(axum::body::Body::empty()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
