//! Artwork images: identifying, bounding and decoding what artists upload.

pub mod analysis;
pub mod fingerprint;
pub mod inspect;
pub mod pipeline;
pub mod variants;
