//! The relational store as every host connects to it.

use crate::support::spawn_app;

/// The pool prepares no statement it keeps: transaction-mode poolers hand each
/// transaction another backend, and statements left behind on a backend
/// accumulate for as long as the connection lives. (With sqlx 0.9.0 every
/// query left one: backends grew, and each catalogue change made every one of
/// them walk all of its statements, stalling the API for seconds under load.)
#[tokio::test]
async fn queries_leave_no_prepared_statements_on_the_connection() {
    let app = spawn_app().await;
    let mut conn = app.ctx.db.acquire().await.unwrap();
    for n in 0..5_i64 {
        let echoed: i64 = sqlx::query_scalar("SELECT $1::int8").bind(n).fetch_one(&mut *conn).await.unwrap();
        assert_eq!(echoed, n);
    }
    let kept: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_prepared_statements").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(kept, 0, "the connection kept {kept} prepared statements");
}
