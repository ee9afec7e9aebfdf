//! Channels: what a client subscribes to, and who may.

use std::{fmt, str::FromStr};

use uuid::Uuid;

/// A stream of events with its own offsets. Written as `kind:uuid`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// One person's notifications and inbox: only they may listen.
    User(Uuid),
    /// The messages of one conversation: its two participants, and moderators
    /// handling a report on it.
    Conversation(Uuid),
    /// A work's availability, price and status: anyone, while it is on view.
    Artwork(Uuid),
}

impl Channel {
    pub fn prefix(self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Conversation(_) => "conversation",
            Self::Artwork(_) => "artwork",
        }
    }

    pub fn id(self) -> Uuid {
        match self {
            Self::User(id) | Self::Conversation(id) | Self::Artwork(id) => id,
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.prefix(), self.id())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("a channel is user:<id>, conversation:<id> or artwork:<id>")]
pub struct BadChannel;

impl FromStr for Channel {
    type Err = BadChannel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Bounded before parsing: a channel name is at most a prefix and a UUID.
        if s.len() > 60 {
            return Err(BadChannel);
        }
        let (prefix, id) = s.split_once(':').ok_or(BadChannel)?;
        // Only the hyphenated form, so one channel has one name.
        if id.len() != 36 {
            return Err(BadChannel);
        }
        let id = Uuid::parse_str(id).map_err(|_| BadChannel)?;
        match prefix {
            "user" => Ok(Self::User(id)),
            "conversation" => Ok(Self::Conversation(id)),
            "artwork" => Ok(Self::Artwork(id)),
            _ => Err(BadChannel),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_nothing_else_parses() {
        let id = Uuid::now_v7();
        for channel in [Channel::User(id), Channel::Conversation(id), Channel::Artwork(id)] {
            assert_eq!(channel.to_string().parse::<Channel>().unwrap(), channel);
        }
        for bad in [
            "",
            "user",
            "user:",
            &format!("room:{id}"),
            &format!("user:{}", id.simple()),
            &format!("USER:{id}"),
            &format!("user:{id}x"),
            &"user:".repeat(40),
        ] {
            assert!(bad.parse::<Channel>().is_err(), "{bad:?} parsed");
        }
    }
}
