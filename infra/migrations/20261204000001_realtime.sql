-- Real-time delivery. Every event a client can receive is written here in the
-- transaction that causes it, numbered per channel: 1, 2, 3 … with no gaps, so
-- a client that knows the last offset it saw on a channel can ask for exactly
-- what it missed. The database is the source of truth; the publishers only
-- tell connected clients that (channel, offset) exists.

-- The last offset given out on each channel. Taking the next one updates (and
-- so locks) the row: writers to one channel queue behind each other until
-- commit, offsets become visible in order, and a rolled-back transaction takes
-- its offset back with it. No index covers last_offset, so the update stays on
-- its page (see the key-value table for why that matters on busy rows).
CREATE TABLE realtime_channels (
    channel     text PRIMARY KEY CHECK (char_length(channel) BETWEEN 3 AND 80),
    last_offset bigint NOT NULL CHECK (last_offset > 0)
) WITH (fillfactor = 70);

-- Each channel's recent events: what a reconnecting client is replayed. Only
-- the newest ones are kept (REALTIME_HISTORY per channel, trimmed as events
-- are written); a client further behind is told to reload over REST.
CREATE TABLE realtime_events (
    channel    text NOT NULL,
    seq        bigint NOT NULL CHECK (seq > 0),
    kind       text NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 60),
    data       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel, seq)
);

-- What a person is told about: one row per notification, in their inbox until
-- read. The id is a UUIDv7, so it orders by time and serves as the page
-- cursor. `subject` names what the notification is about (an order and its
-- new status, a message, a work), so a job delivered twice notifies once.
CREATE TABLE notifications (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 40),
    subject    text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 200),
    data       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at    timestamptz,
    UNIQUE (user_id, subject)
);
CREATE INDEX notifications_page_idx ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;

-- Which kinds a person wants in the app. No row means yes; e-mail joins when
-- the mail port arrives.
CREATE TABLE notification_preferences (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    text NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 40),
    in_app  boolean NOT NULL,
    PRIMARY KEY (user_id, kind)
);
