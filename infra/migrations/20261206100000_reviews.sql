-- Reviews: once an order completes, its buyer reviews the artist and the
-- artist reviews the buyer, each once, within a window after completion.
-- Reviews are double-blind: neither side reads the other's until both have
-- written or the window has closed. Publication is a time on the review,
-- compared with the clock when it is read, so no timer has to publish it.

CREATE TYPE review_party AS ENUM ('buyer', 'artist');

CREATE TABLE reviews (
    id            uuid PRIMARY KEY,
    order_id      uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    -- Who wrote it: the buyer (of the artist) or the artist (of the buyer).
    author_party  review_party NOT NULL,
    -- The account that wrote it, kept for moderation even if the artist's
    -- profile later changes hands.
    author_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    -- The order's parties, copied from the order (which never changes them)
    -- so an artist's or a collector's reviews are read from this table alone.
    artist_id     uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    buyer_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating        smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    -- Plain text of at most 2,000 characters as written; normalising it (NFC)
    -- lengthens a few scripts' text up to three times, which the bound allows.
    body          text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 6000),
    created_at    timestamptz NOT NULL,
    -- From then on the other party and the public may read it: when the
    -- window closes, brought forward to when the other party wrote theirs.
    published_at  timestamptz NOT NULL,
    -- A moderator's decision to take it out of view, and why.
    hidden_at     timestamptz,
    hidden_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    hidden_reason text CHECK (char_length(hidden_reason) BETWEEN 1 AND 1000),
    CONSTRAINT reviews_one_per_party UNIQUE (order_id, author_party),
    CONSTRAINT reviews_hidden_with_reason CHECK ((hidden_at IS NULL) = (hidden_reason IS NULL))
);
-- An artist's profile lists the buyers' reviews of them, newest published
-- first; a collector's, the artists' reviews of them.
CREATE INDEX reviews_of_artist_idx ON reviews (artist_id, published_at DESC, id DESC)
    WHERE author_party = 'buyer' AND hidden_at IS NULL;
CREATE INDEX reviews_of_buyer_idx ON reviews (buyer_id, published_at DESC, id DESC)
    WHERE author_party = 'artist' AND hidden_at IS NULL;

-- Someone's report of a review to the moderators. A moderator closes it by
-- hiding the review or by keeping it.
CREATE TABLE review_reports (
    id          uuid PRIMARY KEY,
    review_id   uuid NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    reporter_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 1000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    resolved_by uuid REFERENCES users (id) ON DELETE SET NULL,
    outcome     text CHECK (outcome IN ('hidden', 'kept')),
    resolution  text CHECK (char_length(resolution) BETWEEN 1 AND 1000),
    CONSTRAINT review_reports_resolved_with_outcome
        CHECK ((resolved_at IS NULL) = (outcome IS NULL) AND (resolved_at IS NULL) = (resolution IS NULL))
);
CREATE INDEX review_reports_open_idx ON review_reports (created_at, id) WHERE resolved_at IS NULL;
CREATE INDEX review_reports_review_idx ON review_reports (review_id);
-- One open report per reporter and review: reporting again adds nothing.
CREATE UNIQUE INDEX review_reports_one_open_idx ON review_reports (review_id, reporter_id) WHERE resolved_at IS NULL;
