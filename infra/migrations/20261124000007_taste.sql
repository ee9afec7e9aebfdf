-- Personalisation: what a collector told us they like (onboarding), and the
-- taste vector learnt from their interactions.

CREATE TABLE user_preferences (
    user_id    uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    categories text[] NOT NULL DEFAULT '{}',
    styles     text[] NOT NULL DEFAULT '{}',
    -- Price range in minor units; NULL means open-ended.
    min_price  bigint CHECK (min_price >= 0),
    max_price  bigint CHECK (max_price >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_preferences_price_order CHECK (min_price IS NULL OR max_price IS NULL OR min_price <= max_price)
);

-- The weighted, time-decayed mean of the vectors of the works a collector
-- interacted with. Marked stale by every new interaction and recomputed on the
-- next read, so recording an interaction stays a single insert.
CREATE TABLE user_taste (
    user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    vector      real[],
    stale       boolean NOT NULL DEFAULT true,
    computed_at timestamptz
);
