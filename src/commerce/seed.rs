//! Shipping terms for the seeded catalogue, so its works can be bought on a
//! development server straight after `atelier seed`. Its artists have no
//! accounts to set terms with; every seeded work ships from the UK and is
//! priced in pounds, and these terms match.

use sqlx::PgPool;
use uuid::Uuid;

use super::store;

/// Tracked, insured delivery of a framed work within the UK, and abroad.
const DOMESTIC_MINOR: i64 = 2_500;
const INTERNATIONAL_MINOR: i64 = 7_500;

/// Gives each artist without shipping terms the seeded catalogue's; terms an
/// artist already has are kept. Returns how many were added.
pub async fn shipping_terms(pool: &PgPool, artist_ids: &[Uuid]) -> sqlx::Result<u64> {
    let mut conn = pool.acquire().await?;
    store::add_missing_shipping_profiles(
        &mut conn,
        artist_ids,
        &store::ShippingTerms {
            origin_country: "GB",
            currency: "GBP",
            domestic_minor: Some(DOMESTIC_MINOR),
            international_minor: Some(INTERNATIONAL_MINOR),
            collection: true,
        },
    )
    .await
}
