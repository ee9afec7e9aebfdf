//! Decides whether uploaded bytes are an image we accept, from the bytes alone
//! (never the file name or declared type), and decodes it within fixed bounds.
//! Dimensions are read from the header and checked before any pixel is
//! allocated, so a decompression bomb costs a few hundred bytes of reading.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Largest accepted width × height.
    pub max_pixels: u64,
    /// Most memory a decoder may allocate.
    pub max_alloc_bytes: u64,
}

impl Default for Bounds {
    /// 100 megapixels covers a high-resolution scan of a large canvas; the memory
    /// bound fits one such image in RGBA16 with room for the decoder.
    fn default() -> Self {
        Self { max_pixels: 100_000_000, max_alloc_bytes: 1024 * 1024 * 1024 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcceptedFormat {
    Jpeg,
    Png,
    Webp,
    Tiff,
}

impl AcceptedFormat {
    fn from_image(format: ImageFormat) -> Option<Self> {
        match format {
            ImageFormat::Jpeg => Some(Self::Jpeg),
            ImageFormat::Png => Some(Self::Png),
            ImageFormat::WebP => Some(Self::Webp),
            ImageFormat::Tiff => Some(Self::Tiff),
            _ => None,
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Tiff => "image/tiff",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inspected {
    pub format: AcceptedFormat,
    pub width: u32,
    pub height: u32,
    /// Channels and bit depth as stored, e.g. `Rgb8`.
    pub color_type: image::ColorType,
    /// Whether the file embeds an ICC colour profile.
    pub has_icc: bool,
}

/// Why an upload was refused, worded for the artist who sent it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the file is empty")]
    Empty,
    #[error("the file is not a JPEG, PNG, WebP or TIFF image")]
    NotAnImage,
    #[error("{0} images are not accepted; upload JPEG, PNG, WebP or TIFF")]
    UnsupportedFormat(String),
    #[error("the image is {width}×{height} pixels; the limit is {limit} megapixels")]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    #[error("the image has no pixels")]
    NoPixels,
    #[error("the image file is damaged or incomplete ({0})")]
    Damaged(String),
    #[error("the image file is cut short (it has no end marker)")]
    Truncated,
    #[error("decoding the image would need more memory than allowed")]
    TooMuchMemory,
}

/// A reader positioned at the start of the image, and the format it sniffed.
type Sniffed<'a> = (ImageReader<Cursor<&'a [u8]>>, AcceptedFormat);

fn reader(bytes: &[u8]) -> Result<Sniffed<'_>, Rejection> {
    if bytes.is_empty() {
        return Err(Rejection::Empty);
    }
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| Rejection::NotAnImage)?;
    let format = reader.format().ok_or(Rejection::NotAnImage)?;
    let accepted = AcceptedFormat::from_image(format)
        .ok_or_else(|| Rejection::UnsupportedFormat(format!("{format:?}").to_uppercase()))?;
    Ok((reader, accepted))
}

fn damaged(err: image::ImageError) -> Rejection {
    match err {
        image::ImageError::Limits(_) => Rejection::TooMuchMemory,
        image::ImageError::Unsupported(e) => Rejection::UnsupportedFormat(e.to_string()),
        other => Rejection::Damaged(other.to_string()),
    }
}

/// Whether a JPEG's last scan is followed by its end-of-image marker. The decoder
/// pads a cut-off scan with grey instead of failing, so a partial upload would
/// otherwise be accepted. Inside scan data 0xFF is always stuffed (FF 00), so FF D9
/// after the last start-of-scan can only be the real end marker.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last_scan = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]).unwrap_or(0);
    bytes[last_scan..].windows(2).any(|w| w == [0xFF, 0xD9])
}

/// Reads only the header: format and dimensions, checked against the bounds.
pub fn inspect(bytes: &[u8], bounds: Bounds) -> Result<Inspected, Rejection> {
    let (reader, format) = reader(bytes)?;
    if format == AcceptedFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(Rejection::Truncated);
    }
    let mut decoder = reader.into_decoder().map_err(damaged)?;
    let (width, height) = image::ImageDecoder::dimensions(&decoder);
    let color_type = image::ImageDecoder::color_type(&decoder);
    let has_icc = image::ImageDecoder::icc_profile(&mut decoder).ok().flatten().is_some_and(|icc| !icc.is_empty());
    if width == 0 || height == 0 {
        return Err(Rejection::NoPixels);
    }
    if u64::from(width) * u64::from(height) > bounds.max_pixels {
        return Err(Rejection::TooManyPixels { width, height, limit: bounds.max_pixels / 1_000_000 });
    }
    Ok(Inspected { format, width, height, color_type, has_icc })
}

