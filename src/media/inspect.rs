//! Decides whether uploaded bytes are an image we accept, from the bytes alone
//! (never the file name or declared type), and decodes it within fixed bounds.
//! Dimensions are read from the header and checked before any pixel is
//! allocated, so a decompression bomb costs a few hundred bytes of reading.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, RgbImage};

use super::pipeline::{Deadline, ProcessError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Largest accepted width × height.
    pub max_pixels: u64,
    /// Most memory processing one image may need, as [`working_memory`]
    /// estimates it from the header before any pixel is decoded; decoders are
    /// held to it too.
    pub max_alloc_bytes: u64,
}

impl Default for Bounds {
    /// 100 megapixels covers a high-resolution scan of a large canvas. PNG,
    /// TIFF in strips or tiles and lossy WebP stream through a reduced copy;
    /// a baseline JPEG decodes whole (300 MB at 100 MP), a progressive one at
    /// the DCT scale that fits, and a lossless WebP with alpha whole (400 MB),
    /// so the bound fits those with room for the rest of the job. What cannot
    /// fit (a 100 MP progressive JPEG without chroma subsampling, a lossless
    /// WebP without alpha, a TIFF in one huge strip) is refused from its header.
    fn default() -> Self {
        Self { max_pixels: 100_000_000, max_alloc_bytes: 448 * 1024 * 1024 }
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
    #[error(
        "decoding the image would need more memory than allowed; save it smaller, or as PNG or a baseline \
         (non-progressive) JPEG"
    )]
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

/// Long edge the working copy is reduced to before the high-quality resize:
/// twice the largest variant, so the final Lanczos step still has detail to
/// work with while the copy stays small (3200² RGB8 is 31 MB).
pub const WORKING_EDGE: u32 = 2 * crate::media::variants::LONG_EDGES[crate::media::variants::LONG_EDGES.len() - 1];

/// The integer factor a box reduction divides both sides by so the long edge
/// fits `max_edge`: 1 for images already that small.
pub fn reduction_factor(width: u32, height: u32, max_edge: u32) -> u32 {
    width.max(height).div_ceil(max_edge.max(1)).max(1)
}

/// How an image is decoded into its working copy, decided from the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    /// Rows stream through the reduction; `in_order` is false for Adam7.
    PngRows { in_order: bool, row_bytes: u64 },
    /// Strips or tiles stream through the reduction one at a time.
    TiffChunks { in_order: bool, chunk_bytes: u64 },
    /// A progressive JPEG, whose decoder holds every coefficient until the
    /// last scan (`coefficient_bytes`): decoded at the finest DCT scale (1/1
    /// to 1/8) at which that and the scaled planes fit the bound, then
    /// reduced. Scaling in the DCT averages in gamma space, so it is used only
    /// as far as memory requires.
    JpegProgressive { frame: JpegFrame },
    /// A still lossy WebP: the decoder's YUV planes (`frame_bytes`, with its
    /// copy of the bitstream) are turned into RGB a row at a time.
    WebpFrame { frame_bytes: u64 },
    /// The whole image is decoded at its stored depth, then reduced and dropped.
    Whole { decoded_bytes: u64 },
}

fn png_route(bytes: &[u8]) -> Result<Route, Rejection> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let reader = decoder.read_info().map_err(|e| Rejection::Damaged(e.to_string()))?;
    let (color, depth) = reader.output_color_type();
    let info = reader.info();
    let row_bytes =
        u64::from(info.width) * color.samples() as u64 * if depth == png::BitDepth::Sixteen { 2 } else { 1 };
    Ok(Route::PngRows { in_order: !info.interlaced, row_bytes })
}

/// The TIFF layouts the streaming path reads: chunky 8- or 16-bit grey or RGB,
/// with or without alpha. Anything else (CMYK, YCbCr, palettes, floats,
/// planar samples) is left to the `image` crate's whole-image decoder.
fn tiff_streamable<R: std::io::Read + std::io::Seek>(decoder: &mut tiff::decoder::Decoder<R>) -> Option<usize> {
    use tiff::{ColorType as T, tags::Tag};
    let channels = match decoder.colortype().ok()? {
        T::Gray(8 | 16) => 1,
        T::GrayA(8 | 16) => 2,
        T::RGB(8 | 16) => 3,
        T::RGBA(8 | 16) => 4,
        _ => return None,
    };
    let planar = decoder.find_tag_unsigned::<u16>(Tag::PlanarConfiguration).ok()?.unwrap_or(1);
    let sample_format = decoder.find_tag_unsigned::<u16>(Tag::SampleFormat).ok()?.unwrap_or(1);
    (planar == 1 && sample_format == 1).then_some(channels)
}

fn tiff_decoder<R: std::io::Read + std::io::Seek>(
    reader: R,
    bounds: Bounds,
) -> Result<tiff::decoder::Decoder<R>, Rejection> {
    let mut limits = tiff::decoder::Limits::default();
    limits.decoding_buffer_size = usize::try_from(bounds.max_alloc_bytes).unwrap_or(usize::MAX);
    Ok(tiff::decoder::Decoder::new(reader).map_err(|e| Rejection::Damaged(e.to_string()))?.with_limits(limits))
}

fn tiff_route(bytes: &[u8], inspected: &Inspected, bounds: Bounds) -> Result<Route, Rejection> {
    let mut decoder = tiff_decoder(Cursor::new(bytes), bounds)?;
    let Some(channels) = tiff_streamable(&mut decoder) else {
        return Ok(whole_route(bytes, inspected));
    };
    let depth: u64 = if inspected.color_type.bytes_per_pixel() as usize > channels { 2 } else { 1 };
    let (chunk_width, chunk_height) = decoder.chunk_dimensions();
    let chunk_bytes = u64::from(chunk_width) * u64::from(chunk_height) * channels as u64 * depth;
    let in_order = decoder.get_chunk_type() == tiff::decoder::ChunkType::Strip;
    Ok(Route::TiffChunks { in_order, chunk_bytes })
}

