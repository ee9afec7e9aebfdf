//! The embedded default text embedder: sentence-transformers/all-MiniLM-L6-v2
//! (384 dimensions) run in process on the CPU with candle.
//!
//! It reproduces what sentence-transformers computes for this model: WordPiece
//! tokens truncated to 256 (special tokens included), a BERT forward pass,
//! the mean of the token states over the attention mask, then L2
//! normalisation. Texts are batched, shortest first, and each batch is padded
//! only to its own longest text; the attention mask keeps the padding out of
//! both attention and pooling, so a text's vector does not depend on the batch
//! it lands in.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Instant,
};

use anyhow::{Context, anyhow, bail};
use async_trait::async_trait;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config as BertConfig};
use tokenizers::{Tokenizer, TruncationParams};

use super::{Embedder, l2_normalise};

pub const MODEL_NAME: &str = "sentence-transformers/all-MiniLM-L6-v2";
const DIMENSIONS: usize = 384;
/// sentence-transformers' `max_seq_length` for this model; the shipped
/// tokenizer.json says 128, which would silently drop the tail of long texts.
const MAX_TOKENS: usize = 256;
const FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

#[derive(Clone)]
pub struct LocalEmbedder {
    inner: Arc<Inner>,
}

struct Inner {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    batch_size: usize,
}

impl std::fmt::Debug for LocalEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalEmbedder").field("model", &MODEL_NAME).field("batch_size", &self.inner.batch_size).finish()
    }
}

impl LocalEmbedder {
    /// Reads the model from `dir` (blocking: ~90 MB of weights).
    pub fn load(dir: &Path, batch_size: usize) -> anyhow::Result<Self> {
        let started = Instant::now();
        let missing: Vec<PathBuf> = FILES.iter().map(|name| dir.join(name)).filter(|path| !path.is_file()).collect();
        if !missing.is_empty() {
            bail!(
                "the {MODEL_NAME} model is not installed in {} (missing {}); run scripts/fetch-model \
                 or point ATELIER_MODEL_DIR at a directory holding {}",
                dir.display(),
                missing.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
                FILES.join(", "),
            );
        }
        let config: BertConfig =
            serde_json::from_slice(&std::fs::read(dir.join("config.json")).context("reading config.json")?)
                .context("parsing config.json")?;
        if config.hidden_size != DIMENSIONS {
            bail!("config.json describes a {}-dimension model, not {MODEL_NAME}", config.hidden_size);
        }

        let mut tokenizer =
            Tokenizer::from_file(dir.join("tokenizer.json")).map_err(|e| anyhow!("loading tokenizer.json: {e}"))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: MAX_TOKENS, ..Default::default() }))
            .map_err(|e| anyhow!("configuring truncation: {e}"))?;

        let device = Device::Cpu;
        // Read into memory rather than memory-mapped: a mapping of a file that
        // is replaced while the process runs (a re-fetch) is undefined behaviour.
        let weights = std::fs::read(dir.join("model.safetensors")).context("reading model.safetensors")?;
        let vb =
            VarBuilder::from_buffered_safetensors(weights, DType::F32, &device).context("parsing model.safetensors")?;
        let model = BertModel::load(vb, &config).context("loading the BERT weights")?;
        tracing::info!(
            model = MODEL_NAME,
            dir = %dir.display(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "text embedding model loaded"
        );
        Ok(Self { inner: Arc::new(Inner { model, tokenizer, device, batch_size: batch_size.max(1) }) })
    }

    /// Embeds on the calling thread; CPU-bound for milliseconds per text.
    pub fn embed_blocking(&self, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>> {
        let mut vectors = self.mean_pooled(texts)?;
        for vector in &mut vectors {
            l2_normalise(vector)?;
        }
        Ok(vectors)
    }

    /// Mean-pooled token states before normalisation, in input order.
    fn mean_pooled(&self, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>> {
        let inner = &*self.inner;
        let mut encoded = Vec::with_capacity(texts.len());
        for (index, text) in texts.iter().enumerate() {
            let encoding =
                inner.tokenizer.encode(text.as_str(), true).map_err(|e| anyhow!("tokenizing text {index}: {e}"))?;
            encoded.push((index, encoding.get_ids().to_vec()));
        }
        // Similar lengths share a batch, so little compute goes to padding.
        encoded.sort_by_key(|(_, ids)| ids.len());

        let mut out = vec![Vec::new(); texts.len()];
        for batch in encoded.chunks(inner.batch_size) {
            let pooled = self.forward_batch(batch.iter().map(|(_, ids)| ids.as_slice()))?;
            for ((index, _), vector) in batch.iter().zip(pooled) {
                out[*index] = vector;
            }
        }
        Ok(out)
    }

    fn forward_batch<'a>(
        &self,
        batch: impl ExactSizeIterator<Item = &'a [u32]> + Clone,
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        let inner = &*self.inner;
        let rows = batch.len();
        let width = batch.clone().map(<[u32]>::len).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for row in batch {
            ids.extend_from_slice(row);
            ids.resize(ids.len() + width - row.len(), 0);
            mask.extend(std::iter::repeat_n(1u32, row.len()));
            mask.resize(mask.len() + width - row.len(), 0);
        }
        let ids = Tensor::from_vec(ids, (rows, width), &inner.device)?;
        let mask = Tensor::from_vec(mask, (rows, width), &inner.device)?;
        let token_types = ids.zeros_like()?;
        let states = inner.model.forward(&ids, &token_types, Some(&mask))?;
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = states.broadcast_mul(&mask)?.sum(1)?;
        let pooled = summed.broadcast_div(&mask.sum(1)?)?;
        Ok(pooled.to_vec2::<f32>()?)
    }
}

