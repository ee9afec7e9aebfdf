//! Notifications for many people at once (everyone who saved a work, every
//! follower of an artist) go through the job queue, so an artist with 50,000
//! followers does not hold up the request that published a work. The job
//! walks the audience in pages, one transaction a page; a notification's
//! subject makes a redelivered or retried job notify nobody twice.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::notifications::{self, Kind};
use crate::{
    app::AppContext,
    platform::queue::{JobQueue, NewJob},
};

pub const FAN_OUT: &str = "notify.fan_out";

/// People notified per transaction.
const PAGE: i64 = 500;

/// Who hears about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "of", rename_all = "snake_case")]
pub enum Audience {
    /// Everyone who saved the work.
    Savers { artwork_id: Uuid },
    /// Everyone who follows the artist.
    Followers { artist_id: Uuid },
}

/// One notification for a whole audience.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FanOut {
    pub audience: Audience,
    pub kind: Kind,
    /// The same for every recipient: what the notification is about.
    pub subject: String,
    pub data: Value,
    /// Someone not to tell (the person whose act caused it).
    #[serde(default)]
    pub except: Option<Uuid>,
}

pub async fn enqueue(queue: &dyn JobQueue, fan_out: &FanOut) -> anyhow::Result<()> {
    queue
        .send(NewJob { kind: FAN_OUT, payload: serde_json::to_value(fan_out)?, dedup_key: None, delay: Duration::ZERO })
        .await?;
    Ok(())
}

/// The job: notifies the audience page by page.
pub async fn run(ctx: &AppContext, fan_out: &FanOut) -> anyhow::Result<usize> {
    let (mut after, mut notified) = (Uuid::nil(), 0);
    loop {
        let mut tx = ctx.db.begin().await?;
        let page = super::store::audience_page(&mut tx, &fan_out.audience, after, PAGE).await?;
        for &user_id in page.iter().filter(|u| Some(**u) != fan_out.except) {
            if notifications::notify(&mut tx, user_id, fan_out.kind, &fan_out.subject, fan_out.data.clone()).await? {
                notified += 1;
            }
        }
        tx.commit().await?;
        match page.last() {
            Some(&last) if page.len() as i64 == PAGE => after = last,
            _ => return Ok(notified),
        }
    }
}
