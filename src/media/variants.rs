//! The sizes the web shows: each image at three long edges, as WebP with a JPEG
//! fallback. Resampling happens in linear light, so fine light-and-dark detail
//! keeps its brightness instead of turning muddy.

use std::io::Cursor;

use image::{DynamicImage, ImageBuffer, Rgb, Rgb32FImage, RgbImage, codecs::jpeg::JpegEncoder, imageops::FilterType};

use super::{
    inspect::{WORKING_EDGE, linear_table_8, linear_to_srgb, reduce, reduction_factor, srgb_to_linear},
    pipeline::{Deadline, ProcessError},
};

/// Long edges of the variants, in pixels: thumbnails, grid cards on phones and
/// high-density screens, detail pages, zoom. Without the 480 step a portrait
/// card on a phone skips from a 220 px-wide file to a 550 px one.
pub const LONG_EDGES: [u32; 4] = [320, 480, 800, 1600];
const JPEG_QUALITY: u8 = 82;
const WEBP_QUALITY: f32 = 80.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariantFormat {
    Webp,
    Jpeg,
}

impl VariantFormat {
    pub fn mime(self) -> &'static str {
        match self {
            Self::Webp => "image/webp",
            Self::Jpeg => "image/jpeg",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Webp => "webp",
            Self::Jpeg => "jpg",
        }
    }
}

pub struct Variant {
    pub width: u32,
    pub height: u32,
    pub format: VariantFormat,
    pub bytes: Vec<u8>,
}

/// The sizes to render for an image: each long edge, never above the original,
/// without repeats (a 700 px original yields 320 and 700).
pub fn target_sizes(width: u32, height: u32) -> Vec<(u32, u32)> {
    let long = width.max(height);
    let mut sizes: Vec<(u32, u32)> = LONG_EDGES
        .iter()
        .map(|&edge| {
            let edge = edge.min(long);
            let scale = f64::from(edge) / f64::from(long);
            let scaled = |side: u32| ((f64::from(side) * scale).round() as u32).max(1);
            if width >= height { (edge, scaled(height)) } else { (scaled(width), edge) }
        })
        .collect();
    sizes.dedup();
    sizes
}

/// Lanczos3 in linear light. Transparency is dropped: variants are JPEG-compatible.
pub fn resize_linear(image: &DynamicImage, width: u32, height: u32) -> RgbImage {
    to_srgb8(&image::imageops::resize(&to_linear(image), width, height, FilterType::Lanczos3))
}

fn to_linear(image: &DynamicImage) -> Rgb32FImage {
    // The working copy is 8-bit: a table lookup per sample instead of a power.
    if let DynamicImage::ImageRgb8(rgb) = image {
        let table = linear_table_8();
        let samples = rgb.as_raw().iter().map(|&v| table[usize::from(v)]).collect();
        return Rgb32FImage::from_raw(rgb.width(), rgb.height(), samples).expect("one sample each");
    }
    let mut linear = image.to_rgb32f();
    linear.pixels_mut().for_each(|p| p.0 = p.0.map(srgb_to_linear));
    linear
}

fn to_srgb8(linear: &Rgb32FImage) -> RgbImage {
    ImageBuffer::from_fn(linear.width(), linear.height(), |x, y| {
        Rgb(linear.get_pixel(x, y).0.map(|v| (linear_to_srgb(v) * 255.0).round() as u8))
    })
}

fn encode(pixels: &RgbImage) -> anyhow::Result<[Variant; 2]> {
    let (width, height) = pixels.dimensions();
    let mut jpeg = Vec::new();
    pixels.write_with_encoder(JpegEncoder::new_with_quality(&mut Cursor::new(&mut jpeg), JPEG_QUALITY))?;
    let webp = webp::Encoder::from_rgb(pixels.as_raw(), width, height).encode(WEBP_QUALITY).to_vec();
    Ok([
        Variant { width, height, format: VariantFormat::Webp, bytes: webp },
        Variant { width, height, format: VariantFormat::Jpeg, bytes: jpeg },
    ])
}

/// Every variant of an image, smallest first, each size as WebP then JPEG.
/// Large images are first reduced to a working copy (see [`render_from`]).
pub fn render(image: &DynamicImage) -> anyhow::Result<Vec<Variant>> {
    let sizes = target_sizes(image.width(), image.height());
    let factor = reduction_factor(image.width(), image.height(), WORKING_EDGE);
    let reduced;
    let working = if factor > 1 {
        reduced = DynamicImage::ImageRgb8(reduce(image, factor));
        &reduced
    } else {
        image
    };
    render_from(working, &sizes, &Deadline::NONE).map_err(|e| match e {
        ProcessError::Internal(e) => e,
        other => anyhow::Error::new(other),
    })
}

