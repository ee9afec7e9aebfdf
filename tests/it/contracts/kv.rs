//! The key-value port's contract, run against the PostgreSQL table and against
//! a DynamoDB table on moto (a fresh table per test, shaped like the deployed
//! one).

use std::{sync::Arc, time::Duration};

use atelier::{
    app::AppContext,
    platform::{
        config::Config,
        kv::dynamodb::{DynamoKeyValueStore, dynamodb_client},
        kv::{KeyValueStore, PgKeyValueStore, TokenBucket},
    },
};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Utc;

use crate::{
    contracts::standins::{moto_config, moto_kv_table, moto_url},
    support::{signing_key_pem, spawn_app},
};

const TTL: Duration = Duration::from_secs(1);
/// Past `TTL` on both backends: DynamoDB's TTL attribute holds whole seconds,
/// rounded up, so an entry may live up to a second longer than asked.
const PAST_TTL: Duration = Duration::from_millis(2100);
const LONG: Duration = Duration::from_secs(600);

async fn values_are_read_back_replaced_deleted_and_expire(kv: &dyn KeyValueStore) {
    assert_eq!(kv.get("feed:a").await.unwrap(), None);
    kv.put("feed:a", b"first", LONG).await.unwrap();
    assert_eq!(kv.get("feed:a").await.unwrap().as_deref(), Some(&b"first"[..]));
    kv.put("feed:a", b"second", LONG).await.unwrap();
    assert_eq!(kv.get("feed:a").await.unwrap().as_deref(), Some(&b"second"[..]));
    kv.delete("feed:a").await.unwrap();
    assert_eq!(kv.get("feed:a").await.unwrap(), None);
    kv.delete("feed:never-written").await.unwrap();

    let binary: Vec<u8> = (0..=255).collect();
    kv.put("feed:binary", &binary, LONG).await.unwrap();
    assert_eq!(kv.get("feed:binary").await.unwrap(), Some(binary));

    kv.put("feed:short", b"soon gone", TTL).await.unwrap();
    assert!(kv.get("feed:short").await.unwrap().is_some());
    tokio::time::sleep(PAST_TTL).await;
    assert_eq!(kv.get("feed:short").await.unwrap(), None, "an expired value was read");
}

async fn put_if_absent_writes_only_where_nothing_lives(kv: &dyn KeyValueStore) {
    assert!(kv.put_if_absent("claim:1", b"mine", TTL).await.unwrap());
    assert!(!kv.put_if_absent("claim:1", b"yours", LONG).await.unwrap());
    assert_eq!(kv.get("claim:1").await.unwrap().as_deref(), Some(&b"mine"[..]));
    assert!(kv.put_if_absent("claim:2", b"other key", LONG).await.unwrap());
    tokio::time::sleep(PAST_TTL).await;
    // Expired but possibly still stored (DynamoDB deletes lazily): free again.
    assert!(kv.put_if_absent("claim:1", b"yours", LONG).await.unwrap());
    assert_eq!(kv.get("claim:1").await.unwrap().as_deref(), Some(&b"yours"[..]));
}

async fn concurrent_claims_have_one_winner(kv: Arc<dyn KeyValueStore>) {
    let claims: Vec<_> = (0..12)
        .map(|n| {
            let kv = kv.clone();
            tokio::spawn(async move { kv.put_if_absent("claim:race", format!("{n}").as_bytes(), LONG).await.unwrap() })
        })
        .collect();
    let mut winners = 0;
    for claim in claims {
        winners += usize::from(claim.await.unwrap());
    }
    assert_eq!(winners, 1);
}

