//! The catalog: artists, artworks with their version history, categories and tags,
//! and the Tate import that seeds the demo marketplace.

pub mod artists;
pub mod artworks;
pub mod domain;
pub mod seed;
pub mod taxonomy;