/// A whole-image decode: the pixels at the decoder's output type, plus what the
/// decoder keeps besides. A lossless WebP without alpha is decoded into RGBA
/// and copied out; an animated one is composed on an RGBA canvas.
fn whole_route(bytes: &[u8], inspected: &Inspected) -> Route {
    let pixels = u64::from(inspected.width) * u64::from(inspected.height);
    let mut decoded_bytes = pixels * u64::from(inspected.color_type.bytes_per_pixel());
    if inspected.format == AcceptedFormat::Webp {
        if !inspected.color_type.has_alpha() {
            decoded_bytes += pixels * 4;
        }
        if webp_chunks(bytes).any(|(kind, _)| kind == *b"ANMF") {
            decoded_bytes += pixels * 8;
        }
    }
    Route::Whole { decoded_bytes }
}

/// The top-level chunks of a WebP file (RIFF header skipped), as far as they
/// are complete.
fn webp_chunks(bytes: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    let mut at = 12;
    std::iter::from_fn(move || {
        let header = bytes.get(at..at + 8)?;
        let size = usize::try_from(u32::from_le_bytes([header[4], header[5], header[6], header[7]])).ok()?;
        let data = bytes.get(at + 8..at.checked_add(8 + size)?)?;
        at += 8 + size + size % 2;
        Some(([header[0], header[1], header[2], header[3]], data))
    })
}

/// The VP8 bitstream of a still lossy WebP (alpha, if any, is dropped later
/// anyway); None for lossless and animated files.
fn webp_lossy_still(bytes: &[u8]) -> Option<&[u8]> {
    let mut still = None;
    for (kind, data) in webp_chunks(bytes) {
        match &kind {
            b"VP8X" if data.first().is_some_and(|flags| flags & 0x02 != 0) => return None,
            b"VP8L" | b"ANMF" => return None,
            b"VP8 " => still = Some(data),
            _ => {}
        }
    }
    still
}

fn webp_route(bytes: &[u8], inspected: &Inspected) -> Route {
    match webp_lossy_still(bytes) {
        Some(vp8) => {
            // Planes padded to whole 16-pixel macroblocks; chroma at half size.
            let (width, height) = (u64::from(inspected.width), u64::from(inspected.height));
            let luma = width.next_multiple_of(16) * height.next_multiple_of(16);
            Route::WebpFrame { frame_bytes: luma * 3 / 2 + vp8.len() as u64 }
        }
        None => whole_route(bytes, inspected),
    }
}

/// What the frame header of a JPEG says about decoding it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct JpegFrame {
    components: u64,
    /// The samples of all components' planes at full scale, MCU padding included.
    plane_samples: u64,
    /// The DCT coefficients a progressive file's decoder keeps until its last
    /// scan: 64 `i16` per 8×8 block of every component; 0 for a sequential one.
    coefficient_bytes: u64,
}

fn jpeg_frame(bytes: &[u8]) -> Option<JpegFrame> {
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return None;
        }
        let marker = bytes[at + 1];
        let length = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let frame = bytes.get(at + 4..at + 2 + length)?;
            let height = u64::from(u16::from_be_bytes([*frame.get(1)?, *frame.get(2)?]));
            let width = u64::from(u16::from_be_bytes([*frame.get(3)?, *frame.get(4)?]));
            let components: Vec<(u64, u64)> = frame
                .get(6..6 + 3 * usize::from(*frame.get(5)?))?
                .chunks_exact(3)
                .map(|c| (u64::from(c[1] >> 4).max(1), u64::from(c[1] & 15).max(1)))
                .collect();
            let h_max = components.iter().map(|c| c.0).max()?;
            let v_max = components.iter().map(|c| c.1).max()?;
            let (mcu_x, mcu_y) = (width.div_ceil(8 * h_max), height.div_ceil(8 * v_max));
            let progressive = matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE);
            let plane_samples = components.iter().map(|(h, v)| mcu_x * h * 8 * mcu_y * v * 8).sum();
            let coefficient_bytes = if progressive { plane_samples * 2 } else { 0 };
            return Some(JpegFrame { components: components.len() as u64, plane_samples, coefficient_bytes });
        }
        at += 2 + length;
    }
    None
}

/// A sequential JPEG is decoded whole by the `image` crate (its output and a
/// copy of the file); a progressive one by `jpeg-decoder`, scaled.
fn jpeg_route(bytes: &[u8], inspected: &Inspected) -> Route {
    // A frame header the walk cannot read counts as the costliest kind: four
    // full-size progressive components.
    let pixels = u64::from(inspected.width) * u64::from(inspected.height);
    let frame = jpeg_frame(bytes).unwrap_or(JpegFrame {
        components: 4,
        plane_samples: pixels * 4,
        coefficient_bytes: pixels * 4 * 2,
    });
    if frame.coefficient_bytes == 0 {
        let decoded_bytes = pixels * u64::from(inspected.color_type.bytes_per_pixel()) + bytes.len() as u64;
        return Route::Whole { decoded_bytes };
    }
    Route::JpegProgressive { frame }
}

/// The DCT scaling denominators, finest first, that leave at least `max_edge`
/// on the long side (1 alone for an image already that small).
fn jpeg_scales(width: u32, height: u32, max_edge: u32) -> impl Iterator<Item = u32> {
    let factor = reduction_factor(width, height, max_edge);
    [1, 2, 4, 8].into_iter().filter(move |&scale| scale <= factor)
}

/// What `jpeg-decoder` holds decoding a progressive JPEG at 1/`scale`: the
/// coefficients, each component's plane and the interleaved output at the
/// scaled size (MCU padding included), and MCU rows on their way to the IDCT.
fn progressive_jpeg_bytes(width: u64, height: u64, frame: JpegFrame, scale: u32) -> u64 {
    let scale = u64::from(scale);
    let output = (width.div_ceil(scale) + 32) * (height.div_ceil(scale) + 32) * frame.components;
    frame.coefficient_bytes + frame.plane_samples / (scale * scale) + output + 16 * width * frame.components * 2
}

