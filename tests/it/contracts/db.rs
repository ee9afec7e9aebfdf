//! The relational store as every host connects to it.

use atelier::platform::db::STATEMENT_CACHE;

use crate::support::spawn_app;

/// A connection lives as long as its process, so what it prepares must stay
/// bounded however many different queries run on it. (With sqlx 0.9.0 and
/// the cache off, every query left a statement behind: backends grew, and
/// each catalogue change made every one of them walk all of its statements,
/// stalling the API for seconds under load; with 0.9.1 and the cache off,
/// a query that met one of the schema's enum types for the first time on a
/// connection could fail with "unnamed prepared statement does not exist".)
#[tokio::test]
async fn a_connection_keeps_a_bounded_set_of_prepared_statements() {
    let app = spawn_app().await;
    let mut conn = app.ctx.db.acquire().await.unwrap();
    for n in 0..(STATEMENT_CACHE as i64 + 30) {
        // Distinct texts: each is a statement of its own.
        let sql = format!("SELECT $1::int8 + {n}");
        let sum: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(1_i64).fetch_one(&mut *conn).await.unwrap();
        assert_eq!(sum, n + 1);
    }
    let kept: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_prepared_statements").fetch_one(&mut *conn).await.unwrap();
    assert!(kept <= STATEMENT_CACHE as i64 + 1, "the connection kept {kept} prepared statements");
}
