//! Lambda function on an EventBridge schedule: recomputes the curated feed.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    atelier::hosts::run_lambda_curation().await
}
