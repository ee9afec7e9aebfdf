//! Embedded adapter of the sockets registry: `socket_connections` and
//! `socket_subscriptions`. Expired connections are ignored on read and purged
//! a few at a time as new ones open.

use async_trait::async_trait;
use sqlx::PgPool;
use uuid::Uuid;

use super::{CONNECTION_TTL, SocketConnection, SocketRegistry, SubscriberPage, Subscription};

pub struct PgSocketRegistry {
    db: PgPool,
}

impl PgSocketRegistry {
    pub fn new(db: PgPool) -> Self {
        Self { db }
    }
}

#[async_trait]
impl SocketRegistry for PgSocketRegistry {
    async fn open(&self, id: &str, user_id: Option<Uuid>, session_id: Option<Uuid>) -> anyhow::Result<()> {
        let mut tx = self.db.begin().await?;
        sqlx::query(
            "DELETE FROM socket_connections WHERE id IN
               (SELECT id FROM socket_connections WHERE expires_at < now() LIMIT 100 FOR UPDATE SKIP LOCKED)",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO socket_connections (id, user_id, session_id, expires_at)
             VALUES ($1, $2, $3, now() + make_interval(secs => $4))
             ON CONFLICT (id) DO UPDATE SET user_id = $2, session_id = $3, expires_at = excluded.expires_at",
        )
        .bind(id)
        .bind(user_id)
        .bind(session_id)
        .bind(CONNECTION_TTL.as_secs_f64())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn connection(&self, id: &str) -> anyhow::Result<Option<SocketConnection>> {
        let row: Option<(Option<Uuid>, Option<Uuid>, Vec<String>)> = sqlx::query_as(
            "SELECT c.user_id, c.session_id,
                    coalesce(array_agg(s.channel ORDER BY s.channel) FILTER (WHERE s.channel IS NOT NULL), '{}')
             FROM socket_connections c LEFT JOIN socket_subscriptions s ON s.connection_id = c.id
             WHERE c.id = $1 AND c.expires_at > now()
             GROUP BY c.id",
        )
        .bind(id)
        .fetch_optional(&self.db)
        .await?;
        Ok(row.map(|(user_id, session_id, channels)| SocketConnection {
            id: id.to_owned(),
            user_id,
            session_id,
            channels,
        }))
    }

    async fn close(&self, id: &str) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM socket_connections WHERE id = $1").bind(id).execute(&self.db).await?;
        Ok(())
    }

    async fn subscribe(&self, id: &str, channel: &str, offset: i64) -> anyhow::Result<bool> {
        let done = sqlx::query(
            "INSERT INTO socket_subscriptions (channel, connection_id, sent_offset)
             SELECT $2, id, $3 FROM socket_connections WHERE id = $1 AND expires_at > now()
             ON CONFLICT (channel, connection_id) DO UPDATE SET sent_offset = excluded.sent_offset",
        )
        .bind(id)
        .bind(channel)
        .bind(offset)
        .execute(&self.db)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn unsubscribe(&self, id: &str, channel: &str) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM socket_subscriptions WHERE connection_id = $1 AND channel = $2")
            .bind(id)
            .bind(channel)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    async fn subscribers(&self, channel: &str, after: Option<&str>, limit: u32) -> anyhow::Result<SubscriberPage> {
        let rows: Vec<(String, Option<Uuid>, i64)> = sqlx::query_as(
            "SELECT s.connection_id, c.user_id, s.sent_offset
             FROM socket_subscriptions s JOIN socket_connections c ON c.id = s.connection_id
             WHERE s.channel = $1 AND s.connection_id > $2 AND c.expires_at > now()
             ORDER BY s.connection_id LIMIT $3",
        )
        .bind(channel)
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.db)
        .await?;
        let next = (rows.len() == limit as usize).then(|| rows.last().map(|r| r.0.clone())).flatten();
        let subscriptions = rows
            .into_iter()
            .map(|(connection_id, user_id, offset)| Subscription { connection_id, user_id, offset })
            .collect();
        Ok(SubscriberPage { subscriptions, next })
    }

    async fn advance(&self, id: &str, channel: &str, offset: i64) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE socket_subscriptions SET sent_offset = $3
             WHERE connection_id = $1 AND channel = $2 AND sent_offset < $3",
        )
        .bind(id)
        .bind(channel)
        .bind(offset)
        .execute(&self.db)
        .await?;
        Ok(())
    }
}
