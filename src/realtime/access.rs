//! The rules every transport applies when a client subscribes: who may listen
//! to a channel, and where its delivery starts given the last offset the
//! client saw.

use super::{Channel, HISTORY};
use crate::{app::AppContext, auth::Principal, platform::http::error::ApiError};

/// Refused when `who` may not listen, with the same answer whether or not the
/// channel exists.
pub async fn authorise(ctx: &AppContext, who: Option<&Principal>, channel: Channel) -> Result<(), ApiError> {
    let refused = || ApiError::Forbidden(format!("you may not listen to {channel}"));
    match channel {
        Channel::User(id) => match who {
            Some(who) if who.user_id == id => Ok(()),
            Some(_) => Err(refused()),
            None => Err(ApiError::Unauthorized("sign in to listen to a user channel".to_owned())),
        },
        Channel::Conversation(id) => {
            let Some(who) = who else {
                return Err(ApiError::Unauthorized("sign in to listen to a conversation".to_owned()));
            };
            let mut conn = ctx.db.acquire().await?;
            if crate::messaging::can_read(&mut conn, id, who).await? { Ok(()) } else { Err(refused()) }
        }
        Channel::Artwork(id) => {
            let mut conn = ctx.db.acquire().await?;
            if crate::catalog::artworks::store::is_publicly_visible(&mut conn, id).await? {
                Ok(())
            } else {
                Err(refused())
            }
        }
    }
}

/// Where a new subscription starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// Live from `current`, the channel's latest offset: the client has no
    /// position to resume from.
    Live,
    /// Replay what came after the client's offset, then live.
    After(i64),
    /// The client is further behind than the history reaches (or claims an
    /// offset not yet given out): it reloads over REST and continues from
    /// `current`.
    Reload,
}

pub fn start(since: Option<i64>, current: i64) -> Start {
    match since {
        None => Start::Live,
        Some(since) if since > current || current - since > HISTORY => Start::Reload,
        Some(since) => Start::After(since),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_resumes_within_the_history_and_reloads_beyond_it() {
        assert_eq!(start(None, 40), Start::Live);
        assert_eq!(start(Some(40), 40), Start::After(40));
        assert_eq!(start(Some(0), HISTORY), Start::After(0));
        assert_eq!(start(Some(0), HISTORY + 1), Start::Reload);
        assert_eq!(start(Some(41), 40), Start::Reload);
    }
}
