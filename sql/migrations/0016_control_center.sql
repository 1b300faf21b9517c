-- The operator control center: operators and their roles, the audit log,
-- questions waiting for an operator's typed answer, confirmations that work
-- once, alert states, and what the screens search and sort users by.

-- Operators beside the owners named in ADMIN_USER_ID (always owners).
CREATE TABLE operators (
    telegram_id bigint PRIMARY KEY,
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'agent', 'analyst')),
    -- How replies are signed when the signature setting names operators (the desk).
    alias       text CHECK (char_length(alias) <= 32),
    added_by    bigint NOT NULL,
    added_at    timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Every operator action: who, with which role, what, on whom, before and after.
CREATE TABLE admin_audit (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    operator_id    bigint NOT NULL,
    role           text NOT NULL,
    action         text NOT NULL,
    target_user_id bigint REFERENCES users (id),
    target         text,
    before         jsonb,
    after          jsonb,
    -- The update or confirmation that caused it: an action is recorded once per cause.
    cause          text UNIQUE
);

CREATE INDEX admin_audit_target_idx ON admin_audit (target_user_id, id DESC) WHERE target_user_id IS NOT NULL;
CREATE INDEX admin_audit_operator_idx ON admin_audit (operator_id, id DESC);

CREATE FUNCTION admin_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'admin_audit is append-only';
END;
$$;

CREATE TRIGGER admin_audit_no_update
    BEFORE UPDATE OR DELETE ON admin_audit
    FOR EACH ROW EXECUTE FUNCTION admin_audit_append_only();

-- A question a screen asked an operator (an amount, a search term): their next
-- message answers it, until it expires or they send /cancel.
CREATE TABLE admin_pending (
    operator_id bigint PRIMARY KEY,
    kind        text NOT NULL,
    params      jsonb NOT NULL DEFAULT '{}'::jsonb,
    chat_id     bigint NOT NULL,
    thread_id   integer,
    message_id  integer,
    expires_at  timestamptz NOT NULL
);

-- Money and destructive actions wait for a Confirm button, which works once:
-- the button names this row, and only the operator who asked may press it.
CREATE TABLE admin_confirmations (
    token       text PRIMARY KEY,
    operator_id bigint NOT NULL,
    action      text NOT NULL,
    params      jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

CREATE INDEX admin_confirmations_expires_idx ON admin_confirmations (expires_at);

-- Conditions the System screen watches; the General topic hears when one
-- starts and when it clears, never a stream.
CREATE TABLE admin_alerts (
    condition  text PRIMARY KEY,
    active     boolean NOT NULL DEFAULT false,
    since      timestamptz,
    detail     text,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Bans carry their reason; totals of what a user paid, kept by a trigger on
-- transactions, let screens filter on "paid ever" and sort by lifetime spend
-- at a million users without summing payments.
ALTER TABLE users
    ADD COLUMN ban_reason       text,
    ADD COLUMN banned_at        timestamptz,
    ADD COLUMN first_paid_at    timestamptz,
    -- Card payments net of refunds, in minor units of their currencies (sorting only).
    ADD COLUMN spent_card_minor bigint NOT NULL DEFAULT 0,
    ADD COLUMN spent_stars      bigint NOT NULL DEFAULT 0;

CREATE FUNCTION users_spending_follow_transactions() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    paid constant text[] := ARRAY['succeeded', 'refunded', 'partially_refunded', 'disputed'];
    before_net bigint := 0;
    after_net bigint := 0;
    newly_paid boolean;
BEGIN
    IF NEW.user_id IS NULL THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = ANY (paid) THEN
        before_net := OLD.amount - OLD.amount_refunded;
    END IF;
    IF NEW.status = ANY (paid) THEN
        after_net := NEW.amount - NEW.amount_refunded;
    END IF;
    newly_paid := NEW.status = ANY (paid) AND (TG_OP = 'INSERT' OR NOT OLD.status = ANY (paid));
    IF before_net = after_net AND NOT newly_paid THEN
        RETURN NEW;
    END IF;
    UPDATE users
    SET spent_card_minor = spent_card_minor + CASE WHEN NEW.rail = 'stripe' THEN after_net - before_net ELSE 0 END,
        spent_stars = spent_stars + CASE WHEN NEW.rail = 'stars' THEN after_net - before_net ELSE 0 END,
        first_paid_at = CASE WHEN NEW.status = ANY (paid) THEN coalesce(first_paid_at, NEW.updated_at)
                             ELSE first_paid_at END
    WHERE id = NEW.user_id;
    RETURN NEW;
END;
$$;

CREATE TRIGGER transactions_follow_user_spending
    AFTER INSERT OR UPDATE OF status, amount_refunded ON transactions
    FOR EACH ROW EXECUTE FUNCTION users_spending_follow_transactions();

-- Existing payments, once.
UPDATE users u
SET spent_card_minor = s.card, spent_stars = s.stars, first_paid_at = s.first_paid
FROM (
    SELECT user_id,
           coalesce(sum(amount - amount_refunded) FILTER (WHERE rail = 'stripe'), 0) AS card,
           coalesce(sum(amount - amount_refunded) FILTER (WHERE rail = 'stars'), 0) AS stars,
           min(updated_at) AS first_paid
    FROM transactions
    WHERE user_id IS NOT NULL AND status IN ('succeeded', 'refunded', 'partially_refunded', 'disputed')
    GROUP BY user_id
) s
WHERE s.user_id = u.id;

-- Search and filters of the Users screen at a million users. Names are found
-- by word prefix ("mar" finds "Maria Silva"), in any script, case-folded.
CREATE INDEX users_name_search_idx ON users USING gin (
    to_tsvector('simple', coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' '
                          || coalesce(username, '')));
CREATE INDEX users_credits_idx ON users (credits, id);
CREATE INDEX users_pass_idx ON users (pass_expires_at) WHERE pass_expires_at IS NOT NULL;
CREATE INDEX users_first_paid_idx ON users (first_paid_at) WHERE first_paid_at IS NOT NULL;
CREATE INDEX users_blocked_idx ON users (blocked_bot_at) WHERE blocked_bot_at IS NOT NULL;
CREATE INDEX users_spent_idx ON users (spent_card_minor DESC, spent_stars DESC, id);
CREATE INDEX users_language_idx ON users (coalesce(language, language_code));

-- Payment search by the provider's ids.
CREATE INDEX transactions_external_idx ON transactions (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX transactions_charge_idx ON transactions (stripe_charge) WHERE stripe_charge IS NOT NULL;
CREATE INDEX transactions_invoice_idx ON transactions (stripe_invoice) WHERE stripe_invoice IS NOT NULL;
CREATE INDEX transactions_amount_idx ON transactions (amount, created_at DESC);

-- What operators wrote is searched too: messages carry the text either way
-- (the GIN index over to_tsvector('simple', text) exists since 0006).

INSERT INTO bot_settings (key, value) VALUES ('announce_credit_takes', 'true')
ON CONFLICT (key) DO NOTHING;
