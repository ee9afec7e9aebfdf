//! Discovery by words and by meaning: hybrid search over the catalogue.

pub mod cards;
pub mod eval;
pub mod fusion;
pub mod indexing;
pub mod keyword;
pub mod routes;
pub mod similar;

pub fn router() -> utoipa_axum::router::OpenApiRouter<crate::app::AppContext> {
    routes::router().merge(similar::router())
}

use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use crate::{catalog::domain::Slug, platform::vectors::VectorFilter};

/// Filters a search applies to both of its sides.
#[derive(Clone, Debug, Default)]
pub struct SearchFilter {
    pub category: Option<Slug>,
    /// The category and its descendants, resolved from `category`.
    pub category_ids: Option<Vec<Uuid>>,
    pub style: Option<Slug>,
    pub artist_id: Option<Uuid>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
}

impl SearchFilter {
    /// Appends the conditions to a query over `artworks a`.
    fn push_sql(&self, q: &mut QueryBuilder<Postgres>) {
        if let Some(ids) = &self.category_ids {
            q.push(" AND a.category_id = ANY(").push_bind(ids.clone()).push(")");
        }
        if let Some(style) = &self.style {
            q.push(" AND a.styles @> ARRAY[").push_bind(style.as_str().to_owned()).push("]::text[]");
        }
        if let Some(artist) = self.artist_id {
            q.push(" AND a.artist_id = ").push_bind(artist);
        }
        if let Some(min) = self.min_price {
            q.push(" AND a.price_minor >= ").push_bind(min);
        }
        if let Some(max) = self.max_price {
            q.push(" AND a.price_minor <= ").push_bind(max);
        }
        if let Some(from) = self.year_from {
            q.push(" AND a.year >= ").push_bind(from);
        }
        if let Some(to) = self.year_to {
            q.push(" AND a.year <= ").push_bind(to);
        }
    }

    /// The same conditions for the vector index, limited to publicly visible works.
    pub fn vector_filter(&self) -> VectorFilter {
        VectorFilter {
            category: self.category.as_ref().map(|c| c.as_str().to_owned()),
            style: self.style.as_ref().map(|s| s.as_str().to_owned()),
            artist_id: self.artist_id,
            min_price: self.min_price,
            max_price: self.max_price,
            year_from: self.year_from,
            year_to: self.year_to,
            statuses: vec!["published".to_owned(), "reserved".to_owned(), "sold".to_owned()],
            exclude: Vec::new(),
        }
    }
}
