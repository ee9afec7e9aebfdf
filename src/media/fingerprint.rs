//! Perceptual fingerprints for near-duplicate (stolen-art) detection: a 64-bit
//! DCT hash per image and an index that finds every stored hash within a
//! Hamming distance without comparing against all of them.

use std::collections::HashMap;

use bk_tree::{BKTree, Metric};
use image::DynamicImage;
use image_hasher::{HashAlg, HasherConfig};

/// A 64-bit DCT perceptual hash: robust to resizing, re-encoding and mild colour
/// changes, sensitive to content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PerceptualHash(pub u64);

impl PerceptualHash {
    pub fn of(image: &DynamicImage) -> Self {
        let hasher = HasherConfig::new().hash_size(8, 8).hash_alg(HashAlg::Median).preproc_dct().to_hasher();
        let hash = hasher.hash_image(image);
        let bytes: [u8; 8] = hash.as_bytes().try_into().expect("an 8×8 hash is 8 bytes");
        Self(u64::from_be_bytes(bytes))
    }

    pub fn distance(self, other: Self) -> u32 {
        (self.0 ^ other.0).count_ones()
    }
}

struct Hamming;

impl Metric<u64> for Hamming {
    fn distance(&self, a: &u64, b: &u64) -> u32 {
        (a ^ b).count_ones()
    }

    fn threshold_distance(&self, a: &u64, b: &u64, threshold: u32) -> Option<u32> {
        let distance = (a ^ b).count_ones();
        (distance <= threshold).then_some(distance)
    }
}

/// Hashes by Hamming distance. A BK-tree visits only the branches whose distance
/// band can contain a match, so a query touches a small part of a large index.
pub struct HashIndex<Id> {
    tree: BKTree<u64, Hamming>,
    ids: HashMap<u64, Vec<Id>>,
}

impl<Id: Clone> Default for HashIndex<Id> {
    fn default() -> Self {
        Self { tree: BKTree::new(Hamming), ids: HashMap::new() }
    }
}

impl<Id: Clone> HashIndex<Id> {
    pub fn insert(&mut self, hash: PerceptualHash, id: Id) {
        let ids = self.ids.entry(hash.0).or_default();
        if ids.is_empty() {
            self.tree.add(hash.0);
        }
        ids.push(id);
    }

    /// Every stored id within `max_distance` bits, nearest first.
    pub fn within(&self, hash: PerceptualHash, max_distance: u32) -> Vec<(u32, Id)> {
        let mut found: Vec<(u32, Id)> = self
            .tree
            .find(&hash.0, max_distance)
            .flat_map(|(distance, key)| self.ids[key].iter().map(move |id| (distance, id.clone())))
            .collect();
        found.sort_by_key(|(distance, _)| *distance);
        found
    }

    pub fn len(&self) -> usize {
        self.ids.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use image::{ImageFormat, imageops::FilterType};

    use super::*;
    use crate::media::inspect::{Bounds, decode};

    fn dataset_images() -> Vec<(String, DynamicImage)> {
        let dir = crate::media::datasets().join("images");
        let mut images: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e != "tsv"))
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    decode(&std::fs::read(&p).unwrap(), Bounds::default()).unwrap().1,
                )
            })
            .collect();
        images.sort_by(|a, b| a.0.cmp(&b.0));
        images
    }

    fn transforms(image: &DynamicImage) -> Vec<(&'static str, DynamicImage)> {
        let (w, h) = (image.width(), image.height());
        let cropped = image.crop_imm(w / 20, h / 20, w - w / 10, h - h / 10);
        let halved = image.resize_exact((w / 2).max(1), (h / 2).max(1), FilterType::Triangle);
        let mut jpeg = Vec::new();
        image
            .to_rgb8()
            .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
                &mut std::io::Cursor::new(&mut jpeg),
                60,
            ))
            .unwrap();
        let reencoded = image::load_from_memory_with_format(&jpeg, ImageFormat::Jpeg).unwrap();
        let brighter = image.brighten(12);
        vec![("crop 10%", cropped), ("resize 50%", halved), ("jpeg q60", reencoded), ("brightness +12", brighter)]
    }

    #[test]
    fn index_finds_hashes_within_a_distance() {
        let mut index = HashIndex::default();
        index.insert(PerceptualHash(0), "zero");
        index.insert(PerceptualHash(0), "zero-again");
        index.insert(PerceptualHash(0b111), "three bits");
        index.insert(PerceptualHash(u64::MAX), "all bits");
        assert_eq!(index.len(), 4);
        let found = index.within(PerceptualHash(0b1), 2);
        assert_eq!(found.iter().map(|(_, id)| *id).collect::<Vec<_>>(), ["zero", "zero-again", "three bits"]);
        assert!(index.within(PerceptualHash(0b1), 0).is_empty());
    }

    #[test]
    fn transformed_copies_are_found_and_other_images_are_not() {
        const THRESHOLD: u32 = 12;
        let images = dataset_images();
        let mut index = HashIndex::default();
        for (name, image) in &images {
            index.insert(PerceptualHash::of(image), name.clone());
        }
        let (mut found, mut total, mut false_positives, mut comparisons) = (0, 0, 0, 0);
        let mut distances = Vec::new();
        for (name, image) in &images {
            for (kind, copy) in transforms(image) {
                let hash = PerceptualHash::of(&copy);
                total += 1;
                let matches = index.within(hash, THRESHOLD);
                if matches.iter().any(|(_, id)| id == name) {
                    found += 1;
                }
                distances.push((kind, hash.distance(PerceptualHash::of(image))));
                // Matches with a different image count as false positives unless the
                // dataset says they are the same picture (near-duplicate groups).
                let same_picture = |other: &str| shared_prefix(name, other);
                false_positives += matches.iter().filter(|(_, id)| id != name && !same_picture(id)).count();
                comparisons += images.len() - 1;
            }
        }
        let recall = found as f64 / total as f64;
        eprintln!(
            "near-duplicate recall {found}/{total} = {recall:.3}; false positives {false_positives} of {comparisons} comparisons"
        );
        for kind in ["crop 10%", "resize 50%", "jpeg q60", "brightness +12"] {
            let mut of_kind: Vec<u32> = distances.iter().filter(|(k, _)| *k == kind).map(|(_, d)| *d).collect();
            of_kind.sort();
            eprintln!(
                "  {kind:>15}: median distance {}, max {}",
                of_kind[of_kind.len() / 2],
                of_kind[of_kind.len() - 1]
            );
        }
        assert!(recall >= 0.9, "recall {recall}");
        assert!(false_positives <= total / 100, "{false_positives} false positives");
    }

    /// The dataset names near-duplicates of one painting with a common stem
    /// (vangogh_starry_night*, *_harvesters*, and so on).
    fn shared_prefix(a: &str, b: &str) -> bool {
        let stem = |s: &str| s.split('.').next().unwrap_or(s).split('_').take(2).collect::<Vec<_>>().join("_");
        stem(a) == stem(b)
    }
}
