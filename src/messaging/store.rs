//! The SQL of conversations. Names come from users' display names and
//! artists' profiles; no query here reads an e-mail address.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

pub async fn can_read(
    conn: &mut PgConnection,
    conversation_id: Uuid,
    user_id: Uuid,
    moderator: bool,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (
             SELECT 1 FROM conversations c
             WHERE c.id = $1 AND ($2 IN (c.collector_id, c.artist_user_id)
                 OR ($3 AND EXISTS (SELECT 1 FROM conversation_reports r
                                    WHERE r.conversation_id = c.id AND r.resolved_at IS NULL))))",
    )
    .bind(conversation_id)
    .bind(user_id)
    .bind(moderator)
    .fetch_one(conn)
    .await
}

/// The account behind a work on public view, if its artist has one.
pub async fn artwork_artist_account(conn: &mut PgConnection, artwork_id: Uuid) -> sqlx::Result<Option<Option<Uuid>>> {
    let sql = format!(
        "SELECT ar.user_id FROM artworks a JOIN artists ar ON ar.id = a.artist_id WHERE a.id = $1 AND {}",
        crate::catalog::artworks::store::publicly_visible_sql()
    );
    let row: Option<(Option<Uuid>,)> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(artwork_id).fetch_optional(conn).await?;
    Ok(row.map(|(user,)| user))
}

/// Whether either has blocked the other.
pub async fn blocked_between(conn: &mut PgConnection, a: Uuid, b: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM user_blocks
                        WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1))",
    )
    .bind(a)
    .bind(b)
    .fetch_one(conn)
    .await
}

