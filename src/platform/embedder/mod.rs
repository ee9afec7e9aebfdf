//! Text-embedder port: turns text into unit-length vectors whose dot product is
//! their cosine similarity. The embedded default runs all-MiniLM-L6-v2 in
//! process (`minilm`); the cloud adapter calls an OpenAI-compatible endpoint
//! (`openai`).

pub mod minilm;
pub mod openai;

use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;

use self::{minilm::LocalEmbedder, openai::OpenAiEmbedder};
use super::config::{EmbedderBackend, EmbedderConfig};

#[async_trait]
pub trait Embedder: Send + Sync + 'static {
    /// Length of every vector this embedder returns.
    fn dimensions(&self) -> usize;

    /// Identifies the vector space: vectors from different models must never
    /// be compared, so stores keep this next to each vector.
    fn model(&self) -> &str;

    /// One L2-normalised vector per text, in input order.
    async fn embed(&self, texts: &[String]) -> anyhow::Result<Vec<Vec<f32>>>;
}

/// Builds the embedder the configuration selects. The local model is loaded
/// here, not on first use, so a missing or corrupt model stops start-up instead
/// of failing the first search.
pub async fn from_config(cfg: &EmbedderConfig) -> anyhow::Result<Arc<dyn Embedder>> {
    match &cfg.backend {
        EmbedderBackend::Local { model_dir } => {
            let dir = model_dir.clone();
            let batch_size = cfg.batch_size;
            let embedder = tokio::task::spawn_blocking(move || LocalEmbedder::load(&dir, batch_size))
                .await
                .context("loading the local embedding model panicked")??;
            Ok(Arc::new(embedder))
        }
        EmbedderBackend::OpenAi(openai) => Ok(Arc::new(OpenAiEmbedder::new(openai, cfg.batch_size)?)),
    }
}

/// Scales `vector` to unit length. A zero or non-finite vector cannot be
/// normalised and would poison every similarity computed from it.
pub(crate) fn l2_normalise(vector: &mut [f32]) -> anyhow::Result<()> {
    let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
    if !norm.is_finite() || norm == 0.0 {
        anyhow::bail!("cannot normalise an embedding whose length is {norm}");
    }
    vector.iter_mut().for_each(|v| *v /= norm);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::{collections::HashMap, path::PathBuf};

    use super::*;

    fn config(vars: &[(&str, &str)]) -> anyhow::Result<EmbedderConfig> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        EmbedderConfig::from_lookup(&|name| vars.get(name).cloned())
    }

    #[test]
    fn the_local_model_is_the_default_and_lives_in_the_user_cache() {
        let cfg = config(&[("HOME", "/home/ada")]).unwrap();
        assert_eq!(cfg.batch_size, 8);
        let EmbedderBackend::Local { model_dir } = cfg.backend else { panic!("expected the local embedder") };
        assert_eq!(model_dir, PathBuf::from("/home/ada/.cache/atelier-models/all-MiniLM-L6-v2"));

        let cfg = config(&[("HOME", "/home/ada"), ("ATELIER_MODEL_DIR", "/srv/minilm")]).unwrap();
        let EmbedderBackend::Local { model_dir } = cfg.backend else { panic!("expected the local embedder") };
        assert_eq!(model_dir, PathBuf::from("/srv/minilm"));
    }

    #[test]
    fn the_openai_adapter_needs_a_model_and_dimensions() {
        let err = config(&[("EMBEDDER", "openai"), ("EMBEDDING_MODEL", "m")]).unwrap_err();
        assert!(err.to_string().contains("EMBEDDING_DIMENSIONS"), "{err}");
        let err = config(&[("EMBEDDER", "openai"), ("EMBEDDING_DIMENSIONS", "8")]).unwrap_err();
        assert!(err.to_string().contains("EMBEDDING_MODEL"), "{err}");
        assert!(config(&[("EMBEDDER", "onnx")]).is_err());
        assert!(config(&[("EMBEDDING_BATCH_SIZE", "0")]).is_err());
    }

    #[tokio::test]
    async fn the_openai_adapter_is_built_from_config_without_leaking_its_key() {
        let cfg = config(&[
            ("EMBEDDER", "openai"),
            ("EMBEDDING_API_URL", "http://127.0.0.1:9"),
            ("EMBEDDING_MODEL", "text-embedding-3-small"),
            ("EMBEDDING_DIMENSIONS", "256"),
            ("EMBEDDING_API_KEY", "sk-very-secret"),
            ("EMBEDDING_TIMEOUT_SECS", "3"),
        ])
        .unwrap();
        let debug = format!("{cfg:?}");
        assert!(!debug.contains("sk-very-secret") && debug.contains("<redacted>"), "{debug}");
        assert_eq!(cfg.batch_size, 64);
        let embedder = from_config(&cfg).await.unwrap();
        assert_eq!(embedder.model(), "text-embedding-3-small");
        assert_eq!(embedder.dimensions(), 256);
    }

    #[tokio::test]
    async fn a_missing_local_model_stops_start_up() {
        let cfg = config(&[("ATELIER_MODEL_DIR", "/nonexistent/atelier-model")]).unwrap();
        let err = from_config(&cfg).await.err().expect("no model there");
        assert!(err.to_string().contains("scripts/fetch-model"), "{err}");
    }

    #[test]
    fn normalised_vectors_have_unit_length() {
        let mut v = vec![3.0, 4.0];
        l2_normalise(&mut v).unwrap();
        assert_eq!(v, [0.6, 0.8]);
    }

    #[test]
    fn zero_and_nan_vectors_are_refused() {
        assert!(l2_normalise(&mut [0.0, 0.0]).is_err());
        assert!(l2_normalise(&mut [f32::NAN, 1.0]).is_err());
    }
}
