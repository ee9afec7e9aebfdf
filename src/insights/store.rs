//! Insights' queries: the rollup job's rewrites of whole days and of the
//! running totals after them, and the dashboard's reads.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::domain::{Counts, METRICS};

/// `template` once per metric, with `{m}` standing for its name, joined by `, `.
fn each_metric(template: &str) -> String {
    METRICS.iter().map(|m| template.replace("{m}", m)).collect::<Vec<_>>().join(", ")
}

// ----- the rollup job -----

/// Runs of the rollup queue up behind each other until the transaction ends:
/// the local scheduler, a cron call and an operator may start one at once.
pub async fn lock_rollup(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('insights-rollup', 0))").execute(conn).await?;
    Ok(())
}

/// The latest day rolled up so far.
pub async fn last_rolled_up_day(conn: &mut PgConnection) -> sqlx::Result<Option<NaiveDate>> {
    sqlx::query_scalar("SELECT max(day) FROM insights_rollup_days").fetch_one(conn).await
}

pub async fn was_rolled_up(conn: &mut PgConnection, day: NaiveDate) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM insights_rollup_days WHERE day = $1)")
        .bind(day)
        .fetch_one(conn)
        .await
}

/// The search counts the rollup holds for `day`, per work: what a day keeps
/// once its impressions have been purged.
pub async fn stored_search_counts(
    conn: &mut PgConnection,
    day: NaiveDate,
) -> sqlx::Result<Vec<crate::search::ImpressionCounts>> {
    sqlx::query_as(
        "SELECT artwork_id, impressions, clicks, position_sum FROM artwork_daily_stats
         WHERE day = $1 AND impressions > 0",
    )
    .bind(day)
    .fetch_all(conn)
    .await
}

/// One array per metric, as `unnest` takes rows column by column.
fn columns<'a>(rows: impl Iterator<Item = &'a Counts> + Clone) -> [Vec<i64>; 9] {
    std::array::from_fn(|i| rows.clone().map(|counts| counts.to_array()[i]).collect())
}

static REPLACE_WORK_DAY: LazyLock<String> = LazyLock::new(|| {
    let arrays = (0..METRICS.len()).map(|i| format!("${}::int8[]", i + 3)).collect::<Vec<_>>().join(", ");
    format!(
        "WITH fresh AS (
             SELECT * FROM unnest($2::uuid[], {arrays}) AS f (artwork_id, {columns})
         ),
         gone AS (
             DELETE FROM artwork_daily_stats s WHERE s.day = $1
               AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.artwork_id = s.artwork_id)
             RETURNING s.artwork_id
         ),
         written AS (
             INSERT INTO artwork_daily_stats AS s (artwork_id, day, {columns})
             SELECT artwork_id, $1, {columns} FROM fresh
             ON CONFLICT (artwork_id, day) DO UPDATE SET {set}
             WHERE ({old}) IS DISTINCT FROM ({new})
             RETURNING s.artwork_id
         )
         SELECT artwork_id FROM gone UNION SELECT artwork_id FROM written",
        columns = each_metric("{m}"),
        set = each_metric("{m} = EXCLUDED.{m}"),
        old = each_metric("s.{m}"),
        new = each_metric("EXCLUDED.{m}"),
    )
});

/// Makes `day`'s rows of the works' table exactly `rows` (works without a row
/// had nothing), touching only rows that change. Answers the works whose
/// rows changed: their running totals from `day` on need
/// [`rebase_running_totals`].
pub async fn replace_work_day(
    conn: &mut PgConnection,
    day: NaiveDate,
    rows: &[(Uuid, Counts)],
) -> sqlx::Result<Vec<Uuid>> {
    let ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
    let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(REPLACE_WORK_DAY.as_str())).bind(day).bind(ids);
    for column in columns(rows.iter().map(|(_, counts)| counts)) {
        query = query.bind(column);
    }
    query.fetch_all(conn).await
}

static REPLACE_ARTIST_DAY: LazyLock<String> = LazyLock::new(|| {
    let arrays = (0..METRICS.len()).map(|i| format!("${}::int8[]", i + 3)).collect::<Vec<_>>().join(", ");
    format!(
        "INSERT INTO artist_daily_stats (artist_id, day, {columns})
         SELECT artist_id, $1, {columns} FROM unnest($2::uuid[], {arrays}) AS f (artist_id, {columns})",
        columns = each_metric("{m}"),
    )
});