#[async_trait]
impl Embedder for LocalEmbedder {
    fn dimensions(&self) -> usize {
        DIMENSIONS
    }

    fn model(&self) -> &str {
        MODEL_NAME
    }

    async fn embed(&self, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let this = self.clone();
        let texts = texts.to_vec();
        tokio::task::spawn_blocking(move || this.embed_blocking(&texts)).await.context("the embedding task panicked")?
    }
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use serde::Deserialize;

    use super::*;
    use crate::platform::config::default_model_dir;

    #[derive(Deserialize)]
    struct Reference {
        max_tokens: usize,
        cases: Vec<Case>,
        cosines: Vec<Cosine>,
    }

    #[derive(Deserialize)]
    struct Case {
        text: String,
        token_ids: Vec<u32>,
        pooled_norm: f32,
        embedding: Vec<f32>,
    }

    #[derive(Deserialize)]
    struct Cosine {
        a: usize,
        b: usize,
        cosine: f32,
    }

    /// Made by tests/data/minilm/reference.py, which shares no code with this
    /// module: its own WordPiece tokenizer and a float64 NumPy forward pass.
    static REFERENCE: LazyLock<Reference> = LazyLock::new(|| {
        serde_json::from_str(include_str!("../../../tests/data/minilm/reference.json")).expect("reference.json parses")
    });

    /// Loaded once for every test here: the model is not allowed to be missing,
    /// so CI cannot pass without exercising it (scripts/test fetches it first).
    static EMBEDDER: LazyLock<LocalEmbedder> = LazyLock::new(|| {
        let dir = default_model_dir(&|name| std::env::var(name).ok().filter(|v| !v.is_empty()));
        LocalEmbedder::load(&dir, 4).unwrap_or_else(|e| panic!("{e:#}"))
    });

    const TOLERANCE: f32 = 1e-4;

    fn texts() -> Vec<String> {
        REFERENCE.cases.iter().map(|c| c.text.clone()).collect()
    }

    fn dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    fn assert_close(actual: &[f32], expected: &[f32], what: &str) {
        assert_eq!(actual.len(), expected.len(), "{what}: length");
        let worst = actual
            .iter()
            .zip(expected)
            .map(|(a, e)| (a - e).abs())
            .enumerate()
            .max_by(|x, y| x.1.total_cmp(&y.1))
            .unwrap();
        assert!(worst.1 <= TOLERANCE, "{what}: dimension {} differs by {}", worst.0, worst.1);
    }

    #[test]
    fn tokenizer_truncates_at_256_and_does_not_pad() {
        assert_eq!(REFERENCE.max_tokens, MAX_TOKENS);
        for case in &REFERENCE.cases {
            let encoding = EMBEDDER.inner.tokenizer.encode(case.text.as_str(), true).unwrap();
            assert_eq!(encoding.get_ids(), case.token_ids, "{:?}", case.text);
        }
        assert!(REFERENCE.cases.iter().any(|c| c.token_ids.len() == MAX_TOKENS), "a case must be truncated");
        assert!(REFERENCE.cases.iter().any(|c| c.token_ids.len() < 8), "a case must be short");
    }

    #[test]
    fn vectors_match_the_reference() {
        let pooled = EMBEDDER.mean_pooled(&texts()).unwrap();
        let embedded = EMBEDDER.embed_blocking(&texts()).unwrap();
        for ((case, pooled), embedded) in REFERENCE.cases.iter().zip(&pooled).zip(&embedded) {
            let norm = dot(pooled, pooled).sqrt();
            assert!(
                (norm - case.pooled_norm).abs() <= TOLERANCE * case.pooled_norm,
                "{:?}: pooled norm {norm}, expected {}",
                case.text,
                case.pooled_norm
            );
            assert_close(embedded, &case.embedding, &case.text);
            assert!((dot(embedded, embedded) - 1.0).abs() < 1e-5);
        }
        for pair in &REFERENCE.cosines {
            let cosine = dot(&embedded[pair.a], &embedded[pair.b]);
            assert!(
                (cosine - pair.cosine).abs() <= TOLERANCE,
                "cosine({}, {}) = {cosine}, expected {}",
                pair.a,
                pair.b,
                pair.cosine
            );
        }
    }

    #[test]
    fn a_vector_does_not_depend_on_its_batch() {
        let texts = texts();
        let together = EMBEDDER.embed_blocking(&texts).unwrap();
        for (text, batched) in texts.iter().zip(&together) {
            let alone = EMBEDDER.embed_blocking(std::slice::from_ref(text)).unwrap();
            assert_close(&alone[0], batched, text);
        }
    }

    #[tokio::test]
    async fn similar_descriptions_are_closer_than_unrelated_ones() {
        let texts: Vec<String> =
            ["a painting of the sea at night", "nocturnal seascape in oils", "a bronze statue of a horse"]
                .map(String::from)
                .to_vec();
        let vectors = EMBEDDER.embed(&texts).await.unwrap();
        assert_eq!(vectors.len(), 3);
        assert!(vectors.iter().all(|v| v.len() == EMBEDDER.dimensions()));
        let related = dot(&vectors[0], &vectors[1]);
        let unrelated = dot(&vectors[0], &vectors[2]);
        assert!(related > unrelated + 0.2, "related {related}, unrelated {unrelated}");
        assert!(EMBEDDER.embed(&[]).await.unwrap().is_empty());
    }

    #[test]
    fn a_missing_model_names_the_fetch_script() {
        let dir = std::env::temp_dir().join(format!("atelier-no-model-{}", std::process::id()));
        let err = LocalEmbedder::load(&dir, 8).unwrap_err().to_string();
        assert!(err.contains("scripts/fetch-model"), "{err}");
        assert!(err.contains("model.safetensors"), "{err}");
    }
}
