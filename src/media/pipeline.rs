//! The whole processing of one uploaded image, as the `media.process` job runs it:
//! decode within bounds, render the variants, and analyse the pixels.

use super::{
    analysis::{Swatch, dominant_palette, sharpness},
    fingerprint::PerceptualHash,
    inspect::{Bounds, Inspected, Rejection, decode},
    variants::{Variant, render},
};

pub struct Processed {
    pub inspected: Inspected,
    pub variants: Vec<Variant>,
    pub palette: Vec<Swatch>,
    pub hash: PerceptualHash,
    pub sharpness: f32,
}

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The upload is not acceptable; the reason is for the artist.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// Something failed on our side; the job may be retried.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub fn process(bytes: &[u8], bounds: Bounds) -> Result<Processed, ProcessError> {
    let (inspected, image) = decode(bytes, bounds)?;
    Ok(Processed {
        variants: render(&image)?,
        palette: dominant_palette(&image, 5),
        hash: PerceptualHash::of(&image),
        sharpness: sharpness(&image),
        inspected,
    })
}
