//! What commerce may do to a work's availability, through `changes`: read the
//! terms works are offered on, hold a work (or copies of an edition) for a
//! checkout, mark a unique work sold once paid, and give stock back. A
//! unique work is `reserved` while held and `sold` once paid; a limited
//! edition's `edition_available` counts the copies nobody holds; an open
//! edition has no stock to hold.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    changes::{self, AfterCommit, ArtworkChange, ChangedBy},
    store,
};
use crate::catalog::domain::{ArtworkStatus, EditionKind, Price};

/// A work as it is offered now.
#[derive(Clone, Debug)]
pub struct Offer {
    pub artwork_id: Uuid,
    pub artist_id: Uuid,
    pub artist_slug: String,
    pub artist_name: String,
    pub title: String,
    pub edition_kind: EditionKind,
    pub edition_size: Option<i32>,
    /// What a buyer can still get: copies left of a limited edition, 1 or 0
    /// for a unique work, `None` for an open edition (no limit).
    pub available: Option<i32>,
    pub price: Price,
}

/// The current terms of the works among `ids` that anyone may see.
pub async fn offers(conn: &mut PgConnection, ids: &[Uuid]) -> sqlx::Result<Vec<Offer>> {
    Ok(store::offers(conn, ids)
        .await?
        .into_iter()
        .map(|row| Offer {
            available: match row.edition_kind {
                EditionKind::Unique => Some(i32::from(row.status == ArtworkStatus::Published)),
                EditionKind::Limited => {
                    Some(if row.status == ArtworkStatus::Published { row.edition_available.unwrap_or(0) } else { 0 })
                }
                EditionKind::Open => {
                    if row.status == ArtworkStatus::Published {
                        None
                    } else {
                        Some(0)
                    }
                }
            },
            artwork_id: row.id,
            artist_id: row.artist_id,
            artist_slug: row.artist_slug,
            artist_name: row.artist_name,
            title: row.title,
            edition_kind: row.edition_kind,
            edition_size: row.edition_size,
            price: Price { amount_minor: row.price_minor, currency: row.currency },
        })
        .collect())
}

/// Why a work cannot be held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unavailable {
    /// Missing, hidden, a draft or archived.
    NotForSale,
    /// Another checkout holds the unique work right now.
    Reserved,
    Sold,
    /// Fewer copies of the edition are left than asked for.
    NotEnoughCopies {
        available: i32,
    },
    /// The price is no longer the one the buyer saw.
    PriceChanged {
        price: Price,
    },
    /// More than one of a unique work.
    OneOfAKind,
}

/// What was held.
#[derive(Debug)]
pub struct Held {
    pub artist_id: Uuid,
    pub title: String,
    pub edition_kind: EditionKind,
    pub after_commit: AfterCommit,
}

/// The price a hold is for.
#[derive(Clone, Copy, Debug)]
pub enum Terms<'a> {
    /// The listed price, as the buyer saw it: held only while it still is.
    Listed(&'a Price),
    /// A price the artist and the buyer agreed in an offer, in the work's
    /// currency (held only while it still is), whatever the listed price now.
    Agreed { currency: &'a str },
}

/// Holds `quantity` of the work on `terms` in the caller's transaction. The
/// row lock makes concurrent holds of one work wait for each other, so of
/// many buyers of a unique work exactly one holds it.
pub async fn hold(
    conn: &mut PgConnection,
    artwork_id: Uuid,
    quantity: i32,
    terms: Terms<'_>,
) -> sqlx::Result<Result<Held, Unavailable>> {
    let Some(row) = store::lock_for_sale(conn, artwork_id).await? else { return Ok(Err(Unavailable::NotForSale)) };
    if row.held_for_review || !row.status.is_public() {
        return Ok(Err(Unavailable::NotForSale));
    }
    let price = Price { amount_minor: row.price_minor, currency: row.currency.clone() };
    let as_agreed = match terms {
        Terms::Listed(expected) => price == *expected,
        Terms::Agreed { currency } => price.currency == currency,
    };
    if !as_agreed {
        return Ok(Err(Unavailable::PriceChanged { price }));
    }
    let unavailable = match (row.edition_kind, row.status) {
        (_, ArtworkStatus::Sold) => Some(Unavailable::Sold),
        (_, ArtworkStatus::Reserved) => Some(Unavailable::Reserved),
        (EditionKind::Unique, _) if quantity != 1 => Some(Unavailable::OneOfAKind),
        _ => None,
    };
    if let Some(unavailable) = unavailable {
        return Ok(Err(unavailable));
    }
    let change = match row.edition_kind {
        EditionKind::Unique => Some(ArtworkChange::Status(ArtworkStatus::Reserved)),
        EditionKind::Limited => Some(ArtworkChange::TakeCopies(quantity)),
        EditionKind::Open => None,
    };
    let after_commit = match change {
        None => AfterCommit::default(),
        Some(change) => match changes::apply(conn, artwork_id, change, ChangedBy::system()).await? {
            Some(changed) => changed.after_commit,
            None => {
                return Ok(Err(Unavailable::NotEnoughCopies { available: row.edition_available.unwrap_or(0) }));
            }
        },
    };
    Ok(Ok(Held { artist_id: row.artist_id, title: row.title, edition_kind: row.edition_kind, after_commit }))
}

/// A held unique work was paid for: it is sold. Editions have nothing to do.
pub async fn sell(conn: &mut PgConnection, artwork_id: Uuid) -> sqlx::Result<AfterCommit> {
    let Some(row) = store::lock_for_sale(conn, artwork_id).await? else { return Ok(AfterCommit::default()) };
    if row.edition_kind != EditionKind::Unique || row.status != ArtworkStatus::Reserved {
        return Ok(AfterCommit::default());
    }
    let changed =
        changes::apply(conn, artwork_id, ArtworkChange::Status(ArtworkStatus::Sold), ChangedBy::system()).await?;
    Ok(changed.map(|c| c.after_commit).unwrap_or_default())
}

/// Gives back what a hold took: a unique work reserved or sold returns to
/// published, copies return to the edition. Callers release each hold once
/// (commerce marks it released in the same transaction).
pub async fn release(conn: &mut PgConnection, artwork_id: Uuid, quantity: i32) -> sqlx::Result<AfterCommit> {
    let Some(row) = store::lock_for_sale(conn, artwork_id).await? else { return Ok(AfterCommit::default()) };
    let change = match (row.edition_kind, row.status) {
        (EditionKind::Unique, ArtworkStatus::Reserved | ArtworkStatus::Sold) => {
            ArtworkChange::Status(ArtworkStatus::Published)
        }
        (EditionKind::Limited, _) => ArtworkChange::ReturnCopies(quantity),
        _ => return Ok(AfterCommit::default()),
    };
    let changed = changes::apply(conn, artwork_id, change, ChangedBy::system()).await?;
    Ok(changed.map(|c| c.after_commit).unwrap_or_default())
}

/// Takes the work's row lock without changing it, for a caller about to
/// lock rows of its own about the work (offers): taking the work's first
/// keeps every caller's locks in the order a sale takes them. Answers
/// whether the work exists.
pub async fn lock(conn: &mut PgConnection, artwork_id: Uuid) -> sqlx::Result<bool> {
    Ok(store::lock_for_sale(conn, artwork_id).await?.is_some())
}
