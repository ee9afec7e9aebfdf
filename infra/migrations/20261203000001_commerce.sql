-- Commerce: carts, checkouts holding stock until paid, one order per artist and
-- checkout, the order process's transition log and outbox, the payment ledger
-- every payment and payout status is derived from, provider webhooks seen, and
-- artists' payout accounts. Amounts are integer minor units of the row's
-- currency (ISO 4217 exponent: JPY has none, BHD three).

-- How an artist ships. The origin decides whether a delivery is domestic or
-- international; a rate left null is not offered; zero is free delivery.
CREATE TABLE shipping_profiles (
    artist_id           uuid PRIMARY KEY REFERENCES artists (id) ON DELETE CASCADE,
    origin_country      char(2) NOT NULL CHECK (origin_country ~ '^[A-Z]{2}$'),
    currency            char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    domestic_minor      bigint CHECK (domestic_minor BETWEEN 0 AND 100000000),
    international_minor bigint CHECK (international_minor BETWEEN 0 AND 100000000),
    collection          boolean NOT NULL DEFAULT false,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT shipping_profiles_some_option
        CHECK (domestic_minor IS NOT NULL OR international_minor IS NOT NULL OR collection)
);

-- A collector's cart: state, not events. Unique works always have quantity 1
-- (the cart's API refuses more). The price is the one the collector last
-- saw, so a checkout can tell them it changed.
CREATE TABLE cart_lines (
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    artwork_id       uuid NOT NULL REFERENCES artworks (id) ON DELETE CASCADE,
    quantity         integer NOT NULL CHECK (quantity BETWEEN 1 AND 20),
    unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
    currency         char(3) NOT NULL,
    added_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, artwork_id)
);

-- open: stock held, awaiting payment. paid: the payment is authorised and the
-- orders carry on by themselves. expired: the hold ran out unpaid.
-- settled: every order has been decided and the authorisation captured
-- (for the accepted ones) or voided (when none was).
CREATE TYPE checkout_status AS ENUM ('open', 'paid', 'expired', 'settled');

