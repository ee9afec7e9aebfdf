//! Lambda function consuming the media queue: `media.process` jobs and S3
//! ObjectCreated notifications for uploads.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    atelier::hosts::run_lambda_sqs_worker().await
}
