-- Conversations between a collector and an artist about one work. Neither
-- side's e-mail is ever part of them: participants appear by display name.

-- One conversation per collector and work; asking again continues it. The
-- artist's account is copied in so access checks need no join through
-- artists (whose account may later be unlinked: the conversation stays).
CREATE TABLE conversations (
    id              uuid PRIMARY KEY,
    artwork_id      uuid NOT NULL REFERENCES artworks (id) ON DELETE CASCADE,
    collector_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    artist_user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_message_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (artwork_id, collector_id),
    CHECK (collector_id <> artist_user_id)
);
CREATE INDEX conversations_collector_idx ON conversations (collector_id, last_message_at DESC);
CREATE INDEX conversations_artist_idx ON conversations (artist_user_id, last_message_at DESC);

-- Messages are plain text, normalised before they are stored. The id is a
-- UUIDv7: it orders the thread and is the page cursor.
CREATE TABLE messages (
    id              uuid PRIMARY KEY,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sender_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body            text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 4000),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_thread_idx ON messages (conversation_id, id);

-- How far each participant has read: the read receipt the other side sees,
-- and the base of their unread count.
CREATE TABLE conversation_reads (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_read_id    uuid NOT NULL,
    read_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, user_id)
);

-- A person who blocked another hears nothing more from them: no new
-- conversations, no messages.
CREATE TABLE user_blocks (
    blocker_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);

-- A participant's report of a conversation. While a report is open, the
-- moderators handling reports may read the conversation.
CREATE TABLE conversation_reports (
    id              uuid PRIMARY KEY,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    reporter_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason          text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 1000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    resolved_at     timestamptz,
    resolved_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    resolution      text CHECK (char_length(resolution) <= 1000)
);
CREATE INDEX conversation_reports_open_idx ON conversation_reports (created_at) WHERE resolved_at IS NULL;
-- One open report per reporter and conversation: reporting again adds nothing.
CREATE UNIQUE INDEX conversation_reports_one_open_idx
    ON conversation_reports (conversation_id, reporter_id) WHERE resolved_at IS NULL;