-- One checkout is one payment, for the orders of every artist in it.
CREATE TABLE checkouts (
    id                uuid PRIMARY KEY,
    buyer_id          uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    status            checkout_status NOT NULL DEFAULT 'open',
    currency          char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    total_minor       bigint NOT NULL CHECK (total_minor > 0),
    -- Which payments adapter took it (sandbox or stripe), and its id there.
    provider          text NOT NULL,
    payment_intent_id text NOT NULL UNIQUE,
    -- What the buyer's browser needs to pay; the provider's, not a credential of ours.
    client_secret     text NOT NULL,
    shipping_address  jsonb NOT NULL,
    -- How many times the capture or void call was attempted: part of its idempotency key.
    settle_attempts   integer NOT NULL DEFAULT 0,
    expires_at        timestamptz NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX checkouts_buyer_idx ON checkouts (buyer_id, created_at DESC);
CREATE INDEX checkouts_open_expiry_idx ON checkouts (expires_at) WHERE status = 'open';

-- held: taken from the catalog for an unpaid checkout. sold: the checkout was
-- paid. released: given back to the catalog, exactly once.
CREATE TYPE stock_hold_status AS ENUM ('held', 'sold', 'released');

CREATE TABLE stock_holds (
    checkout_id uuid NOT NULL REFERENCES checkouts (id) ON DELETE CASCADE,
    artwork_id  uuid NOT NULL REFERENCES artworks (id) ON DELETE RESTRICT,
    quantity    integer NOT NULL CHECK (quantity > 0),
    status      stock_hold_status NOT NULL DEFAULT 'held',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (checkout_id, artwork_id)
);

CREATE TYPE order_status AS ENUM (
    'pending_payment', 'paid', 'accepted', 'shipped', 'received', 'completed',
    'payment_expired', 'declined', 'lapsed', 'cancelled', 'disputed', 'refunded'
);

CREATE TYPE shipping_method AS ENUM ('delivery', 'collection');

CREATE TABLE orders (
    id               uuid PRIMARY KEY,
    checkout_id      uuid NOT NULL REFERENCES checkouts (id) ON DELETE RESTRICT,
    buyer_id         uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    artist_id        uuid NOT NULL REFERENCES artists (id) ON DELETE RESTRICT,
    status           order_status NOT NULL DEFAULT 'pending_payment',
    currency         char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    subtotal_minor   bigint NOT NULL CHECK (subtotal_minor >= 0),
    shipping_minor   bigint NOT NULL CHECK (shipping_minor >= 0),
    total_minor      bigint NOT NULL,
    commission_minor bigint NOT NULL CHECK (commission_minor >= 0),
    fees_minor       bigint NOT NULL CHECK (fees_minor >= 0),
    net_minor        bigint NOT NULL CHECK (net_minor >= 0),
    shipping_method  shipping_method NOT NULL,
    carrier          text CHECK (char_length(carrier) <= 80),
    tracking_number  text CHECK (char_length(tracking_number) <= 80),
    -- Deadlines the timers act on, set by the transition that starts each one.
    accept_by        timestamptz,
    ship_by          timestamptz,
    receive_by       timestamptz,
    release_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- What the buyer pays is the works and their shipping, and all of it goes
    -- to the platform's commission, the payment fees and the artist.
    CONSTRAINT orders_total_adds_up CHECK (total_minor = subtotal_minor + shipping_minor),
    CONSTRAINT orders_split_adds_up CHECK (total_minor = commission_minor + fees_minor + net_minor)
);
CREATE INDEX orders_checkout_idx ON orders (checkout_id);
CREATE INDEX orders_buyer_idx ON orders (buyer_id, id DESC);
CREATE INDEX orders_artist_idx ON orders (artist_id, id DESC);
CREATE INDEX orders_status_idx ON orders (status);

CREATE TABLE order_lines (
    order_id         uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    artwork_id       uuid NOT NULL REFERENCES artworks (id) ON DELETE RESTRICT,
    -- As bought: later edits of the artwork do not rewrite a receipt.
    title            text NOT NULL,
    edition_kind     edition_kind NOT NULL,
    quantity         integer NOT NULL CHECK (quantity > 0),
    unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
    PRIMARY KEY (order_id, artwork_id)
);

CREATE TYPE order_actor AS ENUM ('buyer', 'artist', 'operator', 'system');

-- Every change of an order's status, in order: the timeline buyers and artists see.
CREATE TABLE order_transitions (
    id          bigserial PRIMARY KEY,
    order_id    uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    from_status order_status NOT NULL,
    to_status   order_status NOT NULL,
    actor       order_actor NOT NULL,
    actor_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    reason      text NOT NULL DEFAULT '' CHECK (char_length(reason) <= 500),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_transitions_order_idx ON order_transitions (order_id, id);

-- Domain events written in the transaction of the change they announce, for
-- notifications and real-time delivery to consume at least once.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    topic        text NOT NULL,
    aggregate_id uuid NOT NULL,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;

CREATE TYPE ledger_kind AS ENUM (
    'authorisation', 'void', 'capture', 'refund', 'transfer', 'transfer_reversal'
);

-- Append-only: what the payment provider did, with its ids. Payment and payout
-- statuses are sums over it, never stored. The unique key makes a provider
-- fact recorded twice (a webhook and the client's confirm, a retried timer)
-- one row.
CREATE TABLE ledger_entries (
    id           uuid PRIMARY KEY,
    checkout_id  uuid NOT NULL REFERENCES checkouts (id) ON DELETE RESTRICT,
    order_id     uuid REFERENCES orders (id) ON DELETE RESTRICT,
    kind         ledger_kind NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency     char(3) NOT NULL,
    provider_ref text NOT NULL,
    reason       text NOT NULL DEFAULT '' CHECK (char_length(reason) <= 500),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ledger_entries_once UNIQUE NULLS NOT DISTINCT (kind, provider_ref, order_id)
);
CREATE INDEX ledger_entries_checkout_idx ON ledger_entries (checkout_id);
CREATE INDEX ledger_entries_order_idx ON ledger_entries (order_id);

-- Provider events already applied: inserted in the transaction of their effect.
CREATE TABLE webhook_events (
    provider    text NOT NULL,
    event_id    text NOT NULL,
    type        text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_id)
);

-- Where an artist is paid: a connected account at the provider.
CREATE TABLE payout_accounts (
    artist_id       uuid PRIMARY KEY REFERENCES artists (id) ON DELETE RESTRICT,
    provider        text NOT NULL,
    account_id      text NOT NULL UNIQUE,
    payouts_enabled boolean NOT NULL DEFAULT false,
    -- What the provider still needs before it pays out, to show the artist.
    requirements    text[] NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The embedded payments provider's own state, as a real provider keeps it on
-- its side: payment intents, refunds, connected accounts, transfers, and the
-- answers it gave per idempotency key.
CREATE TABLE sandbox_intents (
    id                 text PRIMARY KEY,
    amount             bigint NOT NULL CHECK (amount > 0),
    currency           char(3) NOT NULL,
    status             text NOT NULL,
    amount_capturable  bigint NOT NULL DEFAULT 0,
    amount_received    bigint NOT NULL DEFAULT 0,
    amount_refunded    bigint NOT NULL DEFAULT 0,
    transfer_group     text NOT NULL,
    client_secret      text NOT NULL,
    last_error         jsonb,
    created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sandbox_accounts (
    id              text PRIMARY KEY,
    email           text NOT NULL,
    payouts_enabled boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sandbox_transfers (
    id             text PRIMARY KEY,
    amount         bigint NOT NULL CHECK (amount > 0),
    currency       char(3) NOT NULL,
    destination    text NOT NULL REFERENCES sandbox_accounts (id),
    transfer_group text NOT NULL,
    reversed       bigint NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sandbox_refunds (
    id         text PRIMARY KEY,
    intent_id  text NOT NULL REFERENCES sandbox_intents (id),
    amount     bigint NOT NULL CHECK (amount > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Events waiting to be delivered to the webhook route, as Stripe queues them.
CREATE TABLE sandbox_events (
    id           text PRIMARY KEY,
    body         jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz
);
CREATE INDEX sandbox_events_pending_idx ON sandbox_events (created_at) WHERE delivered_at IS NULL;

CREATE TABLE sandbox_idempotency (
    key        text PRIMARY KEY,
    answer     jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
