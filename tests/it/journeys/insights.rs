//! Artist insights: what collectors do with an artist's works (views, likes,
//! saves, shares, searches that show the works and the results they open,
//! offers, paid orders) is rolled up by a scheduled job into daily numbers the
//! artist's dashboard reads. The rollup is checked against the raw events,
//! counted here independently in SQL; the dashboard against the rollup;
//! running the job again changes nothing; and only the artist reads their own.

use std::collections::BTreeMap;

use atelier::insights::rollup;
use axum::http::StatusCode;
use chrono::{Days, NaiveDate, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    journeys::{
        commerce::{add, checkout, deliver_events, pay, shipping_artist},
        offers::{collector_with_card, offer},
    },
    support::{Caller, TestApp, User, assert_problem, field_errors, spawn_app, spawn_app_with},
};

/// One row of counts: views, likes, saves, shares, impressions, clicks,
/// position sum, offers, orders.
type Row = (Uuid, NaiveDate, i64, i64, i64, i64, i64, i64, i64, i64, i64);

/// Every raw event a rollup counts, with its work, artist and UTC day.
const RAW_EVENTS: &str = "
    WITH events AS (
        SELECT artwork_id, created_at AS at, kind::text AS what, NULL::integer AS position, false AS clicked,
               NULL::uuid AS order_id
        FROM interactions WHERE kind IN ('view', 'like', 'save', 'share')
        UNION ALL
        SELECT artwork_id, shown_at, 'impression', position, clicked_at IS NOT NULL, NULL FROM search_impressions
        UNION ALL
        SELECT artwork_id, created_at, 'offer', NULL, false, NULL FROM negotiations WHERE reached_artist
        UNION ALL
        SELECT l.artwork_id, t.created_at, 'order', NULL, false, t.order_id
        FROM order_transitions t JOIN order_lines l ON l.order_id = t.order_id WHERE t.to_status = 'paid'
    )
    SELECT e.*, a.artist_id, (e.at AT TIME ZONE 'UTC')::date AS day FROM events e JOIN artworks a ON a.id = e.artwork_id";

const RAW_COUNTS: &str = "count(*) FILTER (WHERE what = 'view'), count(*) FILTER (WHERE what = 'like'),
    count(*) FILTER (WHERE what = 'save'), count(*) FILTER (WHERE what = 'share'),
    count(*) FILTER (WHERE what = 'impression'), count(*) FILTER (WHERE clicked),
    coalesce(sum(position), 0)::bigint, count(*) FILTER (WHERE what = 'offer'), count(DISTINCT order_id)";

async fn rows(app: &TestApp, sql: &str) -> Vec<Row> {
    sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned())).fetch_all(&app.ctx.db).await.unwrap()
}

/// Per work and day, counted from the raw events.
async fn raw_per_work(app: &TestApp) -> Vec<Row> {
    rows(app, &format!("SELECT artwork_id, day, {RAW_COUNTS} FROM ({RAW_EVENTS}) e GROUP BY 1, 2 ORDER BY 1, 2")).await
}

/// Per artist and day, counted from the raw events: an order once however many works it holds.
async fn raw_per_artist(app: &TestApp) -> Vec<Row> {
    rows(app, &format!("SELECT artist_id, day, {RAW_COUNTS} FROM ({RAW_EVENTS}) e GROUP BY 1, 2 ORDER BY 1, 2")).await
}

const COLUMNS: &str = "views, likes, saves, shares, impressions, clicks, position_sum, offers, orders";

async fn rolled_up_per_work(app: &TestApp) -> Vec<Row> {
    rows(app, &format!("SELECT artwork_id, day, {COLUMNS} FROM artwork_daily_stats ORDER BY 1, 2")).await
}

async fn rolled_up_per_artist(app: &TestApp) -> Vec<Row> {
    rows(app, &format!("SELECT artist_id, day, {COLUMNS} FROM artist_daily_stats ORDER BY 1, 2")).await
}