/// A job's memory estimate, and for a progressive JPEG the DCT scale it is
/// decoded at: the finest whose estimate fits the bound, or the coarsest.
fn estimate(bytes: &[u8], inspected: &Inspected, bounds: Bounds, max_edge: u32) -> Result<(u64, u32), Rejection> {
    let (width, height) = (u64::from(inspected.width), u64::from(inspected.height));
    let factor = u64::from(reduction_factor(inspected.width, inspected.height, WORKING_EDGE));
    let (reduced_width, reduced_height) = (width.div_ceil(factor), height.div_ceil(factor));
    let reduced = reduced_width * reduced_height * 3;
    let (out_width, out_height) = crate::media::variants::target_sizes(inspected.width, inspected.height)
        .last()
        .map_or((1, 1), |&(w, h)| (u64::from(w), u64::from(h)));
    let linear = |w: u64, h: u64| w * h * 3 * 4;
    // The resize runs down the columns first, into RGBA f32 rows of the full width.
    let rendering = reduced
        + linear(reduced_width, reduced_height)
        + reduced_width * out_height * 16
        + linear(out_width, out_height)
        + out_width * out_height * 3
        + 16 * 1024 * 1024;
    let band = |in_order: bool| if in_order { linear(reduced_width, 1) } else { linear(reduced_width, reduced_height) };
    const FIXED: u64 = 24 * 1024 * 1024;
    let total = |decoding: u64| bytes.len() as u64 + (reduced + decoding).max(rendering) + FIXED;
    Ok(match route(bytes, inspected, bounds)? {
        Route::PngRows { in_order, row_bytes } => (total(3 * row_bytes + band(in_order)), 1),
        Route::TiffChunks { in_order, chunk_bytes } => (total(2 * chunk_bytes + band(in_order)), 1),
        Route::JpegProgressive { frame } => {
            let at = |scale| total(progressive_jpeg_bytes(width, height, frame, scale) + band(true));
            let scales: Vec<u32> = jpeg_scales(inspected.width, inspected.height, max_edge).collect();
            let scale = scales.iter().copied().find(|&scale| at(scale) <= bounds.max_alloc_bytes);
            let scale = scale.unwrap_or(scales.last().copied().unwrap_or(1));
            (at(scale), scale)
        }
        Route::WebpFrame { frame_bytes } => (total(frame_bytes + width * 3 + band(true)), 1),
        Route::Whole { decoded_bytes } => (total(decoded_bytes + band(true)), 1),
    })
}

/// How much memory processing this image needs at most, from its header: the
/// input, then the larger of the decoding stage (the decoder's own buffers and
/// the reduction) and the rendering stage (the working copy in linear light,
/// the largest variant and its intermediate rows, the encoders), plus the
/// process's fixed share.
pub fn working_memory(bytes: &[u8], inspected: &Inspected, bounds: Bounds) -> Result<u64, Rejection> {
    Ok(estimate(bytes, inspected, bounds, WORKING_EDGE)?.0)
}

fn route(bytes: &[u8], inspected: &Inspected, bounds: Bounds) -> Result<Route, Rejection> {
    match inspected.format {
        AcceptedFormat::Png => png_route(bytes),
        AcceptedFormat::Tiff => tiff_route(bytes, inspected, bounds),
        AcceptedFormat::Jpeg => Ok(jpeg_route(bytes, inspected)),
        AcceptedFormat::Webp => Ok(webp_route(bytes, inspected)),
    }
}

/// Samples of one row as a decoder hands them over.
#[derive(Clone, Copy)]
pub(crate) enum Samples<'a> {
    U8(&'a [u8]),
    /// 16-bit, big-endian (PNG's byte order).
    U16Be(&'a [u8]),
    U16(&'a [u16]),
}

impl Samples<'_> {
    fn len(self) -> usize {
        match self {
            Self::U8(s) => s.len(),
            Self::U16Be(s) => s.len() / 2,
            Self::U16(s) => s.len(),
        }
    }
}

pub(crate) fn srgb_to_linear(v: f32) -> f32 {
    if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
}

pub(crate) fn linear_to_srgb(v: f32) -> f32 {
    let v = v.clamp(0.0, 1.0);
    if v <= 0.003_130_8 { v * 12.92 } else { 1.055 * v.powf(1.0 / 2.4) - 0.055 }
}

pub(crate) fn linear_table_8() -> &'static [f32] {
    static TABLE: std::sync::OnceLock<Vec<f32>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| (0..=255u32).map(|v| srgb_to_linear(v as f32 / 255.0)).collect())
}

fn linear_table_16() -> &'static [f32] {
    static TABLE: std::sync::OnceLock<Vec<f32>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| (0..=65535u32).map(|v| srgb_to_linear(v as f32 / 65535.0)).collect())
}

/// An integer box (area) reduction in linear light, fed row by row straight
/// from a decoder's 8- or 16-bit samples, into an 8-bit sRGB copy. Alpha is
/// dropped, as every later stage drops it. Rows in order need sums for one
/// output row only; rows out of order (Adam7 passes, tiles) keep sums for all.
pub(crate) struct Reducer {
    width: u32,
    height: u32,
    factor: u32,
    out_width: u32,
    out_height: u32,
    in_order: bool,
    /// Linear sums, three per output pixel, for output rows from `band_top`.
    sums: Vec<f32>,
    band_top: u32,
    out: Vec<u8>,
}

impl Reducer {
    pub(crate) fn new(width: u32, height: u32, factor: u32, in_order: bool) -> Self {
        let (out_width, out_height) = (width.div_ceil(factor), height.div_ceil(factor));
        let band_rows = if in_order { 1 } else { out_height };
        Self {
            width,
            height,
            factor,
            out_width,
            out_height,
            in_order,
            sums: vec![0.0; out_width as usize * band_rows as usize * 3],
            band_top: 0,
            out: vec![0; out_width as usize * out_height as usize * 3],
        }
    }

    /// Adds the pixels of image row `y` that sit at columns `x0`, `x0 + dx`, …
    /// (`dx` is 1 except in Adam7 passes). Rows past the image are ignored.
    pub(crate) fn add_row(&mut self, y: u32, x0: u32, dx: u32, samples: Samples<'_>, channels: usize) {
        if y >= self.height || channels == 0 {
            return;
        }
        let out_y = y / self.factor;
        if self.in_order {
            while out_y > self.band_top {
                self.flush_band();
            }
        }
        let row = (out_y - self.band_top) as usize * self.out_width as usize * 3;
        let count = (samples.len() / channels).min(self.width.saturating_sub(x0).div_ceil(dx.max(1)) as usize);
        let geometry = (row, x0, dx.max(1), count, channels);
        match samples {
            Samples::U8(s) => self.accumulate(geometry, linear_table_8(), |i| usize::from(s[i])),
            Samples::U16Be(s) => self
                .accumulate(geometry, linear_table_16(), |i| usize::from(u16::from_be_bytes([s[2 * i], s[2 * i + 1]]))),
            Samples::U16(s) => self.accumulate(geometry, linear_table_16(), |i| usize::from(s[i])),
        }
    }