/// Makes `day`'s rows of the artists' table exactly `rows`.
pub async fn replace_artist_day(conn: &mut PgConnection, day: NaiveDate, rows: &[(Uuid, Counts)]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM artist_daily_stats WHERE day = $1").bind(day).execute(&mut *conn).await?;
    let ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
    let mut query = sqlx::query(sqlx::AssertSqlSafe(REPLACE_ARTIST_DAY.as_str())).bind(day).bind(ids);
    for column in columns(rows.iter().map(|(_, counts)| counts)) {
        query = query.bind(column);
    }
    query.execute(conn).await?;
    Ok(())
}

/// One work's revenue on one day in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevenueRow {
    pub artwork_id: Uuid,
    pub artist_id: Uuid,
    pub currency: String,
    pub amount_minor: i64,
}

/// Makes `day`'s revenue rows exactly `rows`.
pub async fn replace_revenue_day(conn: &mut PgConnection, day: NaiveDate, rows: &[RevenueRow]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM artwork_daily_revenue WHERE day = $1").bind(day).execute(&mut *conn).await?;
    sqlx::query(
        "INSERT INTO artwork_daily_revenue (artwork_id, day, currency, artist_id, amount_minor)
         SELECT artwork_id, $1, currency, artist_id, amount_minor
         FROM unnest($2::uuid[], $3::text[], $4::uuid[], $5::int8[]) AS r (artwork_id, currency, artist_id, amount_minor)",
    )
    .bind(day)
    .bind(rows.iter().map(|r| r.artwork_id).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.currency.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.artist_id).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.amount_minor).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}

static REBASE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH changed AS (
             SELECT * FROM unnest($1::uuid[], $2::date[]) AS c (artwork_id, since)
         ),
         base AS (
             SELECT c.artwork_id, c.since, {base}
             FROM changed c LEFT JOIN LATERAL (
                 SELECT {to_date} FROM artwork_daily_stats p
                 WHERE p.artwork_id = c.artwork_id AND p.day < c.since ORDER BY p.day DESC LIMIT 1
             ) b ON true
         ),
         running AS (
             SELECT s.artwork_id, s.day, {running}
             FROM artwork_daily_stats s JOIN base ON base.artwork_id = s.artwork_id AND s.day >= base.since
             WINDOW w AS (PARTITION BY s.artwork_id ORDER BY s.day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
         )
         UPDATE artwork_daily_stats s SET {set}
         FROM running r
         WHERE s.artwork_id = r.artwork_id AND s.day = r.day AND ({old}) IS DISTINCT FROM ({new})",
        base = each_metric("coalesce(b.{m}_to_date, 0) AS {m}"),
        to_date = each_metric("{m}_to_date"),
        running = each_metric("(base.{m} + sum(s.{m}) OVER w)::bigint AS {m}_to_date"),
        set = each_metric("{m}_to_date = r.{m}_to_date"),
        old = each_metric("s.{m}_to_date"),
        new = each_metric("r.{m}_to_date"),
    )
});

/// Recomputes the running totals of each work's rows from the first day its
/// rows changed on, starting from its last row before that day.
pub async fn rebase_running_totals(conn: &mut PgConnection, changed: &[(Uuid, NaiveDate)]) -> sqlx::Result<u64> {
    let done = sqlx::query(sqlx::AssertSqlSafe(REBASE.as_str()))
        .bind(changed.iter().map(|(id, _)| *id).collect::<Vec<_>>())
        .bind(changed.iter().map(|(_, day)| *day).collect::<Vec<_>>())
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn mark_rolled_up(conn: &mut PgConnection, days: &[NaiveDate], at: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO insights_rollup_days (day, computed_at) SELECT day, $2 FROM unnest($1::date[]) AS d (day)
         ON CONFLICT (day) DO UPDATE SET computed_at = EXCLUDED.computed_at",
    )
    .bind(days)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

// ----- the dashboard -----

/// When the latest rollup of any of the period's days ran.
pub async fn as_of(conn: &mut PgConnection, from: NaiveDate, to: NaiveDate) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar("SELECT max(computed_at) FROM insights_rollup_days WHERE day BETWEEN $1 AND $2")
        .bind(from)
        .bind(to)
        .fetch_one(conn)
        .await
}

