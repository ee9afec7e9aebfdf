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

pub struct FolderReport {
    pub files: usize,
    pub accepted: usize,
    pub seconds: f64,
}

/// Runs [`process`] over every file in `dir` on `threads` threads, nothing stored,
/// calling `report_line` once per file with its outcome. Used to measure the
/// pipeline and to check a batch of images before importing it.
pub fn process_folder(
    dir: &std::path::Path,
    threads: usize,
    report_line: impl Fn(String) + Sync,
) -> std::io::Result<FolderReport> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file() && path.extension().is_some_and(|e| e != "tsv" && e != "md"))
        .collect();
    files.sort();
    let next = AtomicUsize::new(0);
    let accepted = AtomicUsize::new(0);
    let started = std::time::Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                while let Some(path) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let name = path.file_name().unwrap_or_default().to_string_lossy();
                    let line = match std::fs::read(path) {
                        Err(e) => format!("{name}: unreadable: {e}"),
                        Ok(bytes) => match process(&bytes, Bounds::default()) {
                            Ok(done) => {
                                accepted.fetch_add(1, Ordering::Relaxed);
                                format!(
                                    "{name}: {}x{} {} variants, hash {:016x}, sharpness {:.0}",
                                    done.inspected.width,
                                    done.inspected.height,
                                    done.variants.len(),
                                    done.hash.0,
                                    done.sharpness
                                )
                            }
                            Err(e) => format!("{name}: rejected: {e}"),
                        },
                    };
                    report_line(line);
                }
            });
        }
    });
    Ok(FolderReport { files: files.len(), accepted: accepted.into_inner(), seconds: started.elapsed().as_secs_f64() })
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn a_folder_of_hostile_files_yields_one_verdict_each_and_only_the_real_image_passes() {
        let lines = Mutex::new(Vec::new());
        let report =
            process_folder(&crate::media::datasets().join("bad-images"), 2, |line| lines.lock().unwrap().push(line))
                .unwrap();
        let lines = lines.into_inner().unwrap();
        assert_eq!(lines.len(), report.files);
        assert_eq!(report.accepted, 1);
        assert_eq!(lines.iter().filter(|l| l.contains(": rejected: ")).count(), report.files - 1);
        assert!(
            lines.iter().any(|l| l.starts_with("wrong_extension_png_content.jpg: 600x400 6 variants")),
            "{lines:?}"
        );
    }
}
