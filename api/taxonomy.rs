//! Vercel function for the `taxonomy` route family.

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    atelier::hosts::run_vercel(atelier::app::Family::Taxonomy).await
}
