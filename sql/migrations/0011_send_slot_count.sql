-- A call that sends several messages (a forwarded burst, an album) takes one
-- slot per message. A bucket goes into debt for a call larger than its burst
-- rather than refusing it forever; the debt delays the calls after it.
DROP FUNCTION take_send_slot(text[], double precision[], double precision[]);

CREATE FUNCTION take_send_slot(
    p_keys text[], p_rates double precision[], p_bursts double precision[], p_count integer
)
    RETURNS double precision
    LANGUAGE plpgsql AS $$
DECLARE
    now_ts timestamptz := clock_timestamp();
    wait double precision := 0;
    available double precision;
    need double precision;
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
            need := least(p_count, b.burst);
            IF available < need THEN
                wait := greatest(wait, (need - available) / b.rate);
            END IF;
        END IF;
    END LOOP;
    IF wait > 0 THEN
        RETURN wait;
    END IF;
    UPDATE send_budgets
    SET tokens = least(burst, tokens + rate * extract(epoch FROM now_ts - updated_at)) - p_count,
        updated_at = now_ts
    WHERE key = ANY (p_keys);
    RETURN 0;
END;
$$;
