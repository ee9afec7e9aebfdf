-- Which text each artwork's vector was computed from, so an artwork whose text
-- has not changed is not embedded again. The vectors themselves live in the
-- vector index (vector_points here, or Qdrant in the cloud).

CREATE TABLE artwork_embeddings (
    artwork_id   uuid PRIMARY KEY REFERENCES artworks (id) ON DELETE CASCADE,
    -- The embedding model; vectors of different models are never compared.
    model        text NOT NULL,
    -- SHA-256 (hex) of the exact text that was embedded.
    content_hash text NOT NULL,
    embedded_at  timestamptz NOT NULL DEFAULT now()
);
