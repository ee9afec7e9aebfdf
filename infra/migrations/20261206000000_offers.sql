-- Offers: a collector proposes a price for a work its artist has opened to
-- offers, the artist answers, and either side may counter until one accepts
-- (and the agreed price is charged at once to the collector's saved card),
-- declines, withdraws, or lets the latest offer expire.

-- Which works take offers, and the private floor below which an offer is
-- declined without reaching the artist. The floor is in the work's currency;
-- the artist alone ever sees it.
CREATE TABLE offer_terms (
    artwork_id  uuid PRIMARY KEY REFERENCES artworks (id) ON DELETE CASCADE,
    floor_minor bigint CHECK (floor_minor > 0),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One negotiation between a collector and an artist over one work (or one
-- copy of an edition): the offers and counter-offers, and where they led.
-- The currency is the work's when the first offer was made; the delivery
-- address is the collector's, given with their first offer.
CREATE TABLE negotiations (
    id               uuid PRIMARY KEY,
    artwork_id       uuid NOT NULL REFERENCES artworks (id) ON DELETE CASCADE,
    artist_id        uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    buyer_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    currency         char(3) NOT NULL,
    shipping_address jsonb NOT NULL,
    -- Collected in person rather than delivered.
    collect          boolean NOT NULL DEFAULT false,
    status           text NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'accepted', 'declined', 'expired', 'withdrawn')),
    -- The checkout (and so the order) an accepted offer became.
    checkout_id      uuid REFERENCES checkouts (id) ON DELETE SET NULL,
    -- False when the first offer was below the floor: the artist never hears
    -- of the negotiation.
    reached_artist   boolean NOT NULL DEFAULT true,
    -- Charges tried on acceptance and refused: each retry after the buyer
    -- changed their card is a new payment, not a replay of the refusal.
    failed_charges   integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
-- A collector negotiates over a work once at a time.
CREATE UNIQUE INDEX negotiations_one_open_idx ON negotiations (artwork_id, buyer_id) WHERE status = 'open';
CREATE INDEX negotiations_buyer_idx ON negotiations (buyer_id, updated_at DESC);
CREATE INDEX negotiations_artist_idx ON negotiations (artist_id, updated_at DESC);
CREATE INDEX negotiations_artwork_open_idx ON negotiations (artwork_id) WHERE status = 'open';

-- Each offer in a negotiation, oldest first by its UUIDv7 id. Only the
-- latest can be pending, and only the party it awaits may act on it: the
-- party who did not make it.
CREATE TABLE offers (
    id             uuid PRIMARY KEY,
    negotiation_id uuid NOT NULL REFERENCES negotiations (id) ON DELETE CASCADE,
    -- Who made it: the collector ('buyer') or the artist.
    party          text NOT NULL CHECK (party IN ('buyer', 'artist')),
    author_id      uuid REFERENCES users (id) ON DELETE SET NULL,
    amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
    note           text CHECK (char_length(note) BETWEEN 1 AND 1000),
    status         text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'countered', 'superseded', 'accepted', 'declined', 'expired', 'withdrawn')),
    expires_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    decided_at     timestamptz,
    -- Why it ended where a reason is given (a decline's message, "sold").
    reason         text CHECK (char_length(reason) <= 1000)
);
CREATE UNIQUE INDEX offers_one_pending_idx ON offers (negotiation_id) WHERE status = 'pending';
CREATE INDEX offers_thread_idx ON offers (negotiation_id, id);
CREATE INDEX offers_due_idx ON offers (expires_at) WHERE status = 'pending';

-- Each offer is also a line in the work's conversation between the two, so
-- the thread tells the whole story; the link lets the thread show it as an
-- offer rather than as plain text.
ALTER TABLE messages ADD COLUMN offer_id uuid REFERENCES offers (id) ON DELETE SET NULL;