/// The collector's conversation about the work, started if need be; answers
/// its id and whether it is new.
pub async fn open_conversation(
    conn: &mut PgConnection,
    artwork_id: Uuid,
    collector_id: Uuid,
    artist_user_id: Uuid,
) -> sqlx::Result<(Uuid, bool)> {
    let created: Option<(Uuid,)> = sqlx::query_as(
        "INSERT INTO conversations (id, artwork_id, collector_id, artist_user_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (artwork_id, collector_id) DO NOTHING RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(artwork_id)
    .bind(collector_id)
    .bind(artist_user_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((id,)) = created {
        return Ok((id, true));
    }
    let (id,): (Uuid,) = sqlx::query_as("SELECT id FROM conversations WHERE artwork_id = $1 AND collector_id = $2")
        .bind(artwork_id)
        .bind(collector_id)
        .fetch_one(conn)
        .await?;
    Ok((id, false))
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ConversationRow {
    pub id: Uuid,
    pub artwork_id: Uuid,
    pub artwork_title: String,
    pub collector_id: Uuid,
    pub collector_name: String,
    pub artist_user_id: Uuid,
    pub artist_name: Option<String>,
    pub artist_slug: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_message_at: DateTime<Utc>,
    /// Messages from the other side after the viewer's read mark.
    pub unread: i64,
    /// The other side's read mark: the viewer's messages up to it are read.
    pub their_last_read_id: Option<Uuid>,
    /// Whether the viewer blocked the other side.
    pub blocked: bool,
    pub last_body: Option<String>,
    pub last_sender_id: Option<Uuid>,
}

/// The conversation columns as `viewer` sees them ($1 is the viewer).
///
/// Both reads of `messages` are ranges of `messages_thread_idx`
/// (conversation_id, id), whatever the statistics say. The newest message is
/// the entry just below (c.id, the greatest id): the row comparison keeps
/// the planner from walking the primary key backwards and filtering on the
/// conversation, which reads the whole table for a conversation whose
/// messages are not the newest, or that has none yet. The unread count is
/// the range after the viewer's read mark.
const VIEW: &str = "
    SELECT c.id, c.artwork_id, a.title AS artwork_title, c.collector_id, cu.display_name AS collector_name,
           c.artist_user_id, ar.name AS artist_name, ar.slug AS artist_slug, c.created_at, c.last_message_at,
           (SELECT count(*) FROM messages m
            WHERE m.conversation_id = c.id
              AND m.id > coalesce(mine.last_read_id, '00000000-0000-0000-0000-000000000000')
              AND m.sender_id <> $1)
               AS unread,
           (SELECT r.last_read_id FROM conversation_reads r
            WHERE r.conversation_id = c.id AND r.user_id <> $1 AND r.user_id IN (c.collector_id, c.artist_user_id))
               AS their_last_read_id,
           EXISTS (SELECT 1 FROM user_blocks b
                   WHERE b.blocker_id = $1
                     AND b.blocked_id = CASE WHEN c.collector_id = $1 THEN c.artist_user_id ELSE c.collector_id END)
               AS blocked,
           last.body AS last_body, last.sender_id AS last_sender_id
    FROM conversations c
    JOIN artworks a ON a.id = c.artwork_id
    JOIN users cu ON cu.id = c.collector_id
    LEFT JOIN artists ar ON ar.user_id = c.artist_user_id
    LEFT JOIN conversation_reads mine ON mine.conversation_id = c.id AND mine.user_id = $1
    LEFT JOIN LATERAL (SELECT m.conversation_id, m.body, m.sender_id FROM messages m
                       WHERE (m.conversation_id, m.id) <= (c.id, 'ffffffff-ffff-ffff-ffff-ffffffffffff')
                       ORDER BY m.conversation_id DESC, m.id DESC LIMIT 1) last ON last.conversation_id = c.id";

pub async fn conversation(conn: &mut PgConnection, viewer: Uuid, id: Uuid) -> sqlx::Result<Option<ConversationRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{VIEW} WHERE c.id = $2")))
        .bind(viewer)
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The viewer's conversations, most recently active first, after the cursor.
pub async fn inbox(
    conn: &mut PgConnection,
    viewer: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> sqlx::Result<Vec<ConversationRow>> {
    let (at, id) = after.map_or((None, None), |(at, id)| (Some(at), Some(id)));
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{VIEW} WHERE $1 IN (c.collector_id, c.artist_user_id)
           AND ($2::timestamptz IS NULL OR (c.last_message_at, c.id) < ($2, $3))
         ORDER BY c.last_message_at DESC, c.id DESC LIMIT $4"
    )))
    .bind(viewer)
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MessageRow {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub sender_id: Uuid,
    pub body: String,
    /// The offer the message tells of, when it is a step in a negotiation.
    pub offer_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_message(
    conn: &mut PgConnection,
    conversation_id: Uuid,
    sender_id: Uuid,
    body: &str,
    offer_id: Option<Uuid>,
) -> sqlx::Result<MessageRow> {
    let row: MessageRow = sqlx::query_as(
        "INSERT INTO messages (id, conversation_id, sender_id, body, offer_id) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, conversation_id, sender_id, body, offer_id, created_at",
    )
    .bind(Uuid::now_v7())
    .bind(conversation_id)
    .bind(sender_id)
    .bind(body)
    .bind(offer_id)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE conversations SET last_message_at = $2 WHERE id = $1")
        .bind(conversation_id)
        .bind(row.created_at)
        .execute(conn)
        .await?;
    Ok(row)
}

/// Messages before `before` (all if none), newest first.
pub async fn messages(
    conn: &mut PgConnection,
    conversation_id: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<MessageRow>> {
    sqlx::query_as(
        "SELECT id, conversation_id, sender_id, body, offer_id, created_at FROM messages
         WHERE conversation_id = $1 AND ($2::uuid IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
    )
    .bind(conversation_id)
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Moves the reader's mark forward to the newest message (never back);
/// answers the mark, or None when there is nothing to read.
pub async fn mark_read(conn: &mut PgConnection, conversation_id: Uuid, user_id: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar(
        "INSERT INTO conversation_reads (conversation_id, user_id, last_read_id)
         SELECT $1, $2, newest.id
         FROM (SELECT m.id FROM messages m WHERE m.conversation_id = $1 ORDER BY m.id DESC LIMIT 1) newest
         ON CONFLICT (conversation_id, user_id) DO UPDATE
             SET last_read_id = GREATEST(conversation_reads.last_read_id, EXCLUDED.last_read_id), read_at = now()
         RETURNING last_read_id",
    )
    .bind(conversation_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

pub async fn block(conn: &mut PgConnection, blocker: Uuid, blocked: Uuid) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(blocker)
        .bind(blocked)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn unblock(conn: &mut PgConnection, blocker: Uuid, blocked: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2")
        .bind(blocker)
        .bind(blocked)
        .execute(conn)
        .await?;
    Ok(())
}

/// Files a report unless the reporter has one open on the conversation;
/// answers the open report's id.
pub async fn report(
    conn: &mut PgConnection,
    conversation_id: Uuid,
    reporter: Uuid,
    reason: &str,
) -> sqlx::Result<Uuid> {
    let created: Option<(Uuid,)> = sqlx::query_as(
        "INSERT INTO conversation_reports (id, conversation_id, reporter_id, reason) VALUES ($1, $2, $3, $4)
         ON CONFLICT (conversation_id, reporter_id) WHERE resolved_at IS NULL DO NOTHING RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(conversation_id)
    .bind(reporter)
    .bind(reason)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((id,)) = created {
        return Ok(id);
    }
    sqlx::query_scalar(
        "SELECT id FROM conversation_reports WHERE conversation_id = $1 AND reporter_id = $2 AND resolved_at IS NULL",
    )
    .bind(conversation_id)
    .bind(reporter)
    .fetch_one(conn)
    .await
}

/// A report as moderators and its reporter see it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
#[schema(as = ReportView)]
pub struct ReportRow {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub reporter_id: Uuid,
    pub reporter_name: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
}

const REPORT: &str = "SELECT r.id, r.conversation_id, r.reporter_id, u.display_name AS reporter_name, r.reason,
                             r.created_at, r.resolved_at, r.resolution
                      FROM conversation_reports r JOIN users u ON u.id = r.reporter_id";

pub async fn report_by_id(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<ReportRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{REPORT} WHERE r.id = $1"))).bind(id).fetch_optional(conn).await
}

/// Open reports, oldest first (the queue moderators work through).
pub async fn open_reports(conn: &mut PgConnection, limit: i64) -> sqlx::Result<Vec<ReportRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{REPORT} WHERE r.resolved_at IS NULL ORDER BY r.created_at, r.id LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Resolves an open report; None when there is no such open report.
pub async fn resolve_report(
    conn: &mut PgConnection,
    id: Uuid,
    moderator: Uuid,
    resolution: &str,
) -> sqlx::Result<Option<ReportRow>> {
    let done = sqlx::query(
        "UPDATE conversation_reports SET resolved_at = now(), resolved_by = $2, resolution = $3
         WHERE id = $1 AND resolved_at IS NULL",
    )
    .bind(id)
    .bind(moderator)
    .bind(resolution)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if done == 0 {
        return Ok(None);
    }
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{REPORT} WHERE r.id = $1"))).bind(id).fetch_optional(conn).await
}
