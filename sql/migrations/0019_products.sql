-- Products and payments in the control center: the catalog edited by
-- operators and kept in step with Stripe, custom packages sold by deep link,
-- refunds asked from Telegram, and the figures the revenue report reads.

-- Each product's Stripe Product and Price. A Price is immutable at Stripe, so
-- what the stored one charges is kept beside its id: Checkout uses it only
-- while it is what the product costs. ``stripe_version`` grows with every
-- edit Stripe must learn of; the sync records the version it applied.
ALTER TABLE products
    ADD COLUMN stripe_product_id     text,
    ADD COLUMN stripe_price_id       text,
    ADD COLUMN stripe_price_amount   bigint,
    ADD COLUMN stripe_price_currency text,
    ADD COLUMN stripe_price_interval text,
    ADD COLUMN stripe_version        integer NOT NULL DEFAULT 1,
    ADD COLUMN stripe_synced_version integer NOT NULL DEFAULT 0,
    ADD COLUMN stripe_synced_at      timestamptz,
    ADD COLUMN stripe_sync_error     text,
    -- Custom packages (hidden products sold by their own link): for whom, how
    -- many times, until when. NULL: no such limit.
    ADD COLUMN for_telegram_id       bigint,
    ADD COLUMN max_uses              integer CHECK (max_uses > 0),
    ADD COLUMN expires_at            timestamptz,
    ADD COLUMN created_by            bigint,
    -- The code is part of links and buttons (``buy_<code>``, 64 bytes each).
    ADD CONSTRAINT products_code_format CHECK (code ~ '^[a-z][a-z0-9_]{1,31}$'),
    -- An invoice's title holds 32 characters.
    ADD CONSTRAINT products_name_length CHECK (char_length(name) BETWEEN 1 AND 32),
    ADD CONSTRAINT products_badge_known CHECK (badge IS NULL OR badge IN ('popular', 'best_value')),
    ADD CONSTRAINT products_card_price_whole CHECK ((stripe_amount IS NULL) = (stripe_currency IS NULL)),
    ADD CONSTRAINT products_sold_somewhere CHECK (stripe_amount IS NOT NULL OR stars_amount IS NOT NULL);

CREATE UNIQUE INDEX products_stripe_product_idx ON products (stripe_product_id)
    WHERE stripe_product_id IS NOT NULL;

-- When a payment went through (its revenue day), and how long a pending one
-- holds a use of a limited custom package.
ALTER TABLE transactions
    ADD COLUMN paid_at    timestamptz,
    ADD COLUMN hold_until timestamptz;

UPDATE transactions SET paid_at = updated_at
WHERE status IN ('succeeded', 'refunded', 'partially_refunded', 'disputed');

CREATE INDEX transactions_product_idx ON transactions (product_id, status) WHERE product_id IS NOT NULL;
CREATE INDEX transactions_rail_idx ON transactions (rail, created_at DESC);
CREATE INDEX transactions_paid_at_idx ON transactions (paid_at) WHERE paid_at IS NOT NULL;

CREATE FUNCTION transactions_stamp_paid_at() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.paid_at IS NULL
       AND NEW.status IN ('succeeded', 'refunded', 'partially_refunded', 'disputed') THEN
        NEW.paid_at := now();
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER transactions_paid_at
    BEFORE INSERT OR UPDATE OF status ON transactions
    FOR EACH ROW EXECUTE FUNCTION transactions_stamp_paid_at();

-- Refunds an operator asked for from Telegram: the request, then what the
-- provider said. A billing job makes the call; the payment's own figures
-- (transactions.amount_refunded) stay the one record the webhook also feeds.
CREATE TABLE refund_requests (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id     bigint NOT NULL REFERENCES transactions (id),
    amount             bigint NOT NULL CHECK (amount > 0),
    currency           text NOT NULL,
    status             text NOT NULL DEFAULT 'requested'
                           CHECK (status IN ('requested', 'succeeded', 'failed')),
    operator_id        bigint NOT NULL,
    -- Where the operator asked: the outcome is told there.
    chat_id            bigint NOT NULL,
    thread_id          integer,
    provider_refund_id text,
    failure            text,
    -- The payment and the user's pass as they were when asked, so the outcome
    -- says what this refund took back, whichever of the job and the
    -- provider's own report applied it.
    before             jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- The confirmation that asked: pressed twice, one request.
    cause              text NOT NULL UNIQUE,
    created_at         timestamptz NOT NULL DEFAULT now(),
    completed_at       timestamptz
);

CREATE INDEX refund_requests_transaction_idx ON refund_requests (transaction_id, id);
CREATE INDEX refund_requests_open_idx ON refund_requests (created_at) WHERE status = 'requested';

-- Every increase of a payment's refunded amount, whoever caused it (an
-- operator here, the Stripe Dashboard, Telegram), on the day it happened.
CREATE TABLE payment_refunds (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id bigint NOT NULL REFERENCES transactions (id),
    amount         bigint NOT NULL CHECK (amount > 0),
    at             timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX payment_refunds_transaction_idx ON payment_refunds (transaction_id, id);

-- Revenue per UTC day, rail, currency and product (0: none), kept by
-- triggers: reports over months read a few hundred rows, not every payment.
CREATE TABLE revenue_days (
    day        date NOT NULL,
    rail       text NOT NULL,
    currency   text NOT NULL,
    product_id bigint NOT NULL DEFAULT 0,
    payments   integer NOT NULL DEFAULT 0,
    gross      bigint NOT NULL DEFAULT 0,
    refunds    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, rail, currency, product_id)
);

