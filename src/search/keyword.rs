//! The keyword side of search: PostgreSQL full text over the weighted search
//! document, widened by trigram matching so a misspelt title or artist name
//! still finds its work.

use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::SearchFilter;
use crate::catalog::artworks::store::publicly_visible_sql;

/// Minimum trigram word similarity between the query and a title or artist
/// name for a typo match (pg_trgm's default of 0.6 misses one-letter slips in
/// short names).
const TYPO_SIMILARITY: f32 = 0.5;

/// Up to `limit` visible artworks matching `query`, best first. Every word is
/// optional (OR): collectors type phrases, and ranking rewards documents that
/// match more of the words, in heavier fields.
pub async fn ranked(
    conn: &mut PgConnection,
    query: &str,
    filter: &SearchFilter,
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    let mut tx = sqlx::Connection::begin(conn).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("SET LOCAL pg_trgm.word_similarity_threshold = {TYPO_SIMILARITY}")))
        .execute(&mut *tx)
        .await?;
    // The query's words become stemmed lexemes, each quoted so that no
    // character a user types can be read as tsquery syntax.
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new("WITH input AS (SELECT lower(");
    q.push_bind(query.to_owned()).push(
        ") AS raw,
                ARRAY(SELECT '''' || replace(replace(lexeme, '\\', ''), '''', '''''') || ''''
                      FROM unnest(tsvector_to_array(to_tsvector('english', ",
    );
    q.push_bind(query.to_owned()).push(
        "))) AS lexeme) AS terms
         ), q AS MATERIALIZED (
             SELECT raw, terms, cardinality(terms) AS term_count,
                    CASE WHEN cardinality(terms) = 0 THEN NULL
                         ELSE to_tsquery('simple', array_to_string(terms, ' | ')) END AS tsq
             FROM input
         ),
         -- One branch per way of matching, each answerable from its own index;
         -- the same three conditions joined by OR make PostgreSQL scan every
         -- artwork (about six times slower at 10k works).
         candidates AS (
             SELECT a.id FROM artworks a, q WHERE q.tsq IS NOT NULL AND a.search_document @@ q.tsq
             UNION SELECT a.id FROM artworks a, q WHERE q.raw <% lower(a.title)
             UNION SELECT a.id FROM artworks a JOIN artists ar ON ar.id = a.artist_id, q WHERE q.raw <% lower(ar.name)
         ), matched AS (
             SELECT a.id, a.search_document, lower(a.title) AS title, lower(ar.name) AS artist
             FROM candidates c JOIN artworks a ON a.id = c.id JOIN artists ar ON ar.id = a.artist_id
             WHERE ",
    );
    q.push(publicly_visible_sql());
    filter.push_conditions(&mut q);
    // Works matching more of the query's words come first (a phrase is mostly
    // about all its words together), then by weighted rank and typo closeness.
    q.push(
        ")
         SELECT m.id FROM matched m, q
         ORDER BY (SELECT count(*) FROM unnest(q.terms) t WHERE m.search_document @@ to_tsquery('simple', t))::float8
                      / greatest(q.term_count, 1) DESC,
                  coalesce(ts_rank_cd(m.search_document, q.tsq, 32), 0)
                      + 0.5 * greatest(word_similarity(q.raw, m.title), word_similarity(q.raw, m.artist)) DESC,
                  m.id DESC
         LIMIT ",
    )
    .push_bind(limit);
    let ids: Vec<Uuid> = q.build_query_scalar().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(ids)
}