    fn accumulate(
        &mut self,
        (row, x0, dx, count, channels): (usize, u32, u32, usize, usize),
        table: &[f32],
        sample: impl Fn(usize) -> usize,
    ) {
        let sums = &mut self.sums[row..row + self.out_width as usize * 3];
        for i in 0..count {
            let at = ((x0 + i as u32 * dx) / self.factor) as usize * 3;
            let first = i * channels;
            if channels >= 3 {
                sums[at] += table[sample(first)];
                sums[at + 1] += table[sample(first + 1)];
                sums[at + 2] += table[sample(first + 2)];
            } else {
                let grey = table[sample(first)];
                sums[at] += grey;
                sums[at + 1] += grey;
                sums[at + 2] += grey;
            }
        }
    }

    /// Turns the sums of output row `out_y` (held at `offset`) into sRGB.
    fn finish_row(&mut self, out_y: u32, offset: usize) {
        let rows = (self.height - out_y * self.factor).min(self.factor);
        let row_len = self.out_width as usize * 3;
        for out_x in 0..self.out_width {
            let columns = (self.width - out_x * self.factor).min(self.factor);
            let count = (rows * columns) as f32;
            for c in 0..3 {
                let at = out_x as usize * 3 + c;
                let mean = self.sums[offset + at] / count;
                self.out[out_y as usize * row_len + at] = (linear_to_srgb(mean) * 255.0).round() as u8;
            }
        }
    }

    fn flush_band(&mut self) {
        if self.band_top < self.out_height {
            self.finish_row(self.band_top, 0);
        }
        self.sums.fill(0.0);
        self.band_top += 1;
    }

    pub(crate) fn finish(mut self) -> RgbImage {
        if self.in_order {
            while self.band_top < self.out_height {
                self.flush_band();
            }
        } else {
            let row_len = self.out_width as usize * 3;
            for out_y in 0..self.out_height {
                self.finish_row(out_y, out_y as usize * row_len);
            }
        }
        RgbImage::from_raw(self.out_width, self.out_height, self.out).expect("the buffer is sized for the image")
    }
}

/// Reduces a decoded image to its working copy (see [`Reducer`]).
pub fn reduce(image: &DynamicImage, factor: u32) -> RgbImage {
    let (width, height) = (image.width(), image.height());
    let channels = usize::from(image.color().channel_count());
    let row_len = width as usize * channels;
    let mut reducer = Reducer::new(width, height, factor, true);
    let rows8 = |raw: &[u8], reducer: &mut Reducer| {
        for (y, row) in raw.chunks_exact(row_len).enumerate() {
            reducer.add_row(y as u32, 0, 1, Samples::U8(row), channels);
        }
    };
    let rows16 = |raw: &[u16], reducer: &mut Reducer| {
        for (y, row) in raw.chunks_exact(row_len).enumerate() {
            reducer.add_row(y as u32, 0, 1, Samples::U16(row), channels);
        }
    };
    match image {
        DynamicImage::ImageLuma8(b) => rows8(b.as_raw(), &mut reducer),
        DynamicImage::ImageLumaA8(b) => rows8(b.as_raw(), &mut reducer),
        DynamicImage::ImageRgb8(b) => rows8(b.as_raw(), &mut reducer),
        DynamicImage::ImageRgba8(b) => rows8(b.as_raw(), &mut reducer),
        DynamicImage::ImageLuma16(b) => rows16(b.as_raw(), &mut reducer),
        DynamicImage::ImageLumaA16(b) => rows16(b.as_raw(), &mut reducer),
        DynamicImage::ImageRgb16(b) => rows16(b.as_raw(), &mut reducer),
        DynamicImage::ImageRgba16(b) => rows16(b.as_raw(), &mut reducer),
        // Float images: rare, and small enough to pass the memory bound.
        other => return reduce(&DynamicImage::ImageRgb16(other.to_rgb16()), factor),
    }
    reducer.finish()
}

fn reduce_png(bytes: &[u8], factor: u32, bounds: Bounds, deadline: &Deadline) -> Result<RgbImage, ProcessError> {
    let damaged = |e: png::DecodingError| match e {
        png::DecodingError::LimitsExceeded => Rejection::TooMuchMemory,
        other => Rejection::Damaged(other.to_string()),
    };
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    decoder.set_limits(png::Limits { bytes: usize::try_from(bounds.max_alloc_bytes).unwrap_or(usize::MAX) });
    let mut reader = decoder.read_info().map_err(damaged)?;
    let (color, depth) = reader.output_color_type();
    let channels = color.samples();
    if !matches!(depth, png::BitDepth::Eight | png::BitDepth::Sixteen) {
        return Err(Rejection::UnsupportedFormat(format!("PNG of {depth:?} bits a sample")).into());
    }
    let (width, height, interlaced) = (reader.info().width, reader.info().height, reader.info().interlaced);
    // Where each row the decoder returns lies: every row in turn, or the rows
    // of the seven Adam7 passes (x0, y0, dx, dy), skipping empty passes.
    const ADAM7: [(u32, u32, u32, u32); 7] =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];
    let rows: Box<dyn Iterator<Item = (u32, u32, u32)>> = if interlaced {
        Box::new(
            ADAM7
                .into_iter()
                .filter(move |&(x0, y0, _, _)| width > x0 && height > y0)
                .flat_map(move |(x0, y0, dx, dy)| (y0..height).step_by(dy as usize).map(move |y| (y, x0, dx))),
        )
    } else {
        Box::new((0..height).map(|y| (y, 0, 1)))
    };
    let mut reducer = Reducer::new(width, height, factor, !interlaced);
    for (n, (y, x0, dx)) in rows.enumerate() {
        if n % 64 == 0 {
            deadline.check()?;
        }
        let row = reader.next_row().map_err(damaged)?.ok_or(Rejection::Truncated)?;
        let samples =
            if depth == png::BitDepth::Sixteen { Samples::U16Be(row.data()) } else { Samples::U8(row.data()) };
        reducer.add_row(y, x0, dx, samples, channels);
    }
    Ok(reducer.finish())
}

