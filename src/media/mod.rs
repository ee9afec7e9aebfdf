//! Artwork images: identifying, bounding and decoding what artists upload.

pub mod inspect;
