//! Artwork images: identifying, bounding and decoding what artists upload.

pub mod analysis;
pub mod fingerprint;
pub mod inspect;
pub mod pipeline;
pub mod variants;

/// The shared datasets folder tests read real images from (`ATELIER_DATASETS`,
/// else `../shared/datasets` beside the repository).
#[cfg(test)]
pub(crate) fn datasets() -> std::path::PathBuf {
    std::env::var("ATELIER_DATASETS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets"))
}