fn reduce_tiff(bytes: &[u8], factor: u32, bounds: Bounds, deadline: &Deadline) -> Result<RgbImage, ProcessError> {
    let damaged = |e: tiff::TiffError| match e {
        tiff::TiffError::LimitsExceeded => Rejection::TooMuchMemory.into(),
        other => timed_out_or(deadline, Rejection::Damaged(other.to_string())),
    };
    // The header is read through the deadline too, so a failure there may be the deadline's.
    let mut decoder = tiff_decoder(DeadlineReader::new(Cursor::new(bytes), deadline), bounds)
        .map_err(|rejection| timed_out_or(deadline, rejection))?;
    let channels = tiff_streamable(&mut decoder)
        .ok_or_else(|| timed_out_or(deadline, Rejection::Damaged("unexpected TIFF layout".into())))?;
    let (width, height) = decoder.dimensions().map_err(damaged)?;
    let tiled = decoder.get_chunk_type() == tiff::decoder::ChunkType::Tile;
    let (chunk_width, chunk_height) = decoder.chunk_dimensions();
    let (chunks, across) = if tiled {
        (decoder.tile_count().map_err(damaged)?, width.div_ceil(chunk_width.max(1)))
    } else {
        (decoder.strip_count().map_err(damaged)?, 1)
    };
    let mut reducer = Reducer::new(width, height, factor, !tiled);
    for index in 0..chunks {
        deadline.check()?;
        let (data_width, data_height) = decoder.chunk_data_dimensions(index);
        let (left, top) = ((index % across) * chunk_width, (index / across) * chunk_height);
        let row_len = data_width as usize * channels;
        let chunk = decoder.read_chunk(index).map_err(damaged)?;
        for row in 0..data_height {
            let samples = match &chunk {
                tiff::decoder::DecodingResult::U8(data) => {
                    data.get(row as usize * row_len..(row as usize + 1) * row_len).map(Samples::U8)
                }
                tiff::decoder::DecodingResult::U16(data) => {
                    data.get(row as usize * row_len..(row as usize + 1) * row_len).map(Samples::U16)
                }
                _ => None,
            };
            let samples = samples.ok_or_else(|| Rejection::Damaged("a TIFF strip is shorter than declared".into()))?;
            reducer.add_row(top + row, left, 1, samples, channels);
        }
    }
    Ok(reducer.finish())
}

/// A reader that fails once the deadline has passed, looking every 16 KiB, so
/// a decoder that reads as it decodes stops part-way through an image.
struct DeadlineReader<'a, R> {
    inner: R,
    deadline: &'a Deadline,
    unchecked: usize,
}

impl<'a, R> DeadlineReader<'a, R> {
    fn new(inner: R, deadline: &'a Deadline) -> Self {
        Self { inner, deadline, unchecked: 0 }
    }

    fn count(&mut self, bytes: usize) -> std::io::Result<()> {
        self.unchecked += bytes;
        self.check()
    }

    fn check(&mut self) -> std::io::Result<()> {
        if self.unchecked >= 16 * 1024 {
            self.unchecked = 0;
            self.deadline.check().map_err(|e| std::io::Error::new(std::io::ErrorKind::TimedOut, e))?;
        }
        Ok(())
    }
}

impl<R: std::io::Read> std::io::Read for DeadlineReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.count(read)?;
        Ok(read)
    }
}

impl<R: std::io::BufRead> std::io::BufRead for DeadlineReader<'_, R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.check()?;
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.inner.consume(amount);
        // `consume` cannot fail; the next read or fill reports the deadline.
        self.unchecked += amount;
    }
}

impl<R: std::io::Seek> std::io::Seek for DeadlineReader<'_, R> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(to)
    }
}

/// A decoder's failure, unless the deadline passed: then it failed because
/// its reader stopped it.
fn timed_out_or(deadline: &Deadline, rejection: Rejection) -> ProcessError {
    match deadline.check() {
        Err(timed_out) => timed_out.into(),
        Ok(()) => rejection.into(),
    }
}

/// Decodes a JPEG at 1/`scale` with `jpeg-decoder`, then box-reduces what is
/// left to `max_edge`.
fn reduce_jpeg(
    bytes: &[u8],
    scale: u32,
    max_edge: u32,
    bounds: Bounds,
    deadline: &Deadline,
) -> Result<RgbImage, ProcessError> {
    let failed = |e: jpeg_decoder::Error| timed_out_or(deadline, Rejection::Damaged(e.to_string()));
    let mut decoder = jpeg_decoder::Decoder::new(DeadlineReader::new(Cursor::new(bytes), deadline));
    decoder.set_max_decoding_buffer_size(usize::try_from(bounds.max_alloc_bytes).unwrap_or(usize::MAX));
    decoder.read_info().map_err(failed)?;
    let info = decoder.info().ok_or_else(|| Rejection::Damaged("the JPEG has no frame".into()))?;
    let request = |side: u16| u16::try_from(u32::from(side).div_ceil(scale)).unwrap_or(side);
    let (width, height) = decoder.scale(request(info.width), request(info.height)).map_err(failed)?;
    let pixels = decoder.decode().map_err(failed)?;
    drop(decoder);
    deadline.check()?;
    let (width, height) = (u32::from(width), u32::from(height));
    let channels = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => 1,
        jpeg_decoder::PixelFormat::RGB24 => 3,
        jpeg_decoder::PixelFormat::CMYK32 => 4,
        jpeg_decoder::PixelFormat::L16 => {
            return Err(Rejection::UnsupportedFormat("16-bit JPEG".into()).into());
        }
    };
    let mut reducer = Reducer::new(width, height, reduction_factor(width, height, max_edge), true);
    let mut rgb = Vec::with_capacity(width as usize * 3);
    for (y, row) in pixels.chunks_exact(width as usize * channels).enumerate() {
        if channels == 4 {
            // The decoder hands out CMYK with 0 as no ink; the ink of each
            // colour and of black take their share of the light away.
            rgb.clear();
            rgb.extend(row.chunks_exact(4).flat_map(|p| {
                let k = 255 - u16::from(p[3]);
                [0, 1, 2].map(|c| ((255 - u16::from(p[c])) * k / 255) as u8)
            }));
            reducer.add_row(y as u32, 0, 1, Samples::U8(&rgb), 3);
        } else {
            reducer.add_row(y as u32, 0, 1, Samples::U8(row), channels);
        }
    }
    Ok(reducer.finish())
}