/// Revenue per work, day and currency from the raw orders: the works of
/// orders paid that day, unless the order ended without the sale.
async fn raw_revenue(app: &TestApp) -> Vec<(Uuid, NaiveDate, String, i64)> {
    sqlx::query_as(
        "SELECT l.artwork_id, (t.created_at AT TIME ZONE 'UTC')::date, o.currency::text,
                sum(l.unit_price_minor * l.quantity)::bigint
         FROM order_transitions t JOIN orders o ON o.id = t.order_id JOIN order_lines l ON l.order_id = o.id
         WHERE t.to_status = 'paid' AND o.status NOT IN ('declined', 'lapsed', 'cancelled', 'refunded')
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )
    .fetch_all(&app.ctx.db)
    .await
    .unwrap()
}

async fn rolled_up_revenue(app: &TestApp) -> Vec<(Uuid, NaiveDate, String, i64)> {
    sqlx::query_as("SELECT artwork_id, day, currency::text, amount_minor FROM artwork_daily_revenue ORDER BY 1, 2, 3")
        .fetch_all(&app.ctx.db)
        .await
        .unwrap()
}

/// The running totals as the rollup holds them, to compare whole tables.
async fn running_totals(app: &TestApp) -> Vec<Row> {
    let columns = COLUMNS.split(", ").map(|c| format!("{c}_to_date")).collect::<Vec<_>>().join(", ");
    rows(app, &format!("SELECT artwork_id, day, {columns} FROM artwork_daily_stats ORDER BY 1, 2")).await
}

/// The rollup agrees with the raw events, row for row.
async fn assert_rollup_matches_raw_events(app: &TestApp) {
    assert_eq!(rolled_up_per_work(app).await, raw_per_work(app).await, "per work and day");
    assert_eq!(rolled_up_per_artist(app).await, raw_per_artist(app).await, "per artist and day");
    assert_eq!(rolled_up_revenue(app).await, raw_revenue(app).await, "revenue");
}

async fn interact(who: &User<'_>, artwork_id: &str, kind: &str) {
    let response = who.post("/api/interactions", json!({"artwork_id": artwork_id, "kind": kind})).await;
    assert_eq!(response.status, StatusCode::CREATED, "{kind}: {}", response.body);
}

/// Searches by keyword; answers the search id and the ids shown, in order.
async fn search(who: &Caller<'_>, query: &str) -> (String, Vec<String>) {
    let response = who.get(&format!("/api/search?q={query}&mode=keyword&limit=50")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let ids = response.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
    (response.body["search_id"].as_str().unwrap().to_owned(), ids)
}

async fn click(who: &Caller<'_>, search_id: &str, artwork_id: &str) -> crate::support::TestResponse {
    who.post("/api/search/clicks", json!({"search_id": search_id, "artwork_id": artwork_id})).await
}

/// `buyer` buys `quantity` of the work, pays with the sandbox's test card and
/// the provider's events arrive: the order is paid. Answers its id.
async fn buy(app: &TestApp, buyer: &User<'_>, artwork_id: &str, quantity: i32) -> String {
    assert_eq!(add(buyer, artwork_id, quantity).await.status, StatusCode::OK);
    let placed = checkout(buyer, "GB").await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
    let paid = pay(app, &placed.body, "4242 4242 4242 4242").await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);
    deliver_events(app).await;
    placed.body["orders"][0]["id"].as_str().unwrap().to_owned()
}

fn work<'v>(list: &'v Value, id: &str) -> &'v Value {
    list.as_array().unwrap().iter().find(|w| w["artwork_id"] == id).unwrap_or_else(|| panic!("{id} not in {list}"))
}

fn sum_of(rows: &[Row], key: Uuid) -> [i64; 9] {
    let mut total = [0; 9];
    for row in rows.iter().filter(|row| row.0 == key) {
        let counts = [row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10];
        for (t, c) in total.iter_mut().zip(counts) {
            *t += c;
        }
    }
    total
}

/// The counts of a dashboard's metrics, in the order of [`Row`].
fn counts_of(metrics: &Value) -> [i64; 9] {
    let n = |key: &str| metrics[key].as_i64().unwrap_or_else(|| panic!("{key} in {metrics}"));
    let impressions = n("search_impressions");
    let position_sum = metrics["average_position"].as_f64().map_or(0, |p| (p * impressions as f64).round() as i64);
    [
        n("views"),
        n("likes"),
        n("saves"),
        n("shares"),
        impressions,
        n("search_clicks"),
        position_sum,
        n("offers"),
        n("orders"),
    ]
}