/// Inspects, then decodes with the decoder's own allocation and size limits set,
/// so a header that lies about its size is stopped too.
pub fn decode(bytes: &[u8], bounds: Bounds) -> Result<(Inspected, DynamicImage), Rejection> {
    let inspected = inspect(bytes, bounds)?;
    let (mut reader, _) = reader(bytes)?;
    // The returned dimensions are those after orientation is applied.
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(inspected.width);
    limits.max_image_height = Some(inspected.height);
    limits.max_alloc = Some(bounds.max_alloc_bytes);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(damaged)?;
    // Cameras store portrait shots sideways with an EXIF flag; the pixels are
    // turned upright here because re-encoding drops that flag.
    let orientation =
        image::ImageDecoder::orientation(&mut decoder).unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(damaged)?;
    image.apply_orientation(orientation);
    Ok((Inspected { width: image.width(), height: image.height(), ..inspected }, image))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::datasets;

    fn files(folder: &str) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(datasets().join(folder))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e != "tsv" && e != "md"))
            .map(|path| (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&path).unwrap()))
            .collect();
        files.sort();
        files
    }

    #[test]
    fn every_hostile_file_is_rejected_with_a_reason() {
        let hostile = files("bad-images");
        assert!(hostile.len() >= 15);
        for (name, bytes) in hostile {
            // A valid PNG with a misleading name is judged by its content.
            if name == "wrong_extension_png_content.jpg" {
                assert_eq!(decode(&bytes, Bounds::default()).unwrap().0.format, AcceptedFormat::Png);
                continue;
            }
            let rejection = decode(&bytes, Bounds::default()).err().unwrap_or_else(|| panic!("{name} was accepted"));
            assert!(!rejection.to_string().is_empty(), "{name}");
        }
    }

    #[test]
    fn decompression_bombs_are_refused_from_the_header() {
        for name in ["bomb_50000x50000_1bit.png", "bomb_50000x50000_rgba_header_only.png"] {
            let bytes = std::fs::read(datasets().join("bad-images").join(name)).unwrap();
            assert_eq!(
                inspect(&bytes, Bounds::default()),
                Err(Rejection::TooManyPixels { width: 50_000, height: 50_000, limit: 100 }),
                "{name}"
            );
        }
    }

    #[test]
    fn every_dataset_image_decodes_at_its_declared_size() {
        let images = files("images");
        assert_eq!(images.len(), 65);
        for (name, bytes) in images {
            let (inspected, image) = decode(&bytes, Bounds::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!((image.width(), image.height()), (inspected.width, inspected.height), "{name}");
        }
    }

    #[test]
    fn empty_and_foreign_files_get_specific_reasons() {
        assert_eq!(inspect(&[], Bounds::default()), Err(Rejection::Empty));
        assert_eq!(inspect(b"<!doctype html><p>404</p>", Bounds::default()), Err(Rejection::NotAnImage));
        assert!(matches!(
            inspect(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", Bounds::default()),
            Err(Rejection::UnsupportedFormat(_)) | Err(Rejection::NotAnImage)
        ));
        let tight = Bounds { max_pixels: 100, ..Bounds::default() };
        let png = std::fs::read(datasets().join("images/vangogh_starry_night_crop.png")).unwrap();
        assert!(matches!(inspect(&png, tight), Err(Rejection::TooManyPixels { .. })));
    }
}
