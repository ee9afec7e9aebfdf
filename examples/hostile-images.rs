//! Writes, into a folder, the most expensive image of each accepted format and
//! encoding that still passes the pixel limit: 10000×10000 pixels (100 MP) at
//! the largest channel count and bit depth each has, stored so it compresses to
//! a few megabytes. `atelier process-images DIR` over that folder shows what one
//! job costs at worst; `tests/it/hosts/image_memory.rs` writes the same files.
//!
//! `cargo run --release --example hostile-images -- DIR [EDGE]` (EDGE defaults
//! to 10000; smaller values make quick samples).

use std::{
    fs::File,
    io::{BufWriter, Write},
    path::Path,
};

/// What the pipeline must make of a worst case: process it, or refuse it from
/// its header because decoding it would need more memory than one job has. A
/// refused case is written small with the header of a full-size file: the
/// header is all that is read of it, and encoding 100 MP of it would only
/// slow the test down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Processed,
    Refused,
}

/// One worst-case file: its name, how to write it at a given size, and what
/// the pipeline must make of it at the pixel limit.
pub struct Case {
    pub file: &'static str,
    pub write: fn(&Path, u32, u32) -> anyhow::Result<()>,
    pub at_the_limit: Outcome,
}

pub const CASES: [Case; 11] = [
    Case { file: "png16-rgba.png", write: png_rgba16, at_the_limit: Outcome::Processed },
    Case { file: "png8-rgba.png", write: png_rgba8, at_the_limit: Outcome::Processed },
    Case { file: "jpeg-baseline-444.jpg", write: jpeg_baseline_444, at_the_limit: Outcome::Processed },
    Case { file: "jpeg-progressive-420.jpg", write: jpeg_progressive_420, at_the_limit: Outcome::Processed },
    // A progressive decoder holds every coefficient until the last scan: two
    // bytes a pixel per full-size component, 600 MB for 100 MP of 4:4:4.
    Case { file: "jpeg-progressive-444.jpg", write: jpeg_progressive_444, at_the_limit: Outcome::Refused },
    Case { file: "jpeg-progressive-cmyk.jpg", write: jpeg_progressive_cmyk, at_the_limit: Outcome::Refused },
    Case { file: "webp-lossy-alpha.webp", write: webp_lossy_alpha, at_the_limit: Outcome::Processed },
    Case { file: "webp-lossless-rgba.webp", write: webp_lossless_rgba, at_the_limit: Outcome::Processed },
    // Lossless without alpha is decoded into RGBA and then copied to RGB.
    Case { file: "webp-lossless-rgb.webp", write: webp_lossless_rgb, at_the_limit: Outcome::Refused },
    Case { file: "tiff16-rgba.tif", write: tiff_rgba16_strips, at_the_limit: Outcome::Processed },
    // One strip is decoded whole: 800 MB here.
    Case { file: "tiff16-rgba-one-strip.tif", write: tiff_rgba16_one_strip, at_the_limit: Outcome::Refused },
];

/// Rows change every `BAND` rows, so a generator builds a few distinct rows and
/// copies them, which keeps writing 100 MP quick even unoptimised.
const BAND: u32 = 500;

/// One row of 16-bit RGBA: a ramp across in red, a step per band in green, a
/// coarse checker in blue and a step per band in alpha, so every channel
/// carries something and the rows compress well.
fn row16(band: u32, width: u32, height: u32) -> Vec<u16> {
    let bands = height.div_ceil(BAND).max(2) - 1;
    let step = (u64::from(band.min(bands)) * 65535 / u64::from(bands)) as u16;
    let mut row = Vec::with_capacity(width as usize * 4);
    for x in 0..width {
        let red = (u64::from(x) * 65535 / u64::from(width.max(2) - 1)) as u16;
        let blue = if (x / BAND + band).is_multiple_of(2) { 12_000 } else { 52_000 };
        row.extend_from_slice(&[red, step, blue, 65535 - step / 4]);
    }
    row
}

/// The same row at 8 bits with the first `channels` channels.
fn row8(band: u32, width: u32, height: u32, channels: usize) -> Vec<u8> {
    row16(band, width, height).chunks_exact(4).flat_map(|p| &p[..channels]).map(|&v| (v >> 8) as u8).collect()
}