async fn counters_count_within_a_window_and_start_again_after_it(kv: &dyn KeyValueStore) {
    assert_eq!(kv.count("fails:x").await.unwrap().value, 0);
    let before = Utc::now();
    let first = kv.increment("fails:x", TTL).await.unwrap();
    assert_eq!(first.value, 1);
    assert!(first.expires_at > before && first.expires_at <= before + chrono::Duration::milliseconds(2100));
    assert_eq!(kv.increment("fails:x", TTL).await.unwrap().value, 2);
    let third = kv.increment("fails:x", TTL).await.unwrap();
    assert_eq!(third.value, 3);
    assert_eq!(third.expires_at, first.expires_at, "an increment moved the window");
    assert_eq!(kv.count("fails:x").await.unwrap().value, 3);
    assert_eq!(kv.count("fails:y").await.unwrap().value, 0);
    tokio::time::sleep(PAST_TTL).await;
    assert_eq!(kv.count("fails:x").await.unwrap().value, 0, "an expired window was counted");
    let reopened = kv.increment("fails:x", TTL).await.unwrap();
    assert_eq!(reopened.value, 1);
    assert!(reopened.expires_at > first.expires_at);
    kv.delete("fails:x").await.unwrap();
    assert_eq!(kv.count("fails:x").await.unwrap().value, 0);
}

async fn concurrent_increments_are_all_counted(kv: Arc<dyn KeyValueStore>) {
    const N: i64 = 24;
    let increments: Vec<_> = (0..N)
        .map(|_| {
            tokio::spawn({
                let kv = kv.clone();
                async move { kv.increment("hits", LONG).await.unwrap() }
            })
        })
        .collect();
    let mut seen = Vec::new();
    for increment in increments {
        seen.push(increment.await.unwrap().value);
    }
    seen.sort();
    assert_eq!(seen, (1..=N).collect::<Vec<_>>(), "two increments saw the same count");
    assert_eq!(kv.count("hits").await.unwrap().value, N);
}

async fn a_bucket_allows_its_burst_then_refuses_until_it_refills(kv: &dyn KeyValueStore) {
    // One token every two seconds: slow enough that round trips to a loaded
    // store cannot refill the bucket between the takes below.
    let bucket = TokenBucket::new(3, 0.5).unwrap();
    for n in 0..3 {
        assert!(kv.take_token("rate:a", bucket).await.unwrap().allowed, "take {n} of the burst was refused");
    }
    let refused = kv.take_token("rate:a", bucket).await.unwrap();
    assert!(!refused.allowed);
    assert!(
        refused.retry_after > Duration::ZERO && refused.retry_after <= Duration::from_secs(2),
        "{:?}",
        refused.retry_after
    );
    assert!(kv.take_token("rate:b", bucket).await.unwrap().allowed, "buckets are not independent");
    // Waiting as long as the refusal said brings one token back, and only one.
    tokio::time::sleep(refused.retry_after + Duration::from_millis(100)).await;
    assert!(kv.take_token("rate:a", bucket).await.unwrap().allowed);
    assert!(!kv.take_token("rate:a", bucket).await.unwrap().allowed);
}

async fn a_slow_bucket_says_how_long_to_wait(kv: &dyn KeyValueStore) {
    let bucket = TokenBucket::new(1, 0.1).unwrap();
    assert!(kv.take_token("rate:slow", bucket).await.unwrap().allowed);
    let refused = kv.take_token("rate:slow", bucket).await.unwrap();
    assert!(!refused.allowed);
    assert!(
        refused.retry_after > Duration::from_secs(9) && refused.retry_after <= Duration::from_secs(10),
        "{:?}",
        refused.retry_after
    );
}

async fn concurrent_takes_spend_each_token_once(kv: Arc<dyn KeyValueStore>) {
    let bucket = TokenBucket::new(8, 0.001).unwrap();
    let takes: Vec<_> = (0..24)
        .map(|_| {
            tokio::spawn({
                let kv = kv.clone();
                async move { kv.take_token("rate:race", bucket).await.unwrap() }
            })
        })
        .collect();
    let mut allowed = 0;
    for take in takes {
        allowed += usize::from(take.await.unwrap().allowed);
    }
    assert_eq!(allowed, 8, "concurrent takes spent a token twice or lost one");
    assert!(!kv.take_token("rate:race", bucket).await.unwrap().allowed);
}

mod postgres {
    use super::*;

