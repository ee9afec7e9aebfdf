//! Lambda function on an EventBridge schedule: rolls up artist insights.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    atelier::hosts::run_lambda_insights_rollup().await
}
