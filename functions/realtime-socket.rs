//! Lambda function behind API Gateway's WebSocket API: live connections
//! opening, closing and sending messages.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    atelier::hosts::run_lambda_websocket().await
}
