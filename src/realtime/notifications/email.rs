//! Notifications by mail: those due for at least the configured delay and
//! not read in the app by then go out together, one message per person,
//! with a one-click way to stop them. The local server, the
//! `notification-mail` function on a schedule and Vercel Cron run [`send_due`].

use std::collections::BTreeMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

use super::{Kind, store};
use crate::{
    app::AppContext,
    mail::{self, Letter, Template},
};

/// Notifications one run takes up: a backlog is worked off over a few runs
/// rather than in one long transaction.
const BATCH: i64 = 500;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Run {
    pub mailed: usize,
    pub skipped: usize,
}

fn signature(ctx: &AppContext, user_id: Uuid) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(ctx.config.mail.link_secret.expose().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(b"notification-mail-unsubscribe:");
    mac.update(user_id.as_bytes());
    mac
}

/// The token of a person's unsubscribe link: their id and its signature.
pub fn unsubscribe_token(ctx: &AppContext, user_id: Uuid) -> String {
    let tag = signature(ctx, user_id).finalize().into_bytes();
    format!("{}.{}", user_id.simple(), URL_SAFE_NO_PAD.encode(tag))
}

/// The account an unsubscribe token names, if we signed it.
pub fn unsubscriber(ctx: &AppContext, token: &str) -> Option<Uuid> {
    let (id, tag) = token.split_once('.')?;
    let user_id = Uuid::try_parse(id).ok()?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    // Compared in constant time.
    signature(ctx, user_id).verify_slice(&tag).ok()?;
    Some(user_id)
}

fn text(data: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| data.get(key)?.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned))
}

/// Where a notification leads on the site, as the notifications page links it.
fn link(site: &str, kind: Kind, data: &Value) -> String {
    let id = |key: &str| text(data, &[key]);
    let path = match kind {
        Kind::OrderUpdate => id("order_id").map_or("/orders/".to_owned(), |id| format!("/orders/?id={id}")),
        Kind::Sale => id("order_id").map_or("/studio/sales/".to_owned(), |id| format!("/studio/sales/?id={id}")),
        Kind::Message => id("conversation_id").map_or("/messages/".to_owned(), |id| format!("/messages/?c={id}")),
        Kind::Offer => id("negotiation_id").map_or("/offers/".to_owned(), |id| format!("/offers/?id={id}")),
        Kind::UploadProcessed | Kind::UploadRejected | Kind::DuplicateFlagged => {
            id("artwork_id").map_or("/studio/".to_owned(), |id| format!("/studio/edit/?id={id}"))
        }
        Kind::NewWork | Kind::SavedReserved | Kind::SavedSold | Kind::SavedPriceDrop | Kind::Review => {
            id("artwork_id").map_or("/notifications/".to_owned(), |id| format!("/artworks/{id}"))
        }
    };
    format!("{site}{path}")
}

/// What the mail template tells of one notification.
fn item(site: &str, kind: Kind, data: &Value) -> Value {
    json!({
        "kind": kind.as_str(),
        "title": text(data, &["artwork_title", "title"]),
        "status": text(data, &["status", "to"]),
        "from": text(data, &["from", "sender_name"]),
        "excerpt": text(data, &["excerpt"]),
        "artist": text(data, &["artist_name", "artist"]),
        "reason": text(data, &["reason", "detail"]).map(|r| r.trim_end_matches('.').to_owned()),
        "link": link(site, kind, data),
    })
}

/// Mails what is due: one message per person, for the notifications they
/// have not read in the app. Run twice, the second run finds nothing due.
pub async fn send_due(ctx: &AppContext) -> anyhow::Result<Run> {
    let site = ctx.config.site_url.as_str();
    let mut tx = ctx.db.begin().await?;
    let due = store::lock_due_mail(&mut tx, ctx.config.mail.notification_delay, BATCH).await?;
    let mut people: BTreeMap<Uuid, Vec<store::DueMail>> = BTreeMap::new();
    for notification in due {
        people.entry(notification.user_id).or_default().push(notification);
    }
    let mut run = Run::default();
    let mut posted = Vec::new();
    for (user_id, notifications) in people {
        let recipient = crate::auth::recipient(&mut tx, user_id).await?.filter(|r| r.verified);
        // Read in the app already: telling it again by mail is noise.
        let (unread, read): (Vec<_>, Vec<_>) = notifications.into_iter().partition(|n| !n.shown || n.read_at.is_none());
        let mut skipped: Vec<Uuid> = read.iter().map(|n| n.id).collect();
        let items: Vec<(Uuid, Value)> =
            unread.iter().filter_map(|n| Some((n.id, item(site, Kind::parse(&n.kind)?, &n.data)))).collect();
        match recipient {
            Some(recipient) if !items.is_empty() => {
                let token = unsubscribe_token(ctx, user_id);
                let letter = Letter {
                    user_id: Some(user_id),
                    to: &recipient.email,
                    language: &recipient.language,
                    template: Template::Notifications,
                    vars: json!({
                        "name": recipient.display_name,
                        "items": items.iter().map(|(_, item)| item).collect::<Vec<_>>(),
                        "unsubscribe_link": format!("{site}/unsubscribe/?token={token}"),
                    }),
                    unsubscribe: Some(format!("{site}/api/me/notifications/unsubscribe?token={token}")),
                };
                posted.push(mail::post(ctx, &mut tx, letter).await?);
                let mailed: Vec<Uuid> = items.iter().map(|(id, _)| *id).collect();
                store::set_mail_state(&mut tx, &mailed, "sent").await?;
                run.mailed += mailed.len();
            }
            // No confirmed address to write to, or nothing left unread.
            _ => skipped.extend(unread.iter().map(|n| n.id)),
        }
        store::set_mail_state(&mut tx, &skipped, "skipped").await?;
        run.skipped += skipped.len();
    }
    tx.commit().await?;
    for message in posted {
        message.dispatch(ctx).await;
    }
    Ok(run)
}
