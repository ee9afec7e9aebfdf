//! Lambda function consuming the real-time queue: notifications fanned out to
//! followers and savers, and live events posted to WebSocket connections.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    atelier::hosts::run_lambda_sqs_worker().await
}
