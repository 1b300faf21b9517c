-- formerly: 0004_fake_stripe.sql
-- The fake Stripe behind sandbox mode and the tests (core/sandbox/stripe).
-- It lives in Postgres, not in a process, so the web process that serves it,
-- every worker calling it over HTTP and the test code driving it see one and
-- the same Stripe. Objects are kept as the JSON the API answers with: the fake
-- exists to speak Stripe's shapes, not to model them relationally.

CREATE TABLE fake_stripe_objects (
    id         text PRIMARY KEY,
    -- Stripe's object name: customer, checkout.session, payment_intent, ...
    object     text NOT NULL,
    -- The customer the object belongs to, so "this customer's cards" is a lookup.
    customer   text,
    -- The object exactly as the API shows it.
    data       jsonb NOT NULL,
    -- What the fake remembers that Stripe does not show: a session's line
    -- items, the decline switch of a customer's card.
    hidden     jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- Creation order: Stripe lists newest first.
    seq        bigint GENERATED ALWAYS AS IDENTITY,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX fake_stripe_objects_customer_idx ON fake_stripe_objects (customer, object, seq);

-- Idempotency-Key: a POST with a key seen before answers what the first one
-- answered (Stripe keeps keys 24 hours; the fake keeps them).
CREATE TABLE fake_stripe_idempotency (
    key        text PRIMARY KEY,
    -- "POST /v1/customers": a key belongs to one endpoint ...
    request    text NOT NULL,
    -- ... and one set of parameters.
    params     jsonb NOT NULL,
    status     integer NOT NULL,
    body       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Every event the fake created, in order, with what became of its delivery.
CREATE TABLE fake_stripe_events (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           text NOT NULL UNIQUE,
    type         text NOT NULL,
    event        jsonb NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    delivered_at timestamptz,
    last_status  integer,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX fake_stripe_events_type_idx ON fake_stripe_events (type, seq);

-- One row: switches shared by every process serving the fake.
CREATE TABLE fake_stripe_settings (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- false: events are recorded but not posted ("collect only"); tests then
    -- post them themselves, duplicated or out of order.
    deliver_events boolean NOT NULL DEFAULT true
);

INSERT INTO fake_stripe_settings DEFAULT VALUES;
