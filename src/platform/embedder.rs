//! Text-embedder port: turns text into unit-length vectors whose dot product is
//! their cosine similarity. The embedded default runs all-MiniLM-L6-v2 in
//! process (`local_embedder`); the cloud adapter calls an OpenAI-compatible
//! endpoint (`openai_embedder`).

use async_trait::async_trait;

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
    use super::*;

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