/// Decodes a still lossy WebP's VP8 frame to its YUV planes and turns them into
/// RGB a row at a time for the reduction, instead of into a full RGB image.
/// The colour conversion and the chroma upsampling are libwebp's (as the
/// `image` crate's decoder does them): BT.601, and each pixel's chroma blended
/// 9:3:3:1 from the four samples nearest it.
fn reduce_webp_frame(
    vp8: &[u8],
    width: u32,
    height: u32,
    factor: u32,
    deadline: &Deadline,
) -> Result<RgbImage, ProcessError> {
    let frame =
        image_webp::vp8::Vp8Decoder::decode_frame(Cursor::new(vp8)).map_err(|e| Rejection::Damaged(e.to_string()))?;
    deadline.check()?;
    if (u32::from(frame.width), u32::from(frame.height)) != (width, height) {
        return Err(Rejection::Damaged("the WebP frame and canvas sizes differ".into()).into());
    }
    let stride = width.next_multiple_of(16) as usize;
    let (chroma_width, chroma_height) = ((width as usize).div_ceil(2), (height as usize).div_ceil(2));
    // The other chroma sample next to pixel `at` along one axis: the one
    // before for even pixels, the one after for odd, the same at the edges.
    let other = |at: usize, samples: usize| {
        if at.is_multiple_of(2) { (at / 2).saturating_sub(1) } else { (at / 2 + 1).min(samples - 1) }
    };
    // libwebp's fixed-point terms, looked up: (sample × coefficient) >> 8.
    let term = |coefficient: i32| -> [i32; 256] { std::array::from_fn(|v| (v as i32 * coefficient) >> 8) };
    let (y_term, r_from_v, g_from_u, g_from_v, b_from_u) =
        (term(19077), term(26149), term(6419), term(13320), term(33050));
    let mut reducer = Reducer::new(width, height, factor, true);
    let (mut rgb, mut u, mut v) = (vec![0; width as usize * 3], vec![0; width as usize], vec![0; width as usize]);
    for y in 0..height as usize {
        if y % 64 == 0 {
            deadline.check()?;
        }
        let luma = &frame.ybuf[y * stride..][..width as usize];
        let (near, far) = ((y / 2) * stride / 2, other(y, chroma_height) * stride / 2);
        for (plane, upsampled) in [(&frame.ubuf, &mut u), (&frame.vbuf, &mut v)] {
            let (near, far) = (&plane[near..][..chroma_width], &plane[far..][..chroma_width]);
            for (x, sample) in upsampled.iter_mut().enumerate() {
                let (cx, ox) = (x / 2, other(x, chroma_width));
                let weighed =
                    9 * u16::from(near[cx]) + 3 * (u16::from(near[ox]) + u16::from(far[cx])) + u16::from(far[ox]);
                *sample = ((weighed + 8) >> 4) as u8;
            }
        }
        for x in 0..width as usize {
            let (l, u, v) = (y_term[usize::from(luma[x])], usize::from(u[x]), usize::from(v[x]));
            rgb[3 * x] = ((l + r_from_v[v] - 14234) >> 6).clamp(0, 255) as u8;
            rgb[3 * x + 1] = ((l - g_from_u[u] - g_from_v[v] + 8708) >> 6).clamp(0, 255) as u8;
            rgb[3 * x + 2] = ((l + b_from_u[u] - 17685) >> 6).clamp(0, 255) as u8;
        }
        reducer.add_row(y as u32, 0, 1, Samples::U8(&rgb), 3);
    }
    Ok(reducer.finish())
}

/// Decodes straight into the reduced working copy the rest of the pipeline
/// works from, with the long edge at most `max_edge` (an integer fraction of
/// the original), upright, alpha dropped, 8-bit sRGB. PNG and TIFF stream
/// their rows through the reduction and a lossy WebP its frame's, so the
/// full-size image never exists; a progressive JPEG is decoded scaled, and
/// what decodes whole (a baseline JPEG, a lossless WebP) is dropped as soon as
/// the reduced copy exists. Checks `deadline` between rows, chunks, stages and
/// reads, and refuses an image whose memory estimate exceeds the bound.
pub fn decode_reduced(
    bytes: &[u8],
    bounds: Bounds,
    max_edge: u32,
    deadline: &Deadline,
) -> Result<(Inspected, RgbImage), ProcessError> {
    let inspected = inspect(bytes, bounds)?;
    let (memory, jpeg_scale) = estimate(bytes, &inspected, bounds, max_edge)?;
    if memory > bounds.max_alloc_bytes {
        return Err(Rejection::TooMuchMemory.into());
    }
    let (mut reader, _) = reader(bytes)?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(inspected.width);
    limits.max_image_height = Some(inspected.height);
    limits.max_alloc = Some(bounds.max_alloc_bytes);
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(damaged)?;
    let orientation =
        image::ImageDecoder::orientation(&mut decoder).unwrap_or(image::metadata::Orientation::NoTransforms);
    let factor = reduction_factor(inspected.width, inspected.height, max_edge);
    deadline.check()?;
    let reduced = match route(bytes, &inspected, bounds)? {
        Route::PngRows { .. } => {
            drop(decoder);
            reduce_png(bytes, factor, bounds, deadline)?
        }
        Route::TiffChunks { .. } => {
            drop(decoder);
            reduce_tiff(bytes, factor, bounds, deadline)?
        }
        Route::JpegProgressive { .. } => {
            drop(decoder);
            reduce_jpeg(bytes, jpeg_scale, max_edge, bounds, deadline)?
        }
        Route::WebpFrame { .. } => {
            drop(decoder);
            let vp8 = webp_lossy_still(bytes).ok_or_else(|| Rejection::Damaged("the WebP has no image".into()))?;
            reduce_webp_frame(vp8, inspected.width, inspected.height, factor, deadline)?
        }
        Route::Whole { .. } => {
            drop(decoder);
            let format =
                ImageFormat::from_mime_type(inspected.format.mime()).expect("accepted formats have a MIME type");
            let mut reader = ImageReader::with_format(DeadlineReader::new(Cursor::new(bytes), deadline), format);
            reader.limits(limits);
            let whole = reader.decode().map_err(|e| timed_out_or(deadline, damaged(e)))?;
            deadline.check()?;
            reduce(&whole, factor)
        }
    };
    let mut image = DynamicImage::ImageRgb8(reduced);
    image.apply_orientation(orientation);
    let (width, height) =
        if turns(orientation) { (inspected.height, inspected.width) } else { (inspected.width, inspected.height) };
    let DynamicImage::ImageRgb8(reduced) = image else { unreachable!("orientation keeps the pixel type") };
    Ok((Inspected { width, height, ..inspected }, reduced))
}

