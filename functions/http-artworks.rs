//! Lambda function for the `artworks` route family.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    atelier::hosts::run_lambda(atelier::app::Family::Artworks).await
}
