//! Mail to people: messages are rendered from their templates when they are
//! posted (inside the transaction that makes them true), kept in
//! `mail_messages`, and sent by a job through the mail port with retries.
//! Operators see what bounced or failed; in development a page lists what
//! the embedded mailbox received.

pub mod routes;
mod store;
pub mod templates;

use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

pub use self::{routes::router, templates::Template};
use crate::{
    app::AppContext,
    platform::{
        mail::{OutgoingMail, SendError},
        queue::NewJob,
    },
};

/// The job that sends one message.
pub const SEND: &str = "mail.send";

#[derive(Serialize, Deserialize)]
pub struct SendPayload {
    pub message_id: Uuid,
}

/// Tries a message this many times before it counts as failed.
const MAX_ATTEMPTS: i32 = 5;
/// A message still unsent after this long is given up: the links mail
/// carries (verification, reset) will have expired by then.
const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);

/// One message to one person.
pub struct Letter<'a> {
    /// The account it concerns, if any: operators find mail by it, and
    /// erasure removes it.
    pub user_id: Option<Uuid>,
    pub to: &'a str,
    pub language: &'a str,
    pub template: Template,
    /// The template's own variables; the site's name and address are added.
    pub vars: serde_json::Value,
    /// Where one click stops mail like this (RFC 8058), for mail someone
    /// can choose not to receive.
    pub unsubscribe: Option<String>,
}

/// A message written in a transaction, to be handed to the queue once it commits.
#[must_use = "a posted message is sent only once dispatched after the commit"]
pub struct Posted(Uuid);

impl Posted {
    pub fn id(&self) -> Uuid {
        self.0
    }

    /// Queues the send. A failure here is logged, not returned: the message
    /// is safe in its table, and the sweep queues it again.
    pub async fn dispatch(self, ctx: &AppContext) {
        if let Err(e) = enqueue(ctx, self.0).await {
            tracing::warn!(message_id = %self.0, error = %format!("{e:#}"), "queueing mail failed; the sweep will retry");
        }
    }
}

async fn enqueue(ctx: &AppContext, id: Uuid) -> anyhow::Result<()> {
    let dedup = format!("mail:{id}");
    ctx.queue
        .send(NewJob {
            kind: SEND,
            payload: serde_json::to_value(SendPayload { message_id: id })?,
            dedup_key: Some(&dedup),
            delay: Duration::ZERO,
        })
        .await?;
    Ok(())
}

/// Renders `letter` and keeps it, in the caller's transaction.
pub async fn post(ctx: &AppContext, conn: &mut PgConnection, letter: Letter<'_>) -> anyhow::Result<Posted> {
    let mut vars = letter.vars;
    let object = vars.as_object_mut().context("mail variables are an object")?;
    object.insert("site_name".to_owned(), ctx.config.mail.site_name.clone().into());
    object.insert("site_url".to_owned(), ctx.config.site_url.clone().into());
    let rendered = templates::render(letter.template, letter.language, &vars)?;
    let id = Uuid::now_v7();
    store::insert(
        conn,
        &store::NewMessage {
            id,
            user_id: letter.user_id,
            to: letter.to,
            template: letter.template.name(),
            subject: &rendered.subject,
            text: &rendered.text,
            html: &rendered.html,
            unsubscribe: letter.unsubscribe.as_deref(),
        },
    )
    .await?;
    Ok(Posted(id))
}

/// The `mail.send` job: sends the message once. Delivered twice, the second
/// run finds it sent and does nothing; a message refused for good is marked
/// bounced and not tried again.
pub async fn send(ctx: &AppContext, id: Uuid) -> anyhow::Result<()> {
    let mut tx = ctx.db.begin().await?;
    // The row lock makes a concurrent second delivery of the job wait and
    // then find the message sent.
    let Some(message) = store::lock_queued(&mut tx, id).await? else { return Ok(()) };
    let (Some(text), Some(html)) = (message.text_body, message.html_body) else {
        anyhow::bail!("queued mail {id} has no body");
    };
    let outgoing = OutgoingMail {
        id,
        to: message.to_address,
        subject: message.subject,
        text,
        html,
        unsubscribe: message.unsubscribe_url,
    };
    match ctx.mail.send(&outgoing).await {
        Ok(provider_id) => {
            store::mark_sent(&mut tx, id, provider_id.as_deref()).await?;
            tx.commit().await?;
            Ok(())
        }
        Err(SendError::Rejected(reason)) => {
            tracing::warn!(message_id = %id, reason, "mail bounced");
            store::mark_given_up(&mut tx, id, store::State::Bounced, &reason).await?;
            tx.commit().await?;
            Ok(())
        }
        Err(SendError::Failed(error)) => {
            let reason = format!("{error:#}");
            if message.attempts + 1 >= MAX_ATTEMPTS {
                tracing::warn!(message_id = %id, reason, "mail failed for good");
                store::mark_given_up(&mut tx, id, store::State::Failed, &reason).await?;
                tx.commit().await?;
                return Ok(());
            }
            store::record_attempt(&mut tx, id, &reason).await?;
            tx.commit().await?;
            Err(error.context("sending mail"))
        }
    }
}

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sweep {
    pub requeued: usize,
    pub expired: usize,
}

/// Queues again the messages whose job was lost (posted, but the process
/// stopped before queueing it, or the queue dead-lettered it), and gives up
/// on those too old to be worth sending. Run by the scheduled maintenance.
pub async fn sweep(ctx: &AppContext) -> anyhow::Result<Sweep> {
    let mut conn = ctx.db.acquire().await?;
    let expired = store::expire_queued(&mut conn, GIVE_UP_AFTER).await?;
    let stalled = store::stalled(&mut conn, Duration::from_secs(600), 200).await?;
    drop(conn);
    for id in &stalled {
        enqueue(ctx, *id).await?;
    }
    Ok(Sweep { requeued: stalled.len(), expired: expired as usize })
}