/// Whether an orientation swaps width and height.
fn turns(orientation: image::metadata::Orientation) -> bool {
    use image::metadata::Orientation::*;
    matches!(orientation, Rotate90 | Rotate270 | Rotate90FlipH | Rotate270FlipH)
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

    fn encode_png(image: &DynamicImage) -> Vec<u8> {
        let mut bytes = Vec::new();
        image.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png).unwrap();
        bytes
    }

    #[test]
    fn the_box_reduction_averages_in_linear_light_and_counts_partial_edges() {
        // A one-pixel checkerboard averages to half the light (sRGB 188), and a
        // 5×3 image halves to 3×2 with the last column and row only partly covered.
        let board =
            DynamicImage::ImageLuma8(image::GrayImage::from_fn(5, 3, |x, y| image::Luma([((x + y) % 2 * 255) as u8])));
        let half = reduce(&board, 2);
        assert_eq!(half.dimensions(), (3, 2));
        assert!((186..=190).contains(&half.get_pixel(0, 0)[0]), "{:?}", half.get_pixel(0, 0));
        // The corner pixel (4, 2) alone is white: (4 + 2) is even, so black.
        assert_eq!(half.get_pixel(2, 1)[0], 0);
        let flat =
            DynamicImage::ImageRgba16(image::ImageBuffer::from_pixel(9, 9, image::Rgba([0x8080u16, 0, 65535, 0])));
        assert_eq!(reduce(&flat, 4).get_pixel(2, 2).0, [128, 0, 255]);
    }

    #[test]
    fn streamed_png_and_tiff_match_the_whole_decode_reduced() {
        let (_, image) =
            decode(&std::fs::read(datasets().join("images/vangogh_starry_night.jpg")).unwrap(), Bounds::default())
                .unwrap();
        let image = DynamicImage::ImageRgba16(image.to_rgba16());
        let expected = reduce(&image, 3);
        let png = encode_png(&image);
        let (inspected, streamed) =
            decode_reduced(&png, Bounds::default(), image.width().max(image.height()).div_ceil(3), &Deadline::NONE)
                .unwrap();
        assert_eq!((inspected.width, inspected.height), (image.width(), image.height()));
        assert_eq!(streamed, expected);
        let mut tiff = Vec::new();
        image.write_to(&mut Cursor::new(&mut tiff), ImageFormat::Tiff).unwrap();
        let (_, streamed) =
            decode_reduced(&tiff, Bounds::default(), image.width().max(image.height()).div_ceil(3), &Deadline::NONE)
                .unwrap();
        assert_eq!(streamed, expected);
    }

    #[test]
    fn an_interlaced_png_streams_to_the_same_copy() {
        // Adam7 by hand: each pass's rows, filter type 0, in one zlib stream.
        let image =
            image::RgbImage::from_fn(37, 23, |x, y| image::Rgb([(x * 7) as u8, (y * 11) as u8, ((x * y) % 256) as u8]));
        let passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];
        let mut raw = Vec::new();
        for (x0, y0, dx, dy) in passes {
            if x0 >= 37 || y0 >= 23 {
                continue;
            }
            for y in (y0..23).step_by(dy) {
                raw.push(0);
                for x in (x0..37).step_by(dx) {
                    raw.extend_from_slice(&image.get_pixel(x, y).0);
                }
            }
        }
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut zlib, &raw).unwrap();
        let idat = zlib.finish().unwrap();
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
            chunk.extend_from_slice(kind);
            chunk.extend_from_slice(data);
            let mut crc = flate2::Crc::new();
            crc.update(kind);
            crc.update(data);
            chunk.extend_from_slice(&crc.sum().to_be_bytes());
            chunk
        };
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &[0, 0, 0, 37, 0, 0, 0, 23, 8, 2, 0, 0, 1]));
        png.extend(chunk(b"IDAT", &idat));
        png.extend(chunk(b"IEND", &[]));
        let whole = DynamicImage::ImageRgb8(image);
        assert_eq!(decode(&png, Bounds::default()).unwrap().1, whole);
        let (_, streamed) = decode_reduced(&png, Bounds::default(), 10, &Deadline::NONE).unwrap();
        let expected = reduce(&whole, 4);
        assert_eq!(streamed.dimensions(), expected.dimensions());
        // Passes add the same pixels in another order: equal but for float rounding.
        for (a, b) in streamed.as_raw().iter().zip(expected.as_raw()) {
            assert!(a.abs_diff(*b) <= 1, "{a} {b}");
        }
    }

    #[test]
    fn the_memory_estimate_refuses_what_cannot_fit_before_decoding() {
        // 100 MP JPEG frame headers: sequential 4:4:4, and progressive 4:2:0
        // and 4:4:4, whose decoder holds every coefficient until the last scan.
        let frame = |marker: u8, luma_sampling: u8| {
            let mut jpeg = vec![0xFF, 0xD8, 0xFF, marker, 0, 17, 8];
            jpeg.extend_from_slice(&10_000u16.to_be_bytes());
            jpeg.extend_from_slice(&10_000u16.to_be_bytes());
            jpeg.extend_from_slice(&[3, 1, luma_sampling, 0, 2, 0x11, 0, 3, 0x11, 0]);
            jpeg
        };
        let (baseline, progressive_420, progressive_444) = (frame(0xC0, 0x11), frame(0xC2, 0x22), frame(0xC2, 0x11));
        assert_eq!(
            jpeg_frame(&baseline),
            Some(JpegFrame { components: 3, plane_samples: 3 * 10_000 * 10_000, coefficient_bytes: 0 })
        );
        assert_eq!(jpeg_frame(&progressive_420).unwrap().coefficient_bytes, (1250 * 1250 + 2 * 625 * 625) * 64 * 2);
        assert_eq!(jpeg_frame(&progressive_444).unwrap().coefficient_bytes, 3 * 1250 * 1250 * 64 * 2);
        let inspected = Inspected {
            format: AcceptedFormat::Jpeg,
            width: 10_000,
            height: 10_000,
            color_type: image::ColorType::Rgb8,
            has_icc: false,
        };
        let bounds = Bounds::default();
        let plan = |jpeg: &[u8]| estimate(jpeg, &inspected, bounds, WORKING_EDGE).unwrap();
        assert!(plan(&baseline).0 <= bounds.max_alloc_bytes, "{:?}", plan(&baseline));
        // 4:2:0 coefficients leave room for planes at half the size, not more.
        assert_eq!(plan(&progressive_420).1, 2);
        assert!(plan(&progressive_420).0 <= bounds.max_alloc_bytes, "{:?}", plan(&progressive_420));
        assert!(plan(&progressive_444).0 > bounds.max_alloc_bytes, "{:?}", plan(&progressive_444));
    }

    /// Mean absolute difference of two images of the same size, in levels.
    fn difference(a: &RgbImage, b: &RgbImage) -> f64 {
        assert_eq!(a.dimensions(), b.dimensions());
        let total: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(a, b)| u64::from(a.abs_diff(*b))).sum();
        total as f64 / a.as_raw().len() as f64
    }

    fn painting() -> RgbImage {
        let bytes = std::fs::read(datasets().join("images/vangogh_starry_night.jpg")).unwrap();
        decode(&bytes, Bounds::default()).unwrap().1.to_rgb8()
    }

    #[test]
    fn progressive_jpegs_decode_like_the_image_crate_at_full_scale_and_close_to_it_scaled() {
        use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
        let image = painting();
        let (width, height) = image.dimensions();
        // Ink for what each colour lacks, no black.
        let cmyk: Vec<u8> = image.pixels().flat_map(|p| [255 - p[0], 255 - p[1], 255 - p[2], 0]).collect();
        let grey = DynamicImage::ImageRgb8(image.clone()).to_luma8();
        let cases: [(&str, &[u8], ColorType, SamplingFactor); 4] = [
            ("4:2:0", image.as_raw(), ColorType::Rgb, SamplingFactor::F_2_2),
            ("4:4:4", image.as_raw(), ColorType::Rgb, SamplingFactor::F_1_1),
            ("grey", grey.as_raw(), ColorType::Luma, SamplingFactor::F_1_1),
            ("Adobe CMYK", &cmyk, ColorType::Cmyk, SamplingFactor::F_1_1),
        ];
        for (name, pixels, color, sampling) in cases {
            let mut jpeg = Vec::new();
            let mut encoder = Encoder::new(&mut jpeg, 90);
            encoder.set_progressive(true);
            encoder.set_sampling_factor(sampling);
            encoder.encode(pixels, width as u16, height as u16, color).unwrap();
            let inspected = inspect(&jpeg, Bounds::default()).unwrap();
            assert!(matches!(route(&jpeg, &inspected, Bounds::default()), Ok(Route::JpegProgressive { .. })));
            let (_, whole) = decode(&jpeg, Bounds::default()).unwrap();
            // Small enough to fit at full scale: only the IDCTs' rounding differs.
            let edge = width.max(height).div_ceil(2);
            assert_eq!(estimate(&jpeg, &inspected, Bounds::default(), edge).unwrap().1, 1);
            let (_, decoded) = decode_reduced(&jpeg, Bounds::default(), edge, &Deadline::NONE).unwrap();
            let off = difference(&decoded, &reduce(&whole, 2));
            assert!(off < 1.0, "{name}: {off:.2} levels off at full scale");
            // At half scale the DCT averages in gamma space where the box
            // averages light, so fine contrast comes out somewhat darker.
            let scaled = reduce_jpeg(&jpeg, 2, edge, Bounds::default(), &Deadline::NONE).unwrap();
            let off = difference(&scaled, &reduce(&whole, 2));
            assert!(off < 12.0, "{name}: {off:.2} levels off at half scale");
        }
    }

    #[test]
    fn a_still_lossy_webp_streams_from_its_frame_like_the_whole_decode() {
        let image = painting();
        let (width, height) = image.dimensions();
        let rgba = DynamicImage::ImageRgb8(image.clone()).to_rgba8();
        for (name, webp) in [
            ("opaque", webp::Encoder::from_rgb(image.as_raw(), width, height).encode(90.0).to_vec()),
            ("with alpha", webp::Encoder::from_rgba(rgba.as_raw(), width, height).encode(90.0).to_vec()),
        ] {
            let inspected = inspect(&webp, Bounds::default()).unwrap();
            assert!(matches!(route(&webp, &inspected, Bounds::default()), Ok(Route::WebpFrame { .. })), "{name}");
            let (_, whole) = decode(&webp, Bounds::default()).unwrap();
            for factor in [1, 3] {
                let edge = width.max(height).div_ceil(factor);
                let (_, streamed) = decode_reduced(&webp, Bounds::default(), edge, &Deadline::NONE).unwrap();
                // Chroma here covers its 2×2 pixels; the whole decode blends it.
                let off = difference(&streamed, &reduce(&whole, factor));
                assert!(off < 2.0, "{name}, reduced {factor}×: {off:.2} levels off");
            }
        }
    }

    #[test]
    fn a_decoder_past_its_deadline_stops_where_it_is() {
        let past = Deadline::at(std::time::Instant::now());
        let jpeg = std::fs::read(datasets().join("images/vangogh_starry_night.jpg")).unwrap();
        assert!(matches!(reduce_jpeg(&jpeg, 1, 100, Bounds::default(), &past), Err(ProcessError::TimedOut(_))));
        let mut tiff = Vec::new();
        DynamicImage::ImageRgb8(painting()).write_to(&mut Cursor::new(&mut tiff), ImageFormat::Tiff).unwrap();
        assert!(matches!(reduce_tiff(&tiff, 4, Bounds::default(), &past), Err(ProcessError::TimedOut(_))));
        // Decoded whole by the `image` crate, through the same reader.
        let mut lossless = Vec::new();
        DynamicImage::ImageRgb8(painting()).write_to(&mut Cursor::new(&mut lossless), ImageFormat::WebP).unwrap();
        let stopped =
            ImageReader::with_format(DeadlineReader::new(Cursor::new(&lossless[..]), &past), ImageFormat::WebP)
                .decode()
                .map_err(|e| timed_out_or(&past, damaged(e)));
        assert!(matches!(stopped, Err(ProcessError::TimedOut(_))));
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
