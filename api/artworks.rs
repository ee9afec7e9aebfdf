//! Vercel function for the `artworks` route family.

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    atelier::hosts::run_vercel(atelier::app::Family::Artworks).await
}
