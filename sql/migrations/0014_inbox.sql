-- The messaging inbox: updates waiting for their shard's drain job.
--
-- One job per update cannot go faster than procrastinate's own job rate, so
-- the ingress writes messaging updates here and queues at most one waiting
-- drain job per shard; the job then handles every pending update of the
-- shard in one transaction. A user's (or a topic's) updates always land in
-- the same shard, and a shard is drained by one job at a time, in id order:
-- per-actor order holds.
CREATE TABLE inbox (
    id         bigserial PRIMARY KEY,
    shard      integer NOT NULL CHECK (shard >= 0),
    update_id  bigint NOT NULL,
    payload    jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    -- An update whose handling failed for good: kept for operators, skipped by the drain.
    failed_at  timestamptz,
    error      text
);

CREATE INDEX inbox_pending_idx ON inbox (shard, id) WHERE failed_at IS NULL;

-- Record a batch of updates and make sure each shard has a drain job waiting.
--
-- A waiting job (status 'todo') of the shard is enough: it runs after this
-- transaction commits... unless a worker picks it between this insert and
-- the commit and finds the shard empty. So the ingress holds the shard's
-- advisory lock shared until commit, and a drain job takes it exclusively
-- before it concludes that its shard is empty: it waits for every recorder
-- that counted on it.
CREATE FUNCTION inbox_record(
    p_shards integer[], p_update_ids bigint[], p_payloads jsonb[], p_queue text, p_task text
)
    RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    s integer;
BEGIN
    FOR s IN SELECT DISTINCT x FROM unnest(p_shards) AS x ORDER BY x LOOP
        PERFORM pg_advisory_xact_lock_shared(7243, s);
    END LOOP;
    INSERT INTO inbox (shard, update_id, payload)
    SELECT sh, u, pl FROM unnest(p_shards, p_update_ids, p_payloads) WITH ORDINALITY AS t(sh, u, pl, n)
    ORDER BY n;
    INSERT INTO procrastinate_jobs (queue_name, task_name, lock, queueing_lock, args)
    SELECT p_queue, p_task, 'drain:' || x, 'drain:' || x, jsonb_build_object('shard', x)
    FROM (SELECT DISTINCT x FROM unnest(p_shards) AS x ORDER BY x) AS d
    ON CONFLICT DO NOTHING;
END;
$$;

-- Reserve send slots for a batch of calls, in order, up to p_horizon seconds ahead.
--
-- Call i needs p_counts[i] slots on keys p_keys[2i-1] and p_keys[2i]. A call
-- whose slots are free within the horizon gets them now (the buckets go into
-- debt) and its offset in seconds is returned: the caller sends it then. A
-- call beyond the horizon gets nothing, and minus its wait is returned; the
-- calls after it of the same chat (second key) are refused too, so a chat's
-- order holds. Refused calls queue up behind each other all the same (their
-- waits grow as if they had been reserved), so a backlog comes back spread
-- over the time its slots free up instead of all at once. All the keys are
-- locked at once, in key order, so concurrent batches never deadlock.
CREATE FUNCTION reserve_send_slots(
    p_keys text[], p_rates double precision[], p_bursts double precision[], p_counts integer[],
    p_horizon double precision
)
    RETURNS double precision[]
    LANGUAGE plpgsql AS $$
DECLARE
    now_ts timestamptz := clock_timestamp();
    n integer := coalesce(array_length(p_counts, 1), 0);
    bal jsonb := '{}';       -- tokens after the reservations made
    queued jsonb := '{}';    -- tokens after the refused calls too
    blocked jsonb := '{}';
    refused_chats text[] := '{}';
    result double precision[] := '{}';
    b record;
    i integer;
    j integer;
    k text;
    chat text;
    wait double precision;
    available double precision;
    need double precision;
BEGIN
    INSERT INTO send_budgets AS s (key, rate, burst, tokens, updated_at)
    SELECT DISTINCT ON (x.bk) x.bk, x.br, x.bb, x.bb, now_ts
    FROM unnest(p_keys, p_rates, p_bursts) AS x(bk, br, bb)
    ORDER BY x.bk
    ON CONFLICT (key) DO UPDATE SET rate = EXCLUDED.rate, burst = EXCLUDED.burst
        WHERE s.rate <> EXCLUDED.rate OR s.burst <> EXCLUDED.burst;

    FOR b IN SELECT * FROM send_budgets WHERE key = ANY (p_keys) ORDER BY key FOR UPDATE LOOP
        bal := bal || jsonb_build_object(
            b.key, least(b.burst, b.tokens + b.rate * extract(epoch FROM now_ts - b.updated_at)));
        IF b.blocked_until IS NOT NULL AND b.blocked_until > now_ts THEN
            blocked := blocked || jsonb_build_object(b.key, extract(epoch FROM b.blocked_until - now_ts));
        END IF;
    END LOOP;
    queued := bal;

    FOR i IN 1..n LOOP
        chat := p_keys[2 * i];
        wait := 0;
        FOR j IN (2 * i - 1)..(2 * i) LOOP
            k := p_keys[j];
            IF blocked ? k THEN
                wait := greatest(wait, (blocked ->> k)::double precision);
            END IF;
            available := (queued ->> k)::double precision;
            need := least(p_counts[i], p_bursts[j]);
            IF available < need THEN
                wait := greatest(wait, (need - available) / p_rates[j]);
            END IF;
        END LOOP;
        FOR j IN (2 * i - 1)..(2 * i) LOOP
            k := p_keys[j];
            queued := jsonb_set(queued, ARRAY[k], to_jsonb((queued ->> k)::double precision - p_counts[i]));
        END LOOP;
        IF chat = ANY (refused_chats) OR wait > p_horizon THEN
            refused_chats := refused_chats || chat;
            result := result || (-greatest(wait, 0.001));
        ELSE
            FOR j IN (2 * i - 1)..(2 * i) LOOP
                k := p_keys[j];
                bal := jsonb_set(bal, ARRAY[k], to_jsonb((bal ->> k)::double precision - p_counts[i]));
            END LOOP;
            result := result || wait;
        END IF;
    END LOOP;

    UPDATE send_budgets AS s
    SET tokens = (bal ->> s.key)::double precision, updated_at = now_ts
    WHERE s.key = ANY (p_keys);
    RETURN result;
END;
$$;

-- A drain's next batch, in one statement: the shard's lock is taken
-- exclusively first, so an empty answer is final (see inbox_record).
CREATE FUNCTION inbox_take(p_shard integer, p_limit integer)
    RETURNS TABLE (id bigint, update_id bigint, payload jsonb)
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7243, p_shard);
    RETURN QUERY
        SELECT i.id, i.update_id, i.payload FROM inbox i
        WHERE i.shard = p_shard AND i.failed_at IS NULL
        ORDER BY i.id
        LIMIT p_limit;
END;
$$;
