//! The memory of one image job at the pixel limit: the costliest file of every
//! accepted format and encoding (written by `examples/hostile-images.rs` into a
//! temporary folder) goes through the real `atelier process-images`, whose peak
//! resident memory must stay within 512 MiB, and each file must come out as
//! the case expects: processed into all its variants, or refused from its
//! header for the memory it would need.

use std::{
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

// The generator's `main` is for running it as an example, not used here.
#[allow(dead_code)]
#[path = "../../../examples/hostile-images.rs"]
mod hostile_images;

use hostile_images::{CASES, Outcome};

/// 10000 × 10000 is the 100-megapixel limit `MAX_IMAGE_PIXELS` defaults to.
const EDGE: u32 = 10_000;
const PEAK_LIMIT_KIB: u64 = 512 * 1024;

/// The peak resident memory (VmHWM, KiB) of a running process, or None once it
/// has exited.
fn high_water_mark(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

struct Run {
    /// The verdict line for the one file in the folder.
    verdict: String,
    /// The larger of what was seen from outside while it ran and what the
    /// command reports of itself at its end.
    peak_kib: u64,
}

fn process_images(dir: &Path) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_atelier"))
        .args(["process-images", "--threads", "1"])
        .arg(dir)
        .env("IMAGE_MEMORY_BUDGET_MB", "1024")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("atelier runs");
    let mut peak_kib = 0;
    while child.try_wait().expect("waiting works").is_none() {
        if let Some(kib) = high_water_mark(child.id()) {
            peak_kib = peak_kib.max(kib);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("atelier's output is readable");
    assert!(output.status.success(), "process-images failed: {:?}", output.status);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let reported_mib: u64 = stdout
        .lines()
        .find_map(|line| line.strip_prefix("peak memory ")?.split_whitespace().next()?.parse().ok())
        .expect("process-images reports its peak memory");
    Run { verdict: stdout.lines().next().unwrap_or_default().to_owned(), peak_kib: peak_kib.max(reported_mib * 1024) }
}

/// Writes each named case at the pixel limit into a folder of its own, runs
/// `process-images` on it, and checks the outcome and the peak.
fn check(prefix: &str) {
    let root = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for case in CASES.iter().filter(|case| case.file.starts_with(prefix)) {
        let dir = root.path().join(case.file);
        std::fs::create_dir(&dir).unwrap();
        let path = dir.join(case.file);
        (case.write)(&path, EDGE, EDGE).unwrap();
        let run = process_images(&dir);
        eprintln!("{}: peak {} MiB: {}", case.file, run.peak_kib / 1024, run.verdict);
        let as_expected = match case.at_the_limit {
            // Four sizes, each as WebP and JPEG.
            Outcome::Processed => run.verdict.starts_with(&format!("{}: {EDGE}x{EDGE} 8 variants, ", case.file)),
            Outcome::Refused => {
                run.verdict.starts_with(&format!("{}: rejected: decoding the image would need more memory", case.file))
            }
        };
        if !as_expected || run.peak_kib > PEAK_LIMIT_KIB {
            failures.push(format!(
                "{} (expected {:?}): peak {} MiB: {}",
                case.file,
                case.at_the_limit,
                run.peak_kib / 1024,
                run.verdict
            ));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn png_at_the_pixel_limit_is_processed_within_512_mib() {
    check("png");
}

#[test]
fn jpeg_at_the_pixel_limit_is_processed_or_refused_within_512_mib() {
    check("jpeg");
}

#[test]
fn webp_at_the_pixel_limit_is_processed_or_refused_within_512_mib() {
    check("webp");
}

#[test]
fn tiff_at_the_pixel_limit_is_processed_or_refused_within_512_mib() {
    check("tiff");
}