#[derive(sqlx::FromRow)]
pub struct DayRow {
    pub day: NaiveDate,
    #[sqlx(flatten)]
    pub counts: Counts,
}

static ARTIST_DAYS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT day, {} FROM artist_daily_stats WHERE artist_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day",
        each_metric("{m}")
    )
});

/// The artist's days with any activity in the period, in order.
pub async fn artist_days(
    conn: &mut PgConnection,
    artist_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<Vec<DayRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(ARTIST_DAYS.as_str())).bind(artist_id).bind(from).bind(to).fetch_all(conn).await
}

static WORK_DAYS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT day, {} FROM artwork_daily_stats WHERE artwork_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day",
        each_metric("{m}")
    )
});

/// The work's days with any activity in the period, in order.
pub async fn work_days(
    conn: &mut PgConnection,
    artwork_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<Vec<DayRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(WORK_DAYS.as_str())).bind(artwork_id).bind(from).bind(to).fetch_all(conn).await
}

/// Revenue in one currency on one day.
#[derive(sqlx::FromRow)]
pub struct DayRevenue {
    pub day: NaiveDate,
    pub currency: String,
    pub amount_minor: i64,
}

/// The artist's revenue per day and currency in the period.
pub async fn artist_revenue_days(
    conn: &mut PgConnection,
    artist_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<Vec<DayRevenue>> {
    sqlx::query_as(
        "SELECT day, currency::text, sum(amount_minor)::bigint AS amount_minor FROM artwork_daily_revenue
         WHERE artist_id = $1 AND day BETWEEN $2 AND $3 GROUP BY day, currency ORDER BY day, currency",
    )
    .bind(artist_id)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await
}

/// The work's revenue per day and currency in the period.
pub async fn work_revenue_days(
    conn: &mut PgConnection,
    artwork_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<Vec<DayRevenue>> {
    sqlx::query_as(
        "SELECT day, currency::text, amount_minor FROM artwork_daily_revenue
         WHERE artwork_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day, currency",
    )
    .bind(artwork_id)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await
}

#[derive(sqlx::FromRow)]
pub struct WorkTotals {
    pub artwork_id: Uuid,
    #[sqlx(flatten)]
    pub counts: Counts,
}

static WORK_TOTALS: LazyLock<String> = LazyLock::new(|| {
    let latest = |day: &str| {
        format!(
            "SELECT {} FROM artwork_daily_stats s WHERE s.artwork_id = w.id AND s.day {day} ORDER BY s.day DESC LIMIT 1",
            each_metric("{m}_to_date")
        )
    };
    format!(
        "SELECT w.id AS artwork_id, {difference}
         FROM unnest($1::uuid[]) AS w (id)
         LEFT JOIN LATERAL ({through_last}) last ON true
         LEFT JOIN LATERAL ({before_first}) before ON true",
        difference = each_metric("coalesce(last.{m}_to_date, 0) - coalesce(before.{m}_to_date, 0) AS {m}"),
        through_last = latest("<= $3"),
        before_first = latest("< $2"),
    )
});

/// Each work's counts over the period: its running totals through the last
/// day less those before the first, two index lookups per work whatever the
/// period's length.
pub async fn work_totals(
    conn: &mut PgConnection,
    artwork_ids: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<Vec<WorkTotals>> {
    sqlx::query_as(sqlx::AssertSqlSafe(WORK_TOTALS.as_str()))
        .bind(artwork_ids)
        .bind(from)
        .bind(to)
        .fetch_all(conn)
        .await
}

/// One work's revenue in one currency over a period.
#[derive(sqlx::FromRow)]
pub struct WorkRevenue {
    pub artwork_id: Uuid,
    pub currency: String,
    pub amount_minor: i64,
}

/// The revenue of each of the artist's works that sold in the period, per currency.
pub async fn works_revenue(
    conn: &mut PgConnection,
    artist_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<Vec<WorkRevenue>> {
    sqlx::query_as(
        "SELECT artwork_id, currency::text, sum(amount_minor)::bigint AS amount_minor FROM artwork_daily_revenue
         WHERE artist_id = $1 AND day BETWEEN $2 AND $3 GROUP BY artwork_id, currency",
    )
    .bind(artist_id)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await
}
