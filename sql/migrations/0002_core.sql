-- Core tables. The seed's names stay (users.telegram_id, users.username,
-- users.credits, users.tier, products, transactions, conversations,
-- bot_settings, tiers); money is integers, the ledger is append-only.

CREATE TABLE tiers (
    name        text PRIMARY KEY,
    -- Higher goes first when the admin group's send budget is short.
    priority    integer NOT NULL DEFAULT 0,
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO tiers (name, priority, description) VALUES
    ('free', 0, 'Has not paid yet'),
    ('paying', 10, 'Has bought credits or a pass'),
    ('vip', 20, 'Marked by an operator');

CREATE TABLE products (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            text NOT NULL UNIQUE,
    name            text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('credits', 'pass', 'custom')),
    credits         integer NOT NULL DEFAULT 0 CHECK (credits >= 0),
    pass_days       integer CHECK (pass_days > 0),
    recurring       boolean NOT NULL DEFAULT false,
    stripe_amount   bigint CHECK (stripe_amount > 0),
    stripe_currency text CHECK (stripe_currency ~ '^[a-z]{3}$'),
    stars_amount    integer CHECK (stars_amount > 0),
    active          boolean NOT NULL DEFAULT true,
    hidden          boolean NOT NULL DEFAULT false,
    badge           text,
    sort            integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'pass') = (pass_days IS NOT NULL))
);

INSERT INTO products (code, name, kind, credits, pass_days, recurring, stripe_amount, stripe_currency, stars_amount, badge, sort) VALUES
    ('pack10', '10 credits', 'credits', 10, NULL, false, 499, 'usd', 250, NULL, 10),
    ('pack25', '25 credits', 'credits', 25, NULL, false, 999, 'usd', 500, 'popular', 20),
    ('pack50', '50 credits', 'credits', 50, NULL, false, 1799, 'usd', 900, NULL, 30),
    ('pack100', '100 credits', 'credits', 100, NULL, false, 2999, 'usd', 1500, 'best_value', 40),
    ('pass_day', 'Day pass', 'pass', 0, 1, false, 299, 'usd', 150, NULL, 50),
    ('pass_week', 'Week pass', 'pass', 0, 7, false, 1499, 'usd', 750, NULL, 60),
    ('pass_month', 'Month pass', 'pass', 0, 30, true, 3999, 'usd', 2000, NULL, 70);

CREATE TABLE users (
    id                         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    telegram_id                bigint NOT NULL UNIQUE,
    username                   text,
    first_name                 text NOT NULL DEFAULT '',
    last_name                  text,
    language_code              text,
    credits                    bigint NOT NULL DEFAULT 0 CHECK (credits >= 0),
    tier                       text NOT NULL DEFAULT 'free' REFERENCES tiers (name),
    pass_expires_at            timestamptz,
    is_banned                  boolean NOT NULL DEFAULT false,
    ban_notified_at            timestamptz,
    blocked_bot_at             timestamptz,
    flagged_at                 timestamptz,
    tutorial_step              integer NOT NULL DEFAULT 0,
    tutorial_completed         boolean NOT NULL DEFAULT false,
    auto_recharge_enabled      boolean NOT NULL DEFAULT false,
    auto_recharge_threshold    integer CHECK (auto_recharge_threshold >= 0),
    auto_recharge_product_id   bigint REFERENCES products (id),
    last_low_credit_warning_at timestamptz,
    stripe_customer_id         text UNIQUE,
    admin_group_id             bigint,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    last_seen_at               timestamptz
);

CREATE INDEX users_username_idx ON users (lower(username)) WHERE username IS NOT NULL;
CREATE INDEX users_created_at_idx ON users (created_at);
CREATE INDEX users_last_seen_at_idx ON users (last_seen_at);
CREATE INDEX users_tier_idx ON users (tier) WHERE tier <> 'free';
CREATE INDEX users_banned_idx ON users (id) WHERE is_banned;

-- Every payment attempt and its outcome, with the provider's ids.
CREATE TABLE transactions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint REFERENCES users (id),
    product_id      bigint REFERENCES products (id),
    rail            text NOT NULL CHECK (rail IN ('stripe', 'stars', 'manual')),
    status          text NOT NULL CHECK (status IN (
                        'pending', 'succeeded', 'failed', 'refunded',
                        'partially_refunded', 'disputed', 'canceled')),
    amount          bigint NOT NULL CHECK (amount >= 0),
    currency        text NOT NULL,
    credits         integer NOT NULL DEFAULT 0,
    external_id     text,
    idempotency_key text NOT NULL UNIQUE,
    details         jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (rail, external_id)
);

CREATE INDEX transactions_user_idx ON transactions (user_id, created_at DESC);
CREATE INDEX transactions_created_at_idx ON transactions (created_at);

-- The credit ledger: append-only, one row per change of users.credits,
-- written in the same transaction as the cached balance.
CREATE TABLE credit_ledger (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id),
    delta           bigint NOT NULL CHECK (delta <> 0),
    balance_after   bigint NOT NULL CHECK (balance_after >= 0),
    reason          text NOT NULL,
    idempotency_key text NOT NULL UNIQUE,
    transaction_id  bigint REFERENCES transactions (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX credit_ledger_user_idx ON credit_ledger (user_id, id);
CREATE INDEX credit_ledger_created_at_idx ON credit_ledger (created_at);

CREATE FUNCTION credit_ledger_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'credit_ledger is append-only';
END;
$$;

CREATE TRIGGER credit_ledger_no_update
    BEFORE UPDATE OR DELETE ON credit_ledger
    FOR EACH ROW EXECUTE FUNCTION credit_ledger_append_only();

CREATE TABLE conversations (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id                  bigint NOT NULL REFERENCES users (id),
    admin_chat_id            bigint NOT NULL,
    topic_id                 integer,
    status                   text NOT NULL DEFAULT 'open' CHECK (status IN (
                                 'open', 'waiting_operator', 'waiting_user', 'closed')),
    unread_count             integer NOT NULL DEFAULT 0,
    last_user_message_at     timestamptz,
    last_operator_message_at timestamptz,
    first_response_at        timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    closed_at                timestamptz,
    UNIQUE (admin_chat_id, topic_id)
);

CREATE INDEX conversations_user_idx ON conversations (user_id);
CREATE INDEX conversations_status_idx ON conversations (status, last_user_message_at DESC);

CREATE TABLE bot_settings (
    key        text PRIMARY KEY,
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint
);

INSERT INTO bot_settings (key, value) VALUES
    ('message_cost', '1'),
    ('signup_credits', '3'),
    ('note_prefix', '"//"');

-- One row per update or event whose effects were applied: a redelivery finds
-- its row and changes nothing. Written in the same transaction as the effects.
CREATE TABLE processed_updates (
    source       text NOT NULL CHECK (source IN ('telegram', 'stripe', 'internal')),
    key          text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, key)
);

CREATE INDEX processed_updates_processed_at_idx ON processed_updates (processed_at);

-- Everything the bot sends: written with the effect that caused it, then
-- delivered. A delivered row keeps Telegram's answer so a retry never sends twice.
CREATE TABLE outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chat_id     bigint NOT NULL,
    method      text NOT NULL,
    params      jsonb NOT NULL,
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts    integer NOT NULL DEFAULT 0,
    not_before  timestamptz NOT NULL DEFAULT now(),
    claimed_at  timestamptz,
    result      jsonb,
    last_error  text,
    cause       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);

CREATE INDEX outbox_due_idx ON outbox (not_before, id) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_chat_idx ON outbox (chat_id, id) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_failed_idx ON outbox (created_at) WHERE status = 'failed';
