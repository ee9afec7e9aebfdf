//! Lambda function consuming the embedding queue: `embed.artwork` jobs.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    atelier::hosts::run_lambda_sqs_worker().await
}
