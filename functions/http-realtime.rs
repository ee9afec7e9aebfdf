//! Lambda function for the `realtime` route family.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    atelier::hosts::run_lambda(atelier::app::Family::Realtime).await
}
