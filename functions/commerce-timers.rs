//! Lambda function on an EventBridge schedule: runs the order process's timers.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    atelier::hosts::run_lambda_commerce_timers().await
}
