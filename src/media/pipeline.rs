//! The whole processing of one uploaded image, as the `media.process` job runs it:
//! decode within bounds, render the variants, and analyse the pixels.
//!
//! Memory stays bounded for any accepted input: the image is decoded into a
//! reduced 8-bit working copy (at most twice the largest variant) and every
//! later stage works from that copy, so no full-size float image ever exists;
//! each job reserves its header-estimated need from a process-wide
//! [`MemoryBudget`] before decoding; and a [`Deadline`] checked between rows,
//! stages and decoder reads ends a job that runs over its time instead of
//! letting it run on.

use std::{
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

use image::DynamicImage;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{
    analysis::{Swatch, dominant_palette, sharpness},
    fingerprint::PerceptualHash,
    inspect::{Bounds, Inspected, Rejection, WORKING_EDGE, decode_reduced, inspect, working_memory},
    variants::{Variant, render_from, target_sizes},
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
    /// The time budget ran out; the work stopped where it was.
    #[error(transparent)]
    TimedOut(#[from] TimedOut),
    /// The work panicked (a decoder bug); retrying would panic again.
    #[error("image processing panicked: {0}")]
    Panicked(String),
    /// Something failed on our side; the job may be retried.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the image took too long to process")]
pub struct TimedOut;

/// When the work on one image must stop. The blocking work checks it between
/// rows, chunks and stages, and decoders read their input through it, so a
/// job past its time ends where it is instead of running on after its caller
/// gave up. What reads nothing as it goes (a baseline JPEG's decode once its
/// input is copied in, a lossy WebP frame's once its partitions are) runs to
/// its end: a second or two at the pixel limit.
#[derive(Clone, Copy, Debug)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    pub const NONE: Self = Self(None);

    pub fn at(instant: Instant) -> Self {
        Self(Some(instant))
    }

    pub fn after(budget: Duration) -> Self {
        Self(Instant::now().checked_add(budget))
    }

    pub fn check(&self) -> Result<(), TimedOut> {
        match self.0 {
            Some(at) if Instant::now() >= at => Err(TimedOut),
            _ => Ok(()),
        }
    }
}

/// The memory budget when none is configured (`IMAGE_MEMORY_BUDGET_MB`): two
/// jobs at the pixel limit at once.
pub const DEFAULT_MEMORY_BUDGET_MB: u32 = 1024;

/// Megabytes of image-processing memory the whole process may use at once. A
/// job reserves its header estimate ([`working_memory`]) before decoding and
/// holds it until its blocking work has ended, so concurrent jobs together stay
/// within the budget however many the worker runs; a job needing more than the
/// whole budget waits for all of it and runs alone.
pub struct MemoryBudget {
    permits: Arc<Semaphore>,
    megabytes: u32,
}

impl MemoryBudget {
    pub fn new(megabytes: u32) -> Self {
        let megabytes = megabytes.max(1);
        Self { permits: Arc::new(Semaphore::new(megabytes as usize)), megabytes }
    }

    /// The budget every job in this process shares, sized by the first caller.
    pub fn process_wide(megabytes: u32) -> &'static Self {
        static BUDGET: OnceLock<MemoryBudget> = OnceLock::new();
        BUDGET.get_or_init(|| Self::new(megabytes))
    }

    pub fn megabytes(&self) -> u32 {
        self.megabytes
    }

    /// Waits until `bytes` (rounded up to whole megabytes, at most the whole
    /// budget) are free and reserves them until the permit is dropped.
    pub async fn reserve(&self, bytes: u64) -> OwnedSemaphorePermit {
        let megabytes = u32::try_from(bytes.div_ceil(1024 * 1024)).unwrap_or(u32::MAX).clamp(1, self.megabytes);
        self.permits.clone().acquire_many_owned(megabytes).await.expect("the budget's semaphore is never closed")
    }
}

/// What processing an image will take, read from its header alone.
pub struct Plan {
    pub inspected: Inspected,
    /// Estimated peak memory of the job, in bytes (within `bounds`).
    pub memory_bytes: u64,
}

/// Inspects the header and estimates the job's memory; refuses the image if
/// that estimate is over the bounds.
pub fn plan(bytes: &[u8], bounds: Bounds) -> Result<Plan, Rejection> {
    let inspected = inspect(bytes, bounds)?;
    let memory_bytes = working_memory(bytes, &inspected, bounds)?;
    if memory_bytes > bounds.max_alloc_bytes {
        return Err(Rejection::TooMuchMemory);
    }
    Ok(Plan { inspected, memory_bytes })
}

pub fn process(bytes: &[u8], bounds: Bounds) -> Result<Processed, ProcessError> {
    process_within(bytes, bounds, &Deadline::NONE)
}

/// [`process`], stopping with [`ProcessError::TimedOut`] once `deadline` passes.
/// Every stage after decoding works from the reduced copy; the analyses see it
/// too (they sample far below its size: 128 px for the palette, 512 px for
/// sharpness, 16 px for the hash).
pub fn process_within(bytes: &[u8], bounds: Bounds, deadline: &Deadline) -> Result<Processed, ProcessError> {
    let (inspected, working) = decode_reduced(bytes, bounds, WORKING_EDGE, deadline)?;
    let working = DynamicImage::ImageRgb8(working);
    deadline.check()?;
    let variants = render_from(&working, &target_sizes(inspected.width, inspected.height), deadline)?;
    deadline.check()?;
    let palette = dominant_palette(&working, 5);
    deadline.check()?;
    let hash = PerceptualHash::of(&working);
    deadline.check()?;
    Ok(Processed { variants, palette, hash, sharpness: sharpness(&working), inspected })
}

/// Runs [`process_within`] on a blocking thread once the job's memory is
/// reserved from `budget`; the time budget starts then (waiting for memory is
/// not the image's fault). The reservation moves into the blocking work, so it
/// is held exactly as long as the memory is, and the call returns only once
/// that work has stopped, on its own or at the deadline.
pub async fn process_bounded(
    bytes: Vec<u8>,
    bounds: Bounds,
    timeout: Duration,
    budget: &MemoryBudget,
) -> Result<Processed, ProcessError> {
    let plan = plan(&bytes, bounds)?;
    let permit = budget.reserve(plan.memory_bytes).await;
    let deadline = Deadline::after(timeout);
    let work = tokio::task::spawn_blocking(move || {
        let _reserved = permit;
        process_within(&bytes, bounds, &deadline)
    });
    work.await.map_err(|e| ProcessError::Panicked(e.to_string()))?
}

pub struct FolderReport {
    pub files: usize,
    pub accepted: usize,
    pub seconds: f64,
}

/// Runs [`process`] over every file in `dir` on `threads` threads, nothing stored,
/// calling `report_line` once per file with its outcome. Used to measure the
/// pipeline and to check a batch of images before importing it. Each file
/// reserves its memory from the process-wide budget first, as jobs do.
pub fn process_folder(
    dir: &std::path::Path,
    threads: usize,
    report_line: impl Fn(String) + Sync,
) -> std::io::Result<FolderReport> {
    let budget = MemoryBudget::process_wide(DEFAULT_MEMORY_BUDGET_MB);
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
                        Ok(bytes) => {
                            match plan(&bytes, Bounds::default()).map_err(ProcessError::from).and_then(|plan| {
                                let _reserved = futures::executor::block_on(budget.reserve(plan.memory_bytes));
                                process(&bytes, Bounds::default())
                            }) {
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
                            }
                        }
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

    fn painting() -> Vec<u8> {
        std::fs::read(crate::media::datasets().join("images/vangogh_starry_night.jpg")).unwrap()
    }

    #[test]
    fn a_deadline_in_the_past_stops_the_work_with_a_timeout() {
        let bytes = painting();
        let past = Deadline::at(Instant::now().checked_sub(Duration::from_millis(1)).unwrap_or_else(Instant::now));
        assert!(matches!(process_within(&bytes, Bounds::default(), &past), Err(ProcessError::TimedOut(TimedOut))));
        let done = process_within(&bytes, Bounds::default(), &Deadline::after(Duration::from_secs(600))).unwrap();
        assert_eq!(done.variants.len(), 8);
    }

    #[test]
    fn analysis_of_the_working_copy_agrees_with_the_full_size_image() {
        use crate::media::inspect::{decode, reduce, reduction_factor};
        for name in ["vangogh_starry_night.jpg", "munch_the_scream.jpg", "monet_water_lilies_1919.jpg"] {
            let bytes = std::fs::read(crate::media::datasets().join("images").join(name)).unwrap();
            let (_, image) = decode(&bytes, Bounds::default()).unwrap();
            // A scan past the working edge, so the copy is reduced by half.
            let scale = 4800.0 / f64::from(image.width().max(image.height()));
            let (width, height) =
                ((f64::from(image.width()) * scale) as u32, (f64::from(image.height()) * scale) as u32);
            let large = image.resize_exact(width, height, image::imageops::FilterType::Triangle);
            let working = DynamicImage::ImageRgb8(reduce(&large, reduction_factor(width, height, WORKING_EDGE)));
            let distance = PerceptualHash::of(&large).distance(PerceptualHash::of(&working));
            assert!(distance <= 4, "{name}: hash distance {distance}");
            let (full, reduced) = (sharpness(&large), sharpness(&working));
            assert!((reduced / full - 1.0).abs() < 0.3, "{name}: sharpness {full} from full size, {reduced} reduced");
            let (full, reduced) = (dominant_palette(&large, 5), dominant_palette(&working, 5));
            assert!((full[0].share - reduced[0].share).abs() < 0.1, "{name}: {full:?} / {reduced:?}");
        }
    }

    #[tokio::test]
    async fn a_timed_out_job_has_stopped_and_given_its_memory_back_when_it_returns() {
        // A budget of one megabyte: every job needs all of it, so one runs at a time.
        let budget = MemoryBudget::new(1);
        let outcome = process_bounded(painting(), Bounds::default(), Duration::ZERO, &budget).await;
        assert!(matches!(outcome, Err(ProcessError::TimedOut(_))), "{:?}", outcome.err());
        // The reservation lives in the blocking work, so it is back only once
        // that work has ended; and the next job gets it and runs to the end.
        assert_eq!(budget.permits.available_permits(), 1);
        let next = process_bounded(painting(), Bounds::default(), Duration::from_secs(600), &budget).await.unwrap();
        assert_eq!(next.variants.len(), 8);
    }

    #[tokio::test]
    async fn jobs_wait_for_memory_and_one_larger_than_the_budget_runs_alone() {
        let budget = MemoryBudget::new(100);
        let first = budget.reserve(60 * 1024 * 1024).await;
        let second = budget.reserve(60 * 1024 * 1024);
        tokio::pin!(second);
        assert!(tokio::time::timeout(Duration::from_millis(50), &mut second).await.is_err(), "over the budget");
        drop(first);
        let second = tokio::time::timeout(Duration::from_secs(5), second).await.expect("memory came back");
        drop(second);
        let whole = budget.reserve(u64::MAX).await;
        assert_eq!(budget.permits.available_permits(), 0);
        drop(whole);
    }

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
