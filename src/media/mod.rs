//! Artwork images: the upload flow, the processing job that identifies, bounds,
//! decodes, renders and analyses what artists upload, and the moderation queue
//! for near-duplicates.

pub mod analysis;
pub mod fingerprint;
pub mod images;
pub mod inspect;
pub mod jobs;
pub mod moderation;
pub mod pipeline;
pub mod seed;
pub mod uploads;
pub mod variants;

/// The media family's routes: uploads and the duplicate moderation queue.
pub fn router() -> utoipa_axum::router::OpenApiRouter<crate::app::AppContext> {
    uploads::router().merge(moderation::router())
}

/// The shared datasets folder tests read real images from (`ATELIER_DATASETS`,
/// else `../shared/datasets` beside the repository).
#[cfg(test)]
pub(crate) fn datasets() -> std::path::PathBuf {
    std::env::var("ATELIER_DATASETS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets"))
}
