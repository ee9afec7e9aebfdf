-- The sandbox provider's side of saved cards (see
-- 20261205000000_saved_payment_methods.sql for the buyer's side), kept as
-- Stripe keeps Customers, SetupIntents and PaymentMethods.

CREATE TABLE sandbox_customers (
    id         text PRIMARY KEY,
    email      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A saved card remembers its test card's number (test mode refuses any
-- other), because what a later payment does depends on the card.
CREATE TABLE sandbox_payment_methods (
    id          text PRIMARY KEY,
    customer_id text REFERENCES sandbox_customers (id),
    card_number text NOT NULL,
    brand       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sandbox_setups (
    id                text PRIMARY KEY,
    customer_id       text NOT NULL REFERENCES sandbox_customers (id),
    status            text NOT NULL,
    client_secret     text NOT NULL,
    -- The card being saved, kept while its bank's authentication is awaited.
    card_number       text,
    payment_method_id text REFERENCES sandbox_payment_methods (id),
    last_error        jsonb,
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- Which saved card a payment made without its holder was charged to.
ALTER TABLE sandbox_intents ADD COLUMN payment_method_id text REFERENCES sandbox_payment_methods (id);