/// Renders `sizes` (as [`target_sizes`] gives them for the original) from the
/// working copy. The largest comes first, straight from the working copy in
/// linear light; each smaller one is resampled from the previous result, still
/// in linear light, so only one full-width float copy (of the working copy,
/// never of the original) exists at a time. Checks `deadline` between sizes.
pub fn render_from(
    working: &DynamicImage,
    sizes: &[(u32, u32)],
    deadline: &Deadline,
) -> Result<Vec<Variant>, ProcessError> {
    let mut previous: Option<Rgb32FImage> = None;
    let mut rendered = Vec::with_capacity(sizes.len());
    for &(width, height) in sizes.iter().rev() {
        deadline.check()?;
        let source = match previous.take() {
            Some(previous) => previous,
            None => to_linear(working),
        };
        let linear = image::imageops::resize(&source, width, height, FilterType::Lanczos3);
        drop(source);
        deadline.check()?;
        rendered.push(encode(&to_srgb8(&linear))?);
        previous = Some(linear);
    }
    Ok(rendered.into_iter().rev().flatten().collect())
}

#[cfg(test)]
mod tests {
    use image::Luma;

    use super::*;

    #[test]
    fn sizes_follow_the_long_edge_and_never_upscale() {
        assert_eq!(target_sizes(1024, 640), [(320, 200), (480, 300), (800, 500), (1024, 640)]);
        assert_eq!(target_sizes(640, 1024), [(200, 320), (300, 480), (500, 800), (640, 1024)]);
        assert_eq!(target_sizes(3000, 1500), [(320, 160), (480, 240), (800, 400), (1600, 800)]);
        assert_eq!(target_sizes(100, 50), [(100, 50)]);
    }

    #[test]
    fn downscaling_keeps_the_brightness_of_fine_detail() {
        // A one-pixel checkerboard of black and white is, at half size, a grey of
        // half the light: sRGB 188, not the 128 a naive average gives.
        let board = image::GrayImage::from_fn(64, 64, |x, y| Luma([if (x + y) % 2 == 0 { 0 } else { 255 }]));
        let half = resize_linear(&DynamicImage::ImageLuma8(board), 32, 32);
        let centre = half.get_pixel(16, 16)[0];
        assert!((180..=196).contains(&centre), "{centre}");
    }

    #[test]
    fn variants_carry_no_metadata_from_the_original() {
        // This scan's JPEG carries an EXIF block; re-encoding from pixels drops it.
        let bytes = std::fs::read(crate::media::datasets().join("images/monet_water_lilies_1919.jpg")).unwrap();
        let has_exif = |data: &[u8]| data.windows(6).any(|w| w == b"Exif\0\0");
        assert!(has_exif(&bytes));
        let (_, image) = crate::media::inspect::decode(&bytes, crate::media::inspect::Bounds::default()).unwrap();
        for variant in render(&image).unwrap() {
            assert!(!has_exif(&variant.bytes), "{}px {:?}", variant.width, variant.format);
            assert!(
                !variant.bytes.windows(4).any(|w| w == b"XMP " || w == b"ICCP"),
                "{}px {:?}",
                variant.width,
                variant.format
            );
        }
    }

    #[test]
    fn every_variant_decodes_at_its_size_in_its_format() {
        let path = crate::media::datasets().join("images/vangogh_starry_night.jpg");
        let image = image::open(path).unwrap();
        let variants = render(&image).unwrap();
        assert_eq!(variants.len(), 8);
        for variant in &variants {
            let format = match variant.format {
                VariantFormat::Webp => image::ImageFormat::WebP,
                VariantFormat::Jpeg => image::ImageFormat::Jpeg,
            };
            let decoded = image::load_from_memory_with_format(&variant.bytes, format).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (variant.width, variant.height));
        }
        let webp_800 = variants.iter().find(|v| v.width == 800 && v.format == VariantFormat::Webp).unwrap();
        let jpeg_800 = variants.iter().find(|v| v.width == 800 && v.format == VariantFormat::Jpeg).unwrap();
        assert!(webp_800.bytes.len() < jpeg_800.bytes.len(), "lossy WebP should be smaller than JPEG");
    }
}
