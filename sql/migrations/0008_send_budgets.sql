-- Telegram's sending limits, enforced across every process that shares the bot.
-- One token bucket per key ('global', 'global_paid', 'chat:<id>', 'group:<id>').

CREATE TABLE send_budgets (
    key           text PRIMARY KEY,
    rate          double precision NOT NULL CHECK (rate > 0),  -- tokens per second
    burst         double precision NOT NULL CHECK (burst >= 1),
    tokens        double precision NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- Set by a flood wait: nothing is sent on this key before then.
    blocked_until timestamptz
);

CREATE INDEX send_budgets_updated_at_idx ON send_budgets (updated_at);

-- Take one slot on every key, or none: returns 0 when taken, otherwise the
-- seconds until all keys could give one. Rows are locked in key order so two
-- callers never deadlock; the statement is short, nothing is held across the send.
CREATE FUNCTION take_send_slot(p_keys text[], p_rates double precision[], p_bursts double precision[])
    RETURNS double precision
    LANGUAGE plpgsql AS $$
DECLARE
    now_ts timestamptz := clock_timestamp();
    wait double precision := 0;
    available double precision;
    b record;
BEGIN
    INSERT INTO send_budgets AS s (key, rate, burst, tokens, updated_at)
    SELECT k, r, bu, bu, now_ts FROM unnest(p_keys, p_rates, p_bursts) AS x(k, r, bu)
    ON CONFLICT (key) DO UPDATE SET rate = EXCLUDED.rate, burst = EXCLUDED.burst
        WHERE s.rate <> EXCLUDED.rate OR s.burst <> EXCLUDED.burst;

    FOR b IN SELECT * FROM send_budgets WHERE key = ANY (p_keys) ORDER BY key FOR UPDATE LOOP
        IF b.blocked_until IS NOT NULL AND b.blocked_until > now_ts THEN
            wait := greatest(wait, extract(epoch FROM b.blocked_until - now_ts));
        ELSE
            available := least(b.burst, b.tokens + b.rate * extract(epoch FROM now_ts - b.updated_at));
            IF available < 1 THEN
                wait := greatest(wait, (1 - available) / b.rate);
            END IF;
        END IF;
    END LOOP;
    IF wait > 0 THEN
        RETURN wait;
    END IF;
    UPDATE send_budgets
    SET tokens = least(burst, tokens + rate * extract(epoch FROM now_ts - updated_at)) - 1,
        updated_at = now_ts
    WHERE key = ANY (p_keys);
    RETURN 0;
END;
$$;

ALTER TABLE outbox
    ADD COLUMN priority integer NOT NULL DEFAULT 0,
    ADD COLUMN lane text NOT NULL DEFAULT 'normal' CHECK (lane IN ('normal', 'paid'));

CREATE INDEX outbox_group_due_idx ON outbox (chat_id, priority DESC, id)
    WHERE status = 'pending' AND chat_id < 0;