CREATE INDEX revenue_days_product_idx ON revenue_days (product_id, day);

-- Each product's sales of all time per rail and currency (the same triggers).
CREATE TABLE product_sales (
    product_id bigint NOT NULL REFERENCES products (id),
    rail       text NOT NULL,
    currency   text NOT NULL,
    units      integer NOT NULL DEFAULT 0,
    gross      bigint NOT NULL DEFAULT 0,
    refunds    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (product_id, rail, currency)
);

CREATE FUNCTION revenue_follow_transactions() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    paid constant text[] := ARRAY['succeeded', 'refunded', 'partially_refunded', 'disputed'];
    newly_paid boolean;
    refunded bigint;
    cur text := lower(NEW.currency);
BEGIN
    newly_paid := NEW.status = ANY (paid) AND (TG_OP = 'INSERT' OR NOT OLD.status = ANY (paid));
    refunded := NEW.amount_refunded - CASE WHEN TG_OP = 'INSERT' THEN 0 ELSE OLD.amount_refunded END;
    IF newly_paid THEN
        INSERT INTO revenue_days AS r (day, rail, currency, product_id, payments, gross)
        VALUES ((coalesce(NEW.paid_at, now()) AT TIME ZONE 'UTC')::date, NEW.rail, cur,
                coalesce(NEW.product_id, 0), 1, NEW.amount)
        ON CONFLICT (day, rail, currency, product_id)
        DO UPDATE SET payments = r.payments + 1, gross = r.gross + EXCLUDED.gross;
        IF NEW.product_id IS NOT NULL THEN
            INSERT INTO product_sales AS s (product_id, rail, currency, units, gross)
            VALUES (NEW.product_id, NEW.rail, cur, 1, NEW.amount)
            ON CONFLICT (product_id, rail, currency)
            DO UPDATE SET units = s.units + 1, gross = s.gross + EXCLUDED.gross;
        END IF;
    END IF;
    IF refunded > 0 THEN
        INSERT INTO payment_refunds (transaction_id, amount) VALUES (NEW.id, refunded);
        INSERT INTO revenue_days AS r (day, rail, currency, product_id, refunds)
        VALUES ((now() AT TIME ZONE 'UTC')::date, NEW.rail, cur, coalesce(NEW.product_id, 0), refunded)
        ON CONFLICT (day, rail, currency, product_id) DO UPDATE SET refunds = r.refunds + EXCLUDED.refunds;
        IF NEW.product_id IS NOT NULL THEN
            INSERT INTO product_sales AS s (product_id, rail, currency, refunds)
            VALUES (NEW.product_id, NEW.rail, cur, refunded)
            ON CONFLICT (product_id, rail, currency) DO UPDATE SET refunds = s.refunds + EXCLUDED.refunds;
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER transactions_follow_revenue
    AFTER INSERT OR UPDATE OF status, amount_refunded ON transactions
    FOR EACH ROW EXECUTE FUNCTION revenue_follow_transactions();

-- What was paid and refunded before, once (refunds on the day they were last updated).
INSERT INTO revenue_days (day, rail, currency, product_id, payments, gross)
SELECT (paid_at AT TIME ZONE 'UTC')::date, rail, lower(currency), coalesce(product_id, 0), count(*), sum(amount)
FROM transactions WHERE paid_at IS NOT NULL
GROUP BY 1, 2, 3, 4;

INSERT INTO payment_refunds (transaction_id, amount, at)
SELECT id, amount_refunded, updated_at FROM transactions WHERE amount_refunded > 0;

INSERT INTO revenue_days AS r (day, rail, currency, product_id, refunds)
SELECT (updated_at AT TIME ZONE 'UTC')::date, rail, lower(currency), coalesce(product_id, 0),
       sum(amount_refunded)
FROM transactions WHERE amount_refunded > 0
GROUP BY 1, 2, 3, 4
ON CONFLICT (day, rail, currency, product_id) DO UPDATE SET refunds = r.refunds + EXCLUDED.refunds;

INSERT INTO product_sales (product_id, rail, currency, units, gross, refunds)
SELECT product_id, rail, lower(currency), count(*) FILTER (WHERE paid_at IS NOT NULL),
       coalesce(sum(amount) FILTER (WHERE paid_at IS NOT NULL), 0), sum(amount_refunded)
FROM transactions
WHERE product_id IS NOT NULL AND (paid_at IS NOT NULL OR amount_refunded > 0)
GROUP BY 1, 2, 3;

-- Failed payments and open disputes, listed by the Billing screen.
CREATE INDEX transactions_disputed_idx ON transactions (updated_at DESC) WHERE status = 'disputed';
CREATE INDEX stripe_events_transaction_idx ON stripe_events (transaction_id, received_at)
    WHERE transaction_id IS NOT NULL;
