-- Payments: Stripe and Telegram Stars into one credit ledger.
--
-- transactions (from 0002) records every payment attempt and its outcome;
-- these columns add what the rails report about it. The provider's own id of
-- the payment stays in external_id (Checkout session, payment intent of an
-- off-session charge, subscription invoice, Telegram payment charge id).

ALTER TABLE transactions
    ADD COLUMN kind text NOT NULL DEFAULT 'purchase'
        CHECK (kind IN ('purchase', 'subscription', 'renewal', 'auto_recharge')),
    -- What the purchase grants, fixed when it was offered: a price change later
    -- does not change what a paid invoice gives.
    ADD COLUMN pass_days integer CHECK (pass_days > 0),
    ADD COLUMN stripe_payment_intent text,
    ADD COLUMN stripe_charge text,
    ADD COLUMN stripe_subscription text,
    ADD COLUMN stripe_invoice text,
    -- Refunds: the highest cumulative amount the provider reported (events may
    -- come twice or out of order, the cumulative figure only grows), the credits
    -- that amount takes back, and the part of them the balance could not cover.
    ADD COLUMN amount_refunded bigint NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0),
    ADD COLUMN credits_revoked integer NOT NULL DEFAULT 0 CHECK (credits_revoked >= 0),
    ADD COLUMN refund_shortfall integer NOT NULL DEFAULT 0 CHECK (refund_shortfall >= 0),
    ADD COLUMN failure text;

CREATE UNIQUE INDEX transactions_payment_intent_idx ON transactions (stripe_payment_intent)
    WHERE stripe_payment_intent IS NOT NULL;
CREATE INDEX transactions_subscription_idx ON transactions (stripe_subscription)
    WHERE stripe_subscription IS NOT NULL;
-- At most one auto-recharge in flight per user.
CREATE UNIQUE INDEX transactions_one_auto_recharge_idx ON transactions (user_id)
    WHERE kind = 'auto_recharge' AND status = 'pending';
CREATE INDEX transactions_status_idx ON transactions (status, created_at DESC);

-- Time passes change users.pass_expires_at; like the credit ledger, every
-- change is a row with a unique idempotency key, written with the change.
CREATE TABLE pass_grants (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id),
    transaction_id  bigint REFERENCES transactions (id),
    seconds         bigint NOT NULL CHECK (seconds <> 0),
    expires_before  timestamptz,
    expires_after   timestamptz NOT NULL,
    reason          text NOT NULL,
    idempotency_key text NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX pass_grants_user_idx ON pass_grants (user_id, id);
CREATE INDEX pass_grants_transaction_idx ON pass_grants (transaction_id) WHERE transaction_id IS NOT NULL;

CREATE FUNCTION pass_grants_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'pass_grants is append-only';
END;
$$;

CREATE TRIGGER pass_grants_no_update
    BEFORE UPDATE OR DELETE ON pass_grants
    FOR EACH ROW EXECUTE FUNCTION pass_grants_append_only();

-- Stripe subscriptions as their events last described them.
CREATE TABLE subscriptions (
    id                   text PRIMARY KEY,  -- Stripe's sub_...
    user_id              bigint NOT NULL REFERENCES users (id),
    product_id           bigint REFERENCES products (id),
    status               text NOT NULL,
    current_period_end   timestamptz,
    cancel_at_period_end boolean NOT NULL DEFAULT false,
    canceled_at          timestamptz,
    -- The ``created`` time of the newest event applied: an older one arriving
    -- late does not undo it.
    last_event_at        timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX subscriptions_user_idx ON subscriptions (user_id);

-- Every Stripe event the billing worker handled and what came of it; the
-- unmatched ones (unknown user, product or payment) are there for operators.
CREATE TABLE stripe_events (
    id             text PRIMARY KEY,  -- evt_...
    type           text NOT NULL,
    object_id      text,
    payment_intent text,
    outcome        text NOT NULL CHECK (outcome IN ('applied', 'ignored', 'unmatched')),
    user_id        bigint REFERENCES users (id),
    transaction_id bigint REFERENCES transactions (id),
    note           text,
    object         jsonb,
    created_at     timestamptz,  -- when Stripe created the event
    received_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX stripe_events_unmatched_idx ON stripe_events (received_at DESC) WHERE outcome = 'unmatched';
CREATE INDEX stripe_events_payment_intent_idx ON stripe_events (payment_intent)
    WHERE payment_intent IS NOT NULL AND outcome = 'unmatched';
CREATE INDEX stripe_events_user_idx ON stripe_events (user_id, received_at DESC) WHERE user_id IS NOT NULL;

CREATE INDEX users_auto_recharge_idx ON users (id) WHERE auto_recharge_enabled;
CREATE INDEX users_flagged_idx ON users (flagged_at) WHERE flagged_at IS NOT NULL;
CREATE INDEX credit_ledger_transaction_idx ON credit_ledger (transaction_id) WHERE transaction_id IS NOT NULL;

-- The rails the operator offers; both on by default (Stripe only where configured).
INSERT INTO bot_settings (key, value) VALUES
    ('stripe_enabled', 'true'),
    ('stars_enabled', 'true')
ON CONFLICT DO NOTHING;