/// Calls `write` with each row of the image in turn, built once per band.
fn for_each_row<T>(
    height: u32,
    build: impl Fn(u32) -> Vec<T>,
    mut write: impl FnMut(&[T]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut band = (u32::MAX, Vec::new());
    for y in 0..height {
        if band.0 != y / BAND {
            band = (y / BAND, build(y / BAND));
        }
        write(&band.1)?;
    }
    Ok(())
}

fn png(path: &Path, width: u32, height: u32, sixteen: bool) -> anyhow::Result<()> {
    let mut encoder = png::Encoder::new(BufWriter::new(File::create(path)?), width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(if sixteen { png::BitDepth::Sixteen } else { png::BitDepth::Eight });
    encoder.set_compression(png::Compression::Fast);
    encoder.set_filter(png::Filter::Up);
    let mut writer = encoder.write_header()?;
    let mut stream = writer.stream_writer()?;
    if sixteen {
        let build = |band| row16(band, width, height).into_iter().flat_map(u16::to_be_bytes).collect();
        for_each_row(height, build, |row: &[u8]| Ok(stream.write_all(row)?))?;
    } else {
        for_each_row(height, |band| row8(band, width, height, 4), |row| Ok(stream.write_all(row)?))?;
    }
    stream.finish()?;
    Ok(())
}

fn png_rgba16(path: &Path, width: u32, height: u32) -> anyhow::Result<()> {
    png(path, width, height, true)
}

fn png_rgba8(path: &Path, width: u32, height: u32) -> anyhow::Result<()> {
    png(path, width, height, false)
}

/// Rows handed to the JPEG encoder as it asks for them, one plane per
/// component, built once per band.
struct Planes {
    width: u32,
    height: u32,
    cmyk: bool,
    bands: Vec<[Vec<u8>; 4]>,
}

impl Planes {
    fn new(width: u32, height: u32, cmyk: bool) -> Self {
        let bands = (0..height.div_ceil(BAND))
            .map(|band| {
                let mut planes: [Vec<u8>; 4] = Default::default();
                for pixel in row8(band, width, height, 4).chunks_exact(4) {
                    let values = if cmyk {
                        // Adobe CMYK is stored inverted; the alpha step stands in for black.
                        [255 - pixel[0], 255 - pixel[1], 255 - pixel[2], 255 - pixel[3]]
                    } else {
                        let (r, g, b) = (f32::from(pixel[0]), f32::from(pixel[1]), f32::from(pixel[2]));
                        let luma = 0.299 * r + 0.587 * g + 0.114 * b;
                        let [y, cb, cr] = [luma, 128.0 + (b - luma) * 0.564, 128.0 + (r - luma) * 0.713]
                            .map(|v| v.round().clamp(0.0, 255.0) as u8);
                        [y, cb, cr, 0]
                    };
                    for (plane, value) in planes.iter_mut().zip(values) {
                        plane.push(value);
                    }
                }
                planes
            })
            .collect();
        Self { width, height, cmyk, bands }
    }
}

impl jpeg_encoder::ImageBuffer for Planes {
    fn get_jpeg_color_type(&self) -> jpeg_encoder::JpegColorType {
        if self.cmyk { jpeg_encoder::JpegColorType::Cmyk } else { jpeg_encoder::JpegColorType::Ycbcr }
    }

    fn width(&self) -> u16 {
        self.width as u16
    }

    fn height(&self) -> u16 {
        self.height as u16
    }

    fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
        let band = &self.bands[(u32::from(y) / BAND) as usize];
        let components = if self.cmyk { 4 } else { 3 };
        for (buffer, plane) in buffers.iter_mut().zip(band).take(components) {
            buffer.extend_from_slice(plane);
        }
    }
}

fn jpeg(path: &Path, planes: Planes, progressive: bool, sampling: jpeg_encoder::SamplingFactor) -> anyhow::Result<()> {
    let mut encoder = jpeg_encoder::Encoder::new(BufWriter::new(File::create(path)?), 85);
    encoder.set_progressive(progressive);
    encoder.set_sampling_factor(sampling);
    encoder.encode_image(planes)?;
    Ok(())
}

fn jpeg_baseline_444(path: &Path, width: u32, height: u32) -> anyhow::Result<()> {
    jpeg(path, Planes::new(width, height, false), false, jpeg_encoder::SamplingFactor::F_1_1)
}

fn jpeg_progressive_420(path: &Path, width: u32, height: u32) -> anyhow::Result<()> {
    jpeg(path, Planes::new(width, height, false), true, jpeg_encoder::SamplingFactor::F_2_2)
}

fn jpeg_progressive_444(path: &Path, width: u32, height: u32) -> anyhow::Result<()> {
    jpeg(path, Planes::new(64, 64, false), true, jpeg_encoder::SamplingFactor::F_1_1)?;
    claim_jpeg_size(path, width, height)
}

fn jpeg_progressive_cmyk(path: &Path, width: u32, height: u32) -> anyhow::Result<()> {
    jpeg(path, Planes::new(64, 64, true), true, jpeg_encoder::SamplingFactor::F_1_1)?;
    claim_jpeg_size(path, width, height)
}

/// Rewrites the frame header's size.
fn claim_jpeg_size(path: &Path, width: u32, height: u32) -> anyhow::Result<()> {
    let mut bytes = std::fs::read(path)?;
    let mut at = 2;
    loop {
        let marker = *bytes.get(at + 1).ok_or_else(|| anyhow::anyhow!("no frame header"))?;
        if matches!(marker, 0xC0..=0xC3) {
            bytes[at + 5..at + 7].copy_from_slice(&u16::try_from(height)?.to_be_bytes());
            bytes[at + 7..at + 9].copy_from_slice(&u16::try_from(width)?.to_be_bytes());
            break;
        }
        at += 2 + usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
    }
    Ok(std::fs::write(path, bytes)?)
}

/// The whole image at 8 bits, as the WebP encoders take it.
fn full8(width: u32, height: u32, channels: usize) -> anyhow::Result<Vec<u8>> {
    let mut pixels = Vec::with_capacity(width as usize * height as usize * channels);
    for_each_row(
        height,
        |band| row8(band, width, height, channels),
        |row| {
            pixels.extend_from_slice(row);
            Ok(())
        },
    )?;
    Ok(pixels)
}

/// Lossless RGBA, encoded with libwebp's fastest settings (the decoder's work
/// does not depend on them).
fn webp_lossless_rgba(path: &Path, width: u32, height: u32) -> anyhow::Result<()> {
    let pixels = full8(width, height, 4)?;
    let mut config = webp::WebPConfig::new().map_err(|()| anyhow::anyhow!("libwebp refused its defaults"))?;
    config.lossless = 1;
    config.quality = 0.0;
    config.method = 0;
    let encoded = webp::Encoder::from_rgba(&pixels, width, height)
        .encode_advanced(&config)
        .map_err(|e| anyhow::anyhow!("WebP encoding failed: {e:?}"))?;
    Ok(std::fs::write(path, &*encoded)?)
}

fn webp_lossless_rgb(path: &Path, width: u32, height: u32) -> anyhow::Result<()> {
    let (small_width, small_height) = (width.min(64), height.min(64));
    let pixels = full8(small_width, small_height, 3)?;
    let mut bytes = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::webp::WebPEncoder::new_lossless(&mut bytes),
        &pixels,
        small_width,
        small_height,
        image::ExtendedColorType::Rgb8,
    )?;
    // The VP8L header after its signature byte: 14 bits each of width and
    // height less one, then the alpha flag and the version.
    anyhow::ensure!(bytes.get(12..16) == Some(b"VP8L"), "a plain lossless WebP");
    let header = u32::from_le_bytes(bytes[21..25].try_into()?);
    let claimed = (header & !0x0FFF_FFFF) | (width - 1) | ((height - 1) << 14);
    bytes[21..25].copy_from_slice(&claimed.to_le_bytes());
    Ok(std::fs::write(path, bytes)?)
}

