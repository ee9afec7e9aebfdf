-- Mail, and the account changes that need it: verified addresses and
-- password recovery.

-- Every message the marketplace sends, rendered when it was posted (in the
-- transaction that made it true) and sent by a job. The bodies are cleared
-- once a message is settled: they carry single-use links.
CREATE TABLE mail_messages (
    id              uuid PRIMARY KEY,
    -- The account it concerns; kept as NULL when the account is erased.
    user_id         uuid REFERENCES users (id) ON DELETE SET NULL,
    to_address      text NOT NULL CHECK (char_length(to_address) BETWEEN 3 AND 254),
    template        text NOT NULL,
    subject         text NOT NULL,
    text_body       text,
    html_body       text,
    state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'bounced', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    -- What the relay or provider said the last time it did not take the message.
    last_error      text,
    provider_id     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    sent_at         timestamptz
);
-- Operators page through one state at a time; the sweep looks for stalled queued mail.
CREATE INDEX mail_messages_state_idx ON mail_messages (state, id DESC);
CREATE INDEX mail_messages_user_idx ON mail_messages (user_id) WHERE user_id IS NOT NULL;

-- The embedded mailbox (MAIL=local): mail "delivered" on this machine, which
-- the development mail page lists. The id is the message's, so a message
-- delivered twice is kept once.
CREATE TABLE mail_outbox (
    id               uuid PRIMARY KEY,
    from_address     text NOT NULL,
    to_address       text NOT NULL,
    subject          text NOT NULL,
    text_body        text NOT NULL,
    html_body        text NOT NULL,
    list_unsubscribe text,
    delivered_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mail_outbox_to_idx ON mail_outbox (lower(to_address), delivered_at DESC);

-- NULL until the owner proves the address is theirs. Accounts from before
-- verification existed start unverified too: nobody has proved theirs.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
-- The language mail is written in.
ALTER TABLE users ADD COLUMN language text NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2}$');

-- Single-use links sent by mail. Only a SHA-256 of each token is kept, so a
-- database leak yields no usable link.
CREATE TABLE account_tokens (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    -- For verification: the address it proves, which becomes the account's
    -- address if it is a change.
    email      text,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CHECK ((purpose = 'verify_email') = (email IS NOT NULL))
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose) WHERE used_at IS NULL;
