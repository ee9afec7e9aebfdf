//! Vercel function for the `auth` route family.

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    atelier::hosts::run_vercel(atelier::app::Family::Auth).await
}
