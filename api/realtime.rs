//! Vercel function for the `realtime` route family.

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    atelier::hosts::run_vercel(atelier::app::Family::Realtime).await
}
