//! `sqlx::migrate!` embeds `infra/migrations` when the library compiles;
//! without this, cargo would not notice a new migration and keep serving a
//! binary without it.
fn main() {
    println!("cargo:rerun-if-changed=infra/migrations");
}
