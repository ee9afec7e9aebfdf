//! Discovery driven by what collectors do: the interaction memory (and, as they
//! arrive, recommendations and curated feeds built on it).

pub mod interactions;
