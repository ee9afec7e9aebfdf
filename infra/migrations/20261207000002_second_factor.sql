-- A second factor: time-based one-time codes (RFC 6238) with single-use
-- recovery codes, and the short-lived token that carries a sign-in from the
-- password to the code.

-- One authenticator app per account. Unconfirmed until a first code from it
-- is accepted; the last accepted time step keeps a code from working twice.
CREATE TABLE totp_factors (
    user_id        uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret         bytea NOT NULL,
    confirmed_at   timestamptz,
    last_used_step bigint,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- Ten per account, each good once; only a SHA-256 of each is kept (they
-- carry 50 random bits, enough that a fast hash gives nothing away).
CREATE TABLE recovery_codes (
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

ALTER TABLE account_tokens DROP CONSTRAINT account_tokens_purpose_check;
ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_purpose_check
    CHECK (purpose IN ('verify_email', 'reset_password', 'mfa_login'));
