//! What the pipeline learns from an image's pixels: its dominant colours (for
//! palette chips, placeholders and colour search) and how sharp it is (blurry
//! photos of artworks make poor listings).

use image::{DynamicImage, GrayImage, imageops::FilterType};
use kmeans_colors::{Sort, get_kmeans_hamerly};
use palette::{FromColor, Lab, Srgb, white_point::D65};
use serde::{Deserialize, Serialize};

/// One dominant colour and the share of the image it covers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Swatch {
    /// `#rrggbb`.
    pub hex: String,
    /// Fraction of the image, 0–1.
    pub share: f32,
}

/// Clustering works on a thumbnail: the dominant colours of 16k pixels are those
/// of 16M, at a thousandth of the cost.
const PALETTE_SAMPLE_EDGE: u32 = 128;

/// The `count` dominant colours, largest share first. Clustering happens in
/// CIELAB, where distance follows perceived difference, so two greens a viewer
/// cannot tell apart do not take two of the slots.
pub fn dominant_palette(image: &DynamicImage, count: usize) -> Vec<Swatch> {
    let sample = image.thumbnail(PALETTE_SAMPLE_EDGE, PALETTE_SAMPLE_EDGE).to_rgb8();
    let lab: Vec<Lab<D65, f32>> =
        sample.pixels().map(|p| Lab::from_color(Srgb::new(p[0], p[1], p[2]).into_format::<f32>())).collect();
    if lab.is_empty() {
        return Vec::new();
    }
    // A fixed seed keeps the palette identical when the same image is processed twice.
    let result = get_kmeans_hamerly(count.min(lab.len()), 30, 0.5, false, &lab, 7);
    let mut swatches: Vec<_> = Lab::sort_indexed_colors(&result.centroids, &result.indices)
        .into_iter()
        .filter(|c| c.percentage > 0.0)
        .map(|c| {
            let rgb: Srgb<u8> = Srgb::from_color(c.centroid).into_format();
            Swatch { hex: format!("#{:02x}{:02x}{:02x}", rgb.red, rgb.green, rgb.blue), share: c.percentage }
        })
        .collect();
    swatches.sort_by(|a, b| b.share.total_cmp(&a.share));
    swatches
}

/// Variance of the Laplacian of the luminance at a fixed working size: high for
/// crisp detail, low for blur. Comparable across images because the size is fixed.
pub fn sharpness(image: &DynamicImage) -> f32 {
    let gray: GrayImage = image.resize(512, 512, FilterType::Triangle).to_luma8();
    let (w, h) = gray.dimensions();
    if w < 3 || h < 3 {
        return 0.0;
    }
    let at = |x: u32, y: u32| f32::from(gray.get_pixel(x, y)[0]);
    let mut values = Vec::with_capacity(((w - 2) * (h - 2)) as usize);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            values.push(at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4.0 * at(x, y));
        }
    }
    let mean = values.iter().sum::<f32>() / values.len() as f32;
    values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / values.len() as f32
}

#[cfg(test)]
mod tests {
    use image::{Rgb, RgbImage};

    use super::*;

    #[test]
    fn a_two_colour_image_yields_those_two_colours_by_share() {
        let image = RgbImage::from_fn(100, 100, |x, _| if x < 75 { Rgb([200, 30, 30]) } else { Rgb([20, 40, 200]) });
        let palette = dominant_palette(&DynamicImage::ImageRgb8(image), 5);
        assert_eq!(palette[0].hex, "#c81e1e", "{palette:?}");
        assert!((palette[0].share - 0.75).abs() < 0.02);
        assert_eq!(palette[1].hex, "#1428c8");
        assert!((palette[1].share - 0.25).abs() < 0.02);
        // Only the resampled seam between the two may add a sliver.
        assert!(palette[2..].iter().all(|s| s.share < 0.02), "{palette:?}");
    }

    #[test]
    fn a_painting_has_five_swatches_covering_it_and_stable_across_runs() {
        let path = crate::media::datasets().join("images/vangogh_starry_night.jpg");
        let image = image::open(path).unwrap();
        let palette = dominant_palette(&image, 5);
        assert_eq!(palette.len(), 5);
        assert!((palette.iter().map(|s| s.share).sum::<f32>() - 1.0).abs() < 0.01);
        assert_eq!(palette, dominant_palette(&image, 5));
    }

    #[test]
    fn blurring_lowers_sharpness() {
        let path = crate::media::datasets().join("images/munch_the_scream.jpg");
        let image = image::open(path).unwrap();
        let crisp = sharpness(&image);
        let blurred = sharpness(&image.blur(4.0));
        assert!(crisp > 2.0 * blurred, "crisp {crisp}, blurred {blurred}");
        let flat = DynamicImage::ImageRgb8(RgbImage::from_pixel(64, 64, Rgb([90, 90, 90])));
        assert_eq!(sharpness(&flat), 0.0);
    }
}
