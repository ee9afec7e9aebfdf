//! The SQL of real-time delivery: channel offsets, the event history, and the
//! notice sent to listening processes.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

use super::{Channel, HISTORY};

/// The PostgreSQL notification channel the publishers listen on. A notice
/// carries only `channel offset`: the event itself is read from the table.
pub const NOTIFY_CHANNEL: &str = "realtime";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventRow {
    pub channel: String,
    pub seq: i64,
    pub kind: String,
    pub data: Value,
    pub created_at: DateTime<Utc>,
}

/// Writes an event on the caller's transaction and answers its offset. The
/// notice goes out when (and only if) the transaction commits.
pub async fn append(conn: &mut PgConnection, channel: Channel, kind: &str, data: &Value) -> sqlx::Result<i64> {
    let name = channel.to_string();
    let (seq,): (i64,) = sqlx::query_as(
        "INSERT INTO realtime_channels (channel, last_offset) VALUES ($1, 1)
         ON CONFLICT (channel) DO UPDATE SET last_offset = realtime_channels.last_offset + 1
         RETURNING last_offset",
    )
    .bind(&name)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO realtime_events (channel, seq, kind, data) VALUES ($1, $2, $3, $4)")
        .bind(&name)
        .bind(seq)
        .bind(kind)
        .bind(data)
        .execute(&mut *conn)
        .await?;
    // Trimmed now and then rather than on every write: one range delete on the
    // primary key keeps each channel's history between HISTORY and twice that.
    if seq % HISTORY == 0 {
        sqlx::query("DELETE FROM realtime_events WHERE channel = $1 AND seq <= $2")
            .bind(&name)
            .bind(seq - HISTORY)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(NOTIFY_CHANNEL)
        .bind(format!("{name} {seq}"))
        .execute(&mut *conn)
        .await?;
    Ok(seq)
}

/// The last offset given out on a channel (0 where nothing was ever written).
pub async fn last_offset(conn: &mut PgConnection, channel: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT coalesce((SELECT last_offset FROM realtime_channels WHERE channel = $1), 0)")
        .bind(channel)
        .fetch_one(conn)
        .await
}

/// Events of one channel after `after`, oldest first, at most `limit`.
pub async fn events_after(
    conn: &mut PgConnection,
    channel: &str,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as(
        "SELECT channel, seq, kind, data, created_at FROM realtime_events
         WHERE channel = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(channel)
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Each channel's events after its `after` and up to its `upto`, oldest first
/// within a channel, in one round trip.
pub async fn events_in(conn: &mut PgConnection, ranges: &[(String, i64, i64)]) -> sqlx::Result<Vec<EventRow>> {
    let mut channels = Vec::with_capacity(ranges.len());
    let mut afters = Vec::with_capacity(ranges.len());
    let mut uptos = Vec::with_capacity(ranges.len());
    for (channel, after, upto) in ranges {
        channels.push(channel.as_str());
        afters.push(*after);
        uptos.push(*upto);
    }
    sqlx::query_as(
        "SELECT e.channel, e.seq, e.kind, e.data, e.created_at
         FROM unnest($1::text[], $2::int8[], $3::int8[]) AS k(channel, after, upto)
         JOIN realtime_events e ON e.channel = k.channel AND e.seq > k.after AND e.seq <= k.upto
         ORDER BY e.channel, e.seq",
    )
    .bind(channels)
    .bind(afters)
    .bind(uptos)
    .fetch_all(conn)
    .await
}

/// One page of an audience, by user id after `after`.
pub async fn audience_page(
    conn: &mut PgConnection,
    audience: &super::fanout::Audience,
    after: uuid::Uuid,
    limit: i64,
) -> sqlx::Result<Vec<uuid::Uuid>> {
    use super::fanout::Audience;
    let (sql, id) = match audience {
        Audience::Savers { artwork_id } => {
            ("SELECT user_id FROM saves WHERE artwork_id = $1 AND user_id > $2 ORDER BY user_id LIMIT $3", artwork_id)
        }
        Audience::Followers { artist_id } => {
            ("SELECT user_id FROM follows WHERE artist_id = $1 AND user_id > $2 ORDER BY user_id LIMIT $3", artist_id)
        }
    };
    sqlx::query_scalar(sql).bind(id).bind(after).bind(limit).fetch_all(conn).await
}
