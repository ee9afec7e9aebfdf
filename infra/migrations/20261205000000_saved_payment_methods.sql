-- Cards a buyer saves so that a payment can later be made without them
-- present (an accepted offer is charged when the artist accepts).

-- The buyer's record at the payment provider, made once per buyer and
-- provider: saved cards belong to it.
CREATE TABLE buyer_customers (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider    text NOT NULL CHECK (length(provider) BETWEEN 1 AND 32),
    customer_id text NOT NULL CHECK (length(customer_id) BETWEEN 1 AND 255),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, provider)
);

-- Setups started for a buyer: only these can be completed as their card,
-- so nobody can claim another buyer's setup as their own.
CREATE TABLE payment_setups (
    setup_id   text PRIMARY KEY CHECK (length(setup_id) BETWEEN 1 AND 255),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider   text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX payment_setups_user_idx ON payment_setups (user_id);

-- The card a buyer's payments without them are charged to: one per buyer,
-- replaced when they save another.
CREATE TABLE saved_payment_methods (
    id                uuid PRIMARY KEY,
    user_id           uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    provider          text NOT NULL,
    customer_id       text NOT NULL,
    payment_method_id text NOT NULL CHECK (length(payment_method_id) BETWEEN 1 AND 255),
    -- As the provider tells them, when it does.
    brand             text CHECK (length(brand) <= 32),
    last4             text CHECK (last4 ~ '^[0-9]{4}$'),
    created_at        timestamptz NOT NULL DEFAULT now()
);