#[tokio::test]
async fn an_artist_sees_what_became_of_their_works_counted_from_the_raw_events() {
    let app = spawn_app().await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    let harbour = ada.artwork(json!({"title": "Harbour at Dusk"})).await;
    let gulls = ada
        .artwork(json!({"title": "Gulls over the Harbour, etching", "edition": {"kind": "limited", "size": 25, "available": 25},
                        "price": {"amount_minor": 30000, "currency": "GBP"}}))
        .await;
    let quiet =
        ada.artwork(json!({"title": "Still Life", "tags": ["fruit"], "description": "Apples on a table."})).await;
    let bo = shipping_artist(&app, "bodil", "GBP").await;
    let lights = bo.artwork(json!({"title": "Harbour Lights"})).await;
    let cleo = app.collector("cleo@example.com").await;
    let dan = collector_with_card(&app, "dan@example.com").await;
    let eve = collector_with_card(&app, "eve@example.com").await;

    for (who, work, kind) in [
        (&cleo, &harbour, "view"),
        (&cleo, &harbour, "like"),
        (&cleo, &harbour, "save"),
        (&cleo, &harbour, "share"),
        (&dan, &harbour, "view"),
        (&dan, &gulls, "view"),
        (&dan, &gulls, "save"),
        (&eve, &harbour, "view"),
        (&eve, &gulls, "like"),
        (&eve, &lights, "view"),
        (&eve, &quiet, "not_interested"),
    ] {
        interact(who, &work.id, kind).await;
    }
    // Searches show the works at positions the server records; the searcher
    // opens some. A click on a work the search did not show, or from a
    // search that never was, is refused; opening the same one again is one click.
    let (cleos_search, shown) = search(&cleo, "harbour").await;
    assert!(shown.contains(&harbour.id) && shown.contains(&lights.id) && !shown.contains(&quiet.id), "{shown:?}");
    assert_eq!(click(&cleo, &cleos_search, &harbour.id).await.status, StatusCode::NO_CONTENT);
    assert_eq!(click(&cleo, &cleos_search, &harbour.id).await.status, StatusCode::NO_CONTENT);
    let forged = click(&cleo, &cleos_search, &quiet.id).await;
    assert_problem(&forged, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&forged), ["artwork_id"]);
    assert_problem(&click(&cleo, &Uuid::now_v7().to_string(), &harbour.id).await, StatusCode::UNPROCESSABLE_ENTITY);
    let (anonymous_search, _) = search(&app.anonymous(), "gulls").await;
    assert_eq!(click(&app.anonymous(), &anonymous_search, &gulls.id).await.status, StatusCode::NO_CONTENT);
    search(&dan, "etching").await;
    let positions: Vec<(Uuid, i32)> = sqlx::query_as(
        "SELECT artwork_id, position FROM search_impressions WHERE search_id = $1::uuid ORDER BY position",
    )
    .bind(&cleos_search)
    .fetch_all(&app.ctx.db)
    .await
    .unwrap();
    let expected: Vec<(Uuid, i32)> = shown.iter().zip(1..).map(|(id, n)| (id.parse().unwrap(), n)).collect();
    assert_eq!(positions, expected, "each shown work at its place on the page");

    // Offers: Dan's on the gulls reaches Ada; Eve's on the harbour is below
    // its floor, declined without Ada hearing of it, so not hers to count.
    for (work, floor) in [(&gulls, Value::Null), (&harbour, json!(100_000))] {
        let terms = ada.put(&format!("/api/artworks/{}/offer-terms", work.id), json!({"floor_minor": floor})).await;
        assert_eq!(terms.status, StatusCode::OK, "{}", terms.body);
    }
    let open = offer(&dan, &gulls.id, 25_000, None).await;
    assert_eq!((open.status, &open.body["status"]), (StatusCode::CREATED, &json!("open")), "{}", open.body);
    let unseen = offer(&eve, &harbour.id, 50_000, None).await;
    assert_eq!((unseen.status, &unseen.body["status"]), (StatusCode::CREATED, &json!("declined")), "{}", unseen.body);
    // Cleo buys the harbour; Eve two of the gulls, which Ada declines: a paid
    // order all the same, but no revenue.
    let harbour_order = buy(&app, &cleo, &harbour.id, 1).await;
    let gulls_order = buy(&app, &eve, &gulls.id, 2).await;
    let declined = ada.post(&format!("/api/me/sales/{gulls_order}/decline"), json!({"reason": "Damaged plate"})).await;
    assert_eq!(declined.status, StatusCode::OK, "{}", declined.body);
    let accepted = ada.post(&format!("/api/me/sales/{harbour_order}/accept"), json!({})).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);

    let now = Utc::now();
    let today = now.date_naive();
    let report = rollup::run(&app.ctx, now, &[]).await.unwrap();
    assert_eq!(report.days, [today - Days::new(1), today]);
    assert_rollup_matches_raw_events(&app).await;

    // Running it again finds everything as it left it.
    let before = (rolled_up_per_work(&app).await, rolled_up_per_artist(&app).await, running_totals(&app).await);
    let again = rollup::run(&app.ctx, Utc::now(), &[]).await.unwrap();
    assert_eq!(again.changed_works, 0, "{again:?}");
    let after = (rolled_up_per_work(&app).await, rolled_up_per_artist(&app).await, running_totals(&app).await);
    assert_eq!(before, after);
    assert_eq!(rolled_up_revenue(&app).await, raw_revenue(&app).await);

    // Ada's dashboard for today says what the raw events say.
    let dashboard = ada.get(&format!("/api/me/insights?from={today}&to={today}")).await;
    assert_eq!(dashboard.status, StatusCode::OK, "{}", dashboard.body);
    let body = &dashboard.body;
    let raw_artists = raw_per_artist(&app).await;
    let ada_id: Uuid = ada.artist_id.parse().unwrap();
    assert_eq!(counts_of(&body["totals"]), sum_of(&raw_artists, ada_id));
    assert_eq!(body["totals"]["views"], 4);
    assert_eq!(body["totals"]["orders"], 2, "both paid orders, the declined one too");
    assert_eq!(body["totals"]["offers"], 1, "only the offer that reached her");
    assert_eq!(body["totals"]["revenue"], json!([{"amount_minor": 120000, "currency": "GBP", "exponent": 2}]));
    assert_eq!(body["conversion"]["view_to_save"], 0.5);
    assert_eq!(body["conversion"]["view_to_order"], 0.5);
    assert_eq!(body["daily"].as_array().unwrap().len(), 1);
    assert_eq!(counts_of(&body["daily"][0]), counts_of(&body["totals"]));
    assert!(body["as_of"].is_string(), "{body}");
    let top = &body["top_works"];
    assert_eq!(top[0]["artwork_id"], harbour.id.as_str(), "the most viewed first: {top}");
    assert_eq!(top.as_array().unwrap().len(), 3, "every work, the one nobody looked at too");
    assert!(top.as_array().unwrap().iter().all(|w| w["artwork_id"] != lights.id.as_str()), "only Ada's works");

    // Each of her works, on the dashboard's table and on its own page.
    let raw_works = raw_per_work(&app).await;
    let table = ada.get(&format!("/api/me/insights/works?from={today}&to={today}&sort=orders")).await;
    assert_eq!(table.status, StatusCode::OK, "{}", table.body);
    assert_eq!(table.body["total"], 3);
    for w in [&harbour, &gulls, &quiet] {
        let id: Uuid = w.id.parse().unwrap();
        assert_eq!(counts_of(work(&table.body["items"], &w.id)), sum_of(&raw_works, id), "{}", w.title);
        let page = ada.get(&format!("/api/me/insights/works/{}?from={today}&to={today}", w.id)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_eq!(counts_of(&page.body["totals"]), sum_of(&raw_works, id), "{}", w.title);
        assert_eq!(page.body["title"], w.title.as_str());
    }
    let harbour_page = ada.get(&format!("/api/me/insights/works/{}", harbour.id)).await.body;
    assert_eq!(harbour_page["daily"].as_array().unwrap().len(), 30, "the last 30 days by default");
    assert_eq!(harbour_page["totals"]["search_clicks"], 1, "opened once from Cleo's search");
    assert_eq!(harbour_page["totals"]["revenue"][0]["amount_minor"], 120000);
    let gulls_row = work(&table.body["items"], &gulls.id);
    assert_eq!((gulls_row["orders"].as_i64(), gulls_row["revenue"].as_array().map(Vec::len)), (Some(1), Some(0)));
    let first_page = ada.get(&format!("/api/me/insights/works?from={today}&to={today}&limit=2")).await.body;
    let cursor = first_page["next_cursor"].as_str().expect("a third work to come");
    let second_page = ada.get(&format!("/api/me/insights/works?from={today}&to={today}&limit=2&cursor={cursor}")).await;
    assert_eq!(second_page.body["items"][0]["artwork_id"], quiet.id.as_str(), "nobody looked at it: last by views");
    assert!(second_page.body["next_cursor"].is_null());

    // Nobody else reads them.
    let bos_view = bo.get(&format!("/api/me/insights/works/{}", harbour.id)).await;
    assert_problem(&bos_view, StatusCode::NOT_FOUND);
    let bos_own = bo.get("/api/me/insights").await.body;
    assert_eq!(bos_own["totals"]["views"], 1);
    assert_eq!(bos_own["top_works"][0]["artwork_id"], lights.id.as_str());
    assert_problem(&cleo.get("/api/me/insights").await, StatusCode::FORBIDDEN);
    assert_problem(&cleo.get("/api/me/insights/works").await, StatusCode::FORBIDDEN);
    assert_problem(&cleo.get(&format!("/api/me/insights/works/{}", harbour.id)).await, StatusCode::FORBIDDEN);
    assert_problem(&app.anonymous().get("/api/me/insights").await, StatusCode::UNAUTHORIZED);
    let unknown = ada.get(&format!("/api/me/insights/works/{}", Uuid::now_v7())).await;
    assert_problem(&unknown, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_period_is_one_to_three_hundred_and_sixty_six_days() {
    let app = spawn_app().await;
    let ada = app.artist("ada").await;
    for (query, field) in [
        ("from=2026-03-02&to=2026-03-01", "from"),
        ("from=2024-01-01&to=2025-01-01", "to"),
        ("from=yesterday", "query"),
        ("from=2026-02-30", "query"),
        ("sort=price", "query"),
        ("limit=0", "limit"),
        ("cursor=next", "cursor"),
        ("colour=red", "query"),
    ] {
        let refused = ada.get(&format!("/api/me/insights/works?{query}")).await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_errors(&refused), [field], "{query}");
    }
    assert_problem(&ada.get("/api/me/insights?from=2026-03-02&to=2026-03-01").await, StatusCode::UNPROCESSABLE_ENTITY);
    let leap = ada.get("/api/me/insights?from=2024-01-01&to=2024-12-31").await;
    assert_eq!(leap.status, StatusCode::OK, "{}", leap.body);
    assert_eq!(leap.body["daily"].as_array().unwrap().len(), 366);
    assert!(leap.body["as_of"].is_null(), "never rolled up");
    assert_eq!(leap.body["totals"]["views"], 0);
    assert!(leap.body["conversion"]["view_to_save"].is_null(), "no rate without a view");
    // An artist account that has not made its profile yet has nothing to show, not an error.
    let newcomer = app.register("newcomer@example.com", "artist").await;
    let empty = newcomer.get("/api/me/insights").await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
    assert_eq!(empty.body["daily"].as_array().unwrap().len(), 30);
    assert_eq!(newcomer.get("/api/me/insights/works").await.body["total"], 0);
}

/// Moves everything recorded so far by `user` back `days` days.
async fn age_interactions(app: &TestApp, user: Uuid, days: i32) {
    sqlx::query("UPDATE interactions SET created_at = created_at - make_interval(days => $2) WHERE user_id = $1")
        .bind(user)
        .bind(days)
        .execute(&app.ctx.db)
        .await
        .unwrap();
}

/// Every sub-period of `days` agrees with the raw events, per work.
async fn assert_every_period_matches(app: &TestApp, artist: &User<'_>, days: &[NaiveDate]) {
    let raw = raw_per_work(app).await;
    for (i, from) in days.iter().enumerate() {
        for to in &days[i..] {
            let table = artist.get(&format!("/api/me/insights/works?from={from}&to={to}")).await;
            assert_eq!(table.status, StatusCode::OK, "{}", table.body);
            for item in table.body["items"].as_array().unwrap() {
                let id: Uuid = item["artwork_id"].as_str().unwrap().parse().unwrap();
                let mut expected = [0; 9];
                for row in raw.iter().filter(|row| row.0 == id && row.1 >= *from && row.1 <= *to) {
                    let counts = [row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10];
                    for (e, c) in expected.iter_mut().zip(counts) {
                        *e += c;
                    }
                }
                assert_eq!(counts_of(item), expected, "{} from {from} to {to}", item["title"]);
            }
        }
    }
}

#[tokio::test]
async fn a_day_rolled_up_again_keeps_every_period_right_after_it() {
    let app = spawn_app().await;
    let ada = app.artist("ada").await;
    let first = ada.artwork(json!({"title": "First light"})).await;
    let second = ada.artwork(json!({"title": "Second wind"})).await;
    let today = Utc::now().date_naive();
    let days: Vec<NaiveDate> = (0..4).rev().map(|n| today - Days::new(n)).collect();

    // Three collectors, each active on a different day: three, two and one days ago.
    let mut collectors = Vec::new();
    for (n, ago) in [(0, 3), (1, 2), (2, 1)] {
        let who = app.collector(&format!("collector{n}@example.com")).await;
        interact(&who, &first.id, "view").await;
        interact(&who, &first.id, "like").await;
        if n != 1 {
            interact(&who, &second.id, "view").await;
        }
        age_interactions(&app, who.id, ago).await;
        collectors.push(who);
    }
    let today_only = app.collector("today@example.com").await;
    interact(&today_only, &second.id, "save").await;

    let report = rollup::run(&app.ctx, Utc::now(), &days[..2]).await.unwrap();
    assert_eq!(report.days, days);
    assert_rollup_matches_raw_events(&app).await;
    assert_every_period_matches(&app, &ada, &days).await;

    // Three days ago changes afterwards: its collector takes back a like, and
    // a view is forgotten. Rolling that day up again moves every running
    // total after it.
    let taken_back = collectors[0].delete(&format!("/api/me/likes/{}", first.id)).await;
    assert_eq!(taken_back.status, StatusCode::NO_CONTENT);
    sqlx::query("DELETE FROM interactions WHERE user_id = $1 AND artwork_id = $2::uuid")
        .bind(collectors[0].id)
        .bind(&second.id)
        .execute(&app.ctx.db)
        .await
        .unwrap();
    let redone = rollup::run(&app.ctx, Utc::now(), &days[..1]).await.unwrap();
    assert_eq!(redone.changed_works, 2, "{redone:?}");
    assert_rollup_matches_raw_events(&app).await;
    assert_every_period_matches(&app, &ada, &days).await;
    assert_eq!(rollup::run(&app.ctx, Utc::now(), &days[..1]).await.unwrap().changed_works, 0);
}

#[tokio::test]
async fn a_day_past_the_search_history_retention_keeps_its_search_counts() {
    let app = spawn_app().await;
    let ada = app.artist("ada").await;
    let work = ada.artwork(json!({"title": "Harbour at Dusk"})).await;
    let (search_id, shown) = search(&app.anonymous(), "harbour").await;
    assert_eq!(shown, std::slice::from_ref(&work.id));
    assert_eq!(click(&app.anonymous(), &search_id, &work.id).await.status, StatusCode::NO_CONTENT);
    // The search was made 100 days ago.
    sqlx::query("UPDATE search_impressions SET shown_at = shown_at - interval '100 days'")
        .execute(&app.ctx.db)
        .await
        .unwrap();
    let day = Utc::now().date_naive() - Days::new(100);
    rollup::run(&app.ctx, Utc::now(), &[day]).await.unwrap();
    let period = format!("from={day}&to={day}");
    let before = ada.get(&format!("/api/me/insights?{period}")).await.body["totals"].clone();
    assert_eq!((before["search_impressions"].as_i64(), before["search_clicks"].as_i64()), (Some(1), Some(1)));

    atelier::search::purge_old_queries(&app.ctx).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM search_impressions").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(left, 0, "purged with the queries");
    rollup::run(&app.ctx, Utc::now(), &[day]).await.unwrap();
    assert_eq!(ada.get(&format!("/api/me/insights?{period}")).await.body["totals"], before);
}

#[tokio::test]
async fn a_click_counts_within_an_hour_of_its_search() {
    let app = spawn_app().await;
    let ada = app.artist("ada").await;
    let works: Vec<String> = {
        let mut ids = Vec::new();
        for n in 0..3 {
            ids.push(ada.artwork(json!({"title": format!("Harbour study {n}")})).await.id);
        }
        ids
    };
    // The second page's works are at positions after the first page's.
    let first = app.anonymous().get("/api/search?q=harbour&mode=keyword&limit=2").await.body;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app.anonymous().get(&format!("/api/search?q=harbour&mode=keyword&limit=2&cursor={cursor}")).await.body;
    assert_ne!(first["search_id"], second["search_id"], "every answer is a search of its own");
    let position: i32 = sqlx::query_scalar("SELECT position FROM search_impressions WHERE search_id = $1::uuid")
        .bind(second["search_id"].as_str().unwrap())
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
    assert_eq!(position, 3);

    let search_id = first["search_id"].as_str().unwrap();
    let shown = first["items"][0]["id"].as_str().unwrap();
    assert!(works.iter().any(|id| id == shown));
    sqlx::query("UPDATE search_impressions SET shown_at = shown_at - interval '61 minutes' WHERE search_id = $1::uuid")
        .bind(search_id)
        .execute(&app.ctx.db)
        .await
        .unwrap();
    let late = click(&app.anonymous(), search_id, shown).await;
    assert_problem(&late, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&late), ["search_id"]);
    let clicks: i64 =
        sqlx::query_scalar("SELECT count(clicked_at) FROM search_impressions").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(clicks, 0);
}