/// Lossy colour with a separate alpha plane, encoded with libwebp's fastest
/// settings (the decoder's work does not depend on them).
fn webp_lossy_alpha(path: &Path, width: u32, height: u32) -> anyhow::Result<()> {
    let pixels = full8(width, height, 4)?;
    let mut config = webp::WebPConfig::new().map_err(|()| anyhow::anyhow!("libwebp refused its defaults"))?;
    config.quality = 50.0;
    config.method = 0;
    config.segments = 1;
    config.sns_strength = 0;
    config.filter_strength = 0;
    config.alpha_quality = 50;
    config.alpha_filtering = 0;
    let encoded = webp::Encoder::from_rgba(&pixels, width, height)
        .encode_advanced(&config)
        .map_err(|e| anyhow::anyhow!("WebP encoding failed: {e:?}"))?;
    std::fs::write(path, &*encoded)?;
    Ok(())
}

/// A little-endian 16-bit RGBA TIFF (unassociated alpha) of deflate-compressed
/// strips of `rows` rows with the horizontal predictor: 64 rows a strip is
/// what most writers do, the whole height what some scanners do. Written by
/// hand because the `tiff` crate's encoder compresses only images handed over
/// whole.
fn tiff_rgba16(path: &Path, width: u32, height: u32, rows: u32) -> anyhow::Result<()> {
    let mut file = b"II\x2a\0\0\0\0\0".to_vec();
    let (mut offsets, mut counts) = (Vec::new(), Vec::new());
    let mut strip = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut y = 0;
    let build = |band| {
        // Each sample less the one before it in the same channel (wrapping).
        let row = row16(band, width, height);
        let predicted: Vec<u16> =
            (0..row.len()).map(|i| if i < 4 { row[i] } else { row[i].wrapping_sub(row[i - 4]) }).collect();
        predicted.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>()
    };
    for_each_row(height, build, |row| {
        strip.write_all(row)?;
        y += 1;
        if y % rows == 0 || y == height {
            let compressed =
                std::mem::replace(&mut strip, flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast()))
                    .finish()?;
            offsets.push(u32::try_from(file.len())?);
            counts.push(u32::try_from(compressed.len())?);
            file.extend_from_slice(&compressed);
        }
        Ok(())
    })?;
    // Arrays longer than four bytes live outside their entry.
    let mut array = |values: &[u32], short: bool| -> anyhow::Result<(u16, u32, u32)> {
        let (kind, size) = if short { (3, 2) } else { (4, 4) };
        let bytes: Vec<u8> = values
            .iter()
            .flat_map(|&v| if short { (v as u16).to_le_bytes().to_vec() } else { v.to_le_bytes().to_vec() })
            .collect();
        let count = u32::try_from(values.len())?;
        if values.len() * size <= 4 {
            let mut inline = [0; 4];
            inline[..bytes.len()].copy_from_slice(&bytes);
            return Ok((kind, count, u32::from_le_bytes(inline)));
        }
        if file.len() % 2 == 1 {
            file.push(0);
        }
        let at = u32::try_from(file.len())?;
        file.extend_from_slice(&bytes);
        Ok((kind, count, at))
    };
    let entries = [
        (256, array(&[width], false)?),
        (257, array(&[height], false)?),
        (258, array(&[16; 4], true)?),
        (259, array(&[8], true)?),
        (262, array(&[2], true)?),
        (273, array(&offsets, false)?),
        (277, array(&[4], true)?),
        (278, array(&[rows], false)?),
        (279, array(&counts, false)?),
        (284, array(&[1], true)?),
        (317, array(&[2], true)?),
        (338, array(&[2], true)?),
    ];
    if file.len() % 2 == 1 {
        file.push(0);
    }
    let ifd = u32::try_from(file.len())?;
    file[4..8].copy_from_slice(&ifd.to_le_bytes());
    file.extend_from_slice(&u16::try_from(entries.len())?.to_le_bytes());
    for (tag, (kind, count, value)) in entries {
        file.extend_from_slice(&u16::to_le_bytes(tag));
        file.extend_from_slice(&u16::to_le_bytes(kind));
        file.extend_from_slice(&count.to_le_bytes());
        file.extend_from_slice(&value.to_le_bytes());
    }
    file.extend_from_slice(&[0; 4]);
    Ok(std::fs::write(path, file)?)
}

fn tiff_rgba16_strips(path: &Path, width: u32, height: u32) -> anyhow::Result<()> {
    tiff_rgba16(path, width, height, 64)
}

fn tiff_rgba16_one_strip(path: &Path, width: u32, height: u32) -> anyhow::Result<()> {
    tiff_rgba16(path, width, height, height)
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or_else(|| anyhow::anyhow!("usage: hostile-images DIR [EDGE]"))?;
    let edge: u32 = args.next().map_or(Ok(10_000), |e| e.parse())?;
    std::fs::create_dir_all(&dir)?;
    for case in &CASES {
        let path = Path::new(&dir).join(case.file);
        let started = std::time::Instant::now();
        (case.write)(&path, edge, edge)?;
        eprintln!(
            "{}: {} bytes in {:.1}s",
            path.display(),
            std::fs::metadata(&path)?.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
