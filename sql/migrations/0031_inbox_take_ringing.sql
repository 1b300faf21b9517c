-- A drain that takes a small batch may stay rung while it handles it
-- (workers/inbox_drain.py). At moderate load a shard's drain takes one update,
-- handles it, then takes again only to find the shard empty and write itself
-- down as waiting (0030): a round trip and a commit per update that find
-- nothing. With p_ring_below, a batch smaller than that leaves the drain
-- written down as waiting for the next p_listen seconds instead: a recorder of
-- the shard rings it meanwhile (the same locks as 0030's take, so an update
-- recorded after this take rings it, one recorded before is in the batch), and
-- the drain that was not rung while it handled goes straight to waiting.
-- A larger batch means a busy shard: the drain is written down as not waiting,
-- as inbox_take_v3 does, so recorders do not pay for a notification (a lock
-- that serializes every notifying commit) that wakes nobody. inbox_take_v3
-- stays for workers of the previous release during a deploy, as this one with
-- p_ring_below = 0 (which is what it did), so that one body is live.
CREATE FUNCTION inbox_take_v4(p_shard integer, p_limit integer, p_listen double precision,
                              p_ring_below integer)
    RETURNS TABLE (id bigint, update_id bigint, payload jsonb)
    LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    PERFORM pg_advisory_xact_lock(7243, p_shard);
    RETURN QUERY
        SELECT i.id, i.update_id, i.payload FROM inbox i
        WHERE i.shard = p_shard AND i.failed_at IS NULL
        ORDER BY i.id
        LIMIT p_limit;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 AND (n >= p_ring_below OR p_listen <= 0) THEN
        UPDATE inbox_listeners l SET waiting = false WHERE l.shard = p_shard AND l.waiting;
        RETURN;
    END IF;
    IF p_listen > 0 THEN
        INSERT INTO inbox_listeners AS l (shard, until, waiting)
        VALUES (p_shard, now() + make_interval(secs => p_listen), true)
        ON CONFLICT (shard) DO UPDATE SET until = EXCLUDED.until, waiting = true;
    ELSE
        DELETE FROM inbox_listeners l WHERE l.shard = p_shard;
    END IF;
    IF n = 0 AND EXISTS (SELECT 1 FROM procrastinate_jobs d
                         WHERE d.lock = 'drain:' || p_shard AND d.status = 'doing') THEN
        DELETE FROM procrastinate_jobs j
        WHERE j.queueing_lock = 'drain:' || p_shard AND j.status = 'todo';
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION inbox_take_v3(p_shard integer, p_limit integer, p_listen double precision)
    RETURNS TABLE (id bigint, update_id bigint, payload jsonb)
    LANGUAGE sql AS $$
    SELECT * FROM inbox_take_v4(p_shard, p_limit, p_listen, 0);
$$;
