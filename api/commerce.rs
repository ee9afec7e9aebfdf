//! Vercel function for the `commerce` route family.

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    atelier::hosts::run_vercel(atelier::app::Family::Commerce).await
}