#[tokio::test]
async fn the_cron_route_rolls_up_only_for_the_cron_secret() {
    let app = spawn_app_with(&[("CRON_SECRET", "s3cret-cron-token")]).await;
    assert_problem(&app.anonymous().get("/api/cron/insights").await, StatusCode::UNAUTHORIZED);
    assert_problem(&app.bearer("nope").get("/api/cron/insights").await, StatusCode::UNAUTHORIZED);
    let run = app.bearer("s3cret-cron-token").get("/api/cron/insights").await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.body);
    let today = Utc::now().date_naive();
    assert_eq!(run.body["days"], json!([(today - Days::new(1)).to_string(), today.to_string()]));

    let without_secret = spawn_app().await;
    assert_problem(&without_secret.bearer("s3cret-cron-token").get("/api/cron/insights").await, StatusCode::NOT_FOUND);
}

/// The dashboard's series fills the days nothing happened with zeros, and a
/// work's revenue is told per currency.
#[tokio::test]
async fn revenue_is_told_per_currency() {
    let app = spawn_app().await;
    let ada = shipping_artist(&app, "ada", "GBP").await;
    let pounds = ada.artwork(json!({"title": "In pounds"})).await;
    let yen = ada.artwork(json!({"title": "In yen", "price": {"amount_minor": 150000, "currency": "JPY"}})).await;
    let cleo = app.collector("cleo@example.com").await;
    buy(&app, &cleo, &pounds.id, 1).await;
    // Ada moves to Japan: her shipping is in yen now, like her new work.
    let terms = json!({"origin_country": "JP", "currency": "JPY", "domestic_minor": 1500, "international_minor": 4000});
    assert_eq!(ada.put("/api/me/shipping", terms).await.status, StatusCode::OK);
    buy(&app, &cleo, &yen.id, 1).await;
    rollup::run(&app.ctx, Utc::now(), &[]).await.unwrap();
    assert_rollup_matches_raw_events(&app).await;
    let today = Utc::now().date_naive();
    let week = ada.get(&format!("/api/me/insights?from={}&to={today}", today - Days::new(6))).await.body;
    let by_currency: BTreeMap<String, (i64, i64)> = week["totals"]["revenue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["currency"].as_str().unwrap().to_owned(),
                (m["amount_minor"].as_i64().unwrap(), m["exponent"].as_i64().unwrap()),
            )
        })
        .collect();
    assert_eq!(by_currency, BTreeMap::from([("GBP".to_owned(), (120000, 2)), ("JPY".to_owned(), (150000, 0))]));
    let daily = week["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 7);
    assert!(daily[..6].iter().all(|d| d["orders"] == 0 && d["revenue"] == json!([])));
    assert_eq!(daily[6]["orders"], 2);
}
