//! Lambda function for the `commerce` route family.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    atelier::hosts::run_lambda(atelier::app::Family::Commerce).await
}