    #[tokio::test]
    async fn writes_sweep_expired_rows_and_keep_live_ones() {
        let app = spawn_app().await;
        let kv = PgKeyValueStore::with_sweep_every(app.ctx.db.clone(), 3);
        let rows = || async {
            sqlx::query_scalar::<_, String>("SELECT key FROM kv_entries ORDER BY key")
                .fetch_all(&app.ctx.db)
                .await
                .unwrap()
        };
        kv.put("gone:1", b"x", Duration::from_millis(1)).await.unwrap();
        kv.put("gone:2", b"x", Duration::from_millis(1)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(rows().await, ["gone:1", "gone:2"], "expired rows stay until a sweep");
        kv.put("kept", b"x", Duration::from_secs(60)).await.unwrap();
        assert_eq!(rows().await, ["kept"], "the third write swept the expired rows");
    }

    /// Every request a busy address sends takes from the same bucket. Were each
    /// take to add index entries for that one key, a snapshot held elsewhere
    /// for a moment would leave every following take stepping over all the
    /// dead ones (under load: the whole API stalled once a minute). Takes stay
    /// heap-only updates, and the row still outlives the spent bucket.
    #[tokio::test]
    async fn a_busy_bucket_is_updated_in_place() {
        let app = spawn_app().await;
        let kv = PgKeyValueStore::new(app.ctx.db.clone());
        let bucket = TokenBucket::new(1000, 10.0).unwrap();
        const TAKES: i64 = 300;
        for _ in 0..TAKES {
            assert!(kv.take_token("rate:busy", bucket).await.unwrap().allowed);
            let left: f64 = sqlx::query_scalar(
                "SELECT extract(epoch FROM expires_at - now())::float8 FROM kv_entries WHERE key = 'rate:busy'",
            )
            .fetch_one(&app.ctx.db)
            .await
            .unwrap();
            assert!(left >= bucket.full_after().as_secs_f64() - 1.0, "the row may expire before the bucket refills");
        }
        // Table statistics reach the shared view when each backend next idles
        // (at most ten seconds later in PostgreSQL 15).
        let mut counts = (0, 0);
        for _ in 0..60 {
            counts = sqlx::query_as::<_, (i64, i64)>(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'kv_entries'",
            )
            .fetch_one(&app.ctx.db)
            .await
            .unwrap();
            if counts.0 >= TAKES - 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let (updates, in_place) = counts;
        assert!(updates >= TAKES - 1, "the statistics never arrived: {updates} updates");
        assert!(in_place * 100 >= updates * 95, "only {in_place} of {updates} takes were heap-only updates");
    }

    async fn store() -> (crate::support::TestApp, Arc<dyn KeyValueStore>) {
        let app = spawn_app().await;
        let kv = Arc::new(PgKeyValueStore::new(app.ctx.db.clone()));
        (app, kv)
    }

    #[tokio::test]
    async fn values_are_read_back_replaced_deleted_and_expire() {
        let (_app, kv) = store().await;
        super::values_are_read_back_replaced_deleted_and_expire(kv.as_ref()).await;
    }

    #[tokio::test]
    async fn put_if_absent_writes_only_where_nothing_lives() {
        let (_app, kv) = store().await;
        super::put_if_absent_writes_only_where_nothing_lives(kv.as_ref()).await;
    }

    #[tokio::test]
    async fn concurrent_claims_have_one_winner() {
        let (_app, kv) = store().await;
        super::concurrent_claims_have_one_winner(kv).await;
    }

    #[tokio::test]
    async fn counters_count_within_a_window_and_start_again_after_it() {
        let (_app, kv) = store().await;
        super::counters_count_within_a_window_and_start_again_after_it(kv.as_ref()).await;
    }

    #[tokio::test]
    async fn concurrent_increments_are_all_counted() {
        let (_app, kv) = store().await;
        super::concurrent_increments_are_all_counted(kv).await;
    }

    #[tokio::test]
    async fn a_bucket_allows_its_burst_then_refuses_until_it_refills() {
        let (_app, kv) = store().await;
        super::a_bucket_allows_its_burst_then_refuses_until_it_refills(kv.as_ref()).await;
    }

    #[tokio::test]
    async fn a_slow_bucket_says_how_long_to_wait() {
        let (_app, kv) = store().await;
        super::a_slow_bucket_says_how_long_to_wait(kv.as_ref()).await;
    }

    #[tokio::test]
    async fn concurrent_takes_spend_each_token_once() {
        let (_app, kv) = store().await;
        super::concurrent_takes_spend_each_token_once(kv).await;
    }
}

mod dynamodb {
    use super::*;

    async fn client() -> aws_sdk_dynamodb::Client {
        dynamodb_client(&moto_config().await, Some(&moto_url()))
    }

    async fn store() -> Arc<dyn KeyValueStore> {
        let client = client().await;
        let table = moto_kv_table(&client).await;
        Arc::new(DynamoKeyValueStore::new(client, table))
    }

    #[tokio::test]
    async fn values_are_read_back_replaced_deleted_and_expire() {
        super::values_are_read_back_replaced_deleted_and_expire(store().await.as_ref()).await;
    }

    #[tokio::test]
    async fn put_if_absent_writes_only_where_nothing_lives() {
        super::put_if_absent_writes_only_where_nothing_lives(store().await.as_ref()).await;
    }

    #[tokio::test]
    async fn concurrent_claims_have_one_winner() {
        super::concurrent_claims_have_one_winner(store().await).await;
    }

    #[tokio::test]
    async fn counters_count_within_a_window_and_start_again_after_it() {
        super::counters_count_within_a_window_and_start_again_after_it(store().await.as_ref()).await;
    }

    #[tokio::test]
    async fn concurrent_increments_are_all_counted() {
        super::concurrent_increments_are_all_counted(store().await).await;
    }

    #[tokio::test]
    async fn a_bucket_allows_its_burst_then_refuses_until_it_refills() {
        super::a_bucket_allows_its_burst_then_refuses_until_it_refills(store().await.as_ref()).await;
    }

    #[tokio::test]
    async fn a_slow_bucket_says_how_long_to_wait() {
        super::a_slow_bucket_says_how_long_to_wait(store().await.as_ref()).await;
    }

    #[tokio::test]
    async fn concurrent_takes_spend_each_token_once() {
        super::concurrent_takes_spend_each_token_once(store().await).await;
    }

    /// What a deployed function builds from `KV_BACKEND=dynamodb`, writing
    /// items the table's TTL can delete: `pk` as the key, `expires_at` in
    /// whole epoch seconds.
    #[tokio::test]
    async fn kv_backend_dynamodb_builds_the_adapter_on_the_named_table() {
        let client = client().await;
        let table = moto_kv_table(&client).await;
        let app = spawn_app().await;
        let moto = moto_url();
        let settings = [
            ("DATABASE_URL", app.database_url.as_str()),
            ("JWT_SIGNING_KEY", signing_key_pem()),
            ("KV_BACKEND", "dynamodb"),
            ("DYNAMODB_TABLE", table.as_str()),
            ("DYNAMODB_ENDPOINT_URL", moto.as_str()),
        ];
        let lookup = |without: &'static str| {
            move |key: &str| settings.iter().find(|(k, _)| *k == key && *k != without).map(|(_, v)| (*v).to_owned())
        };
        let error = Config::from_lookup(lookup("DYNAMODB_TABLE")).unwrap_err();
        assert!(error.to_string().contains("DYNAMODB_TABLE"), "{error}");
        let ctx = AppContext::from_config(Config::from_lookup(lookup("")).unwrap()).await.unwrap();

        let before = Utc::now().timestamp();
        ctx.kv.put("curated", b"feed", Duration::from_secs(90)).await.unwrap();
        let item = client
            .get_item()
            .table_name(&table)
            .key("pk", AttributeValue::S("curated".to_owned()))
            .send()
            .await
            .unwrap()
            .item
            .expect("the value went to the configured table");
        let expires_at: i64 = item["expires_at"].as_n().unwrap().parse().expect("whole seconds");
        assert!((before + 90..=before + 92).contains(&expires_at), "{expires_at} vs {before}");
        // Nothing went to the PostgreSQL table.
        let (rows,): (i64,) = sqlx::query_as("SELECT count(*) FROM kv_entries").fetch_one(&app.ctx.db).await.unwrap();
        assert_eq!(rows, 0);
    }
}
