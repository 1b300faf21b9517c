-- A drain that finds its shard empty can stay a moment and listen for the
-- shard's next update instead of ending (workers/inbox_drain.py). At moderate
-- load a shard gets an update every few tens of milliseconds, and each one
-- used to cost a whole procrastinate job: the insert (with its event row and
-- notification), a fetch in every worker the notification woke, the start and
-- the finish (each with an event row), and the delete. A listening drain costs
-- the recorder a notification and the drain one take.
--
-- The listening drain is written down here. A recorder that finds its shard's
-- drain listening notifies it (channel paid_desk_inbox, the shard as payload)
-- and queues no job; otherwise it queues the drain job as before. The row is
-- written and removed only under the shard's advisory lock held exclusively
-- (inbox_take_v3), and recorders hold it shared until they commit, so:
--   * a recorder that saw the row has committed before the drain's next take,
--     which therefore sees its update (a drain that stops listening takes
--     once more after removing the row);
--   * a recorder after the row was removed queues a job.
-- A drain whose worker died cannot remove its row: the row says until when it
-- counts. After that, recorders queue jobs again, and the dead worker's own
-- job comes back through the stall recovery (core/jobs/stalls.py), so the
-- updates recorded meanwhile are drained either way.
-- While the drain handles what it took, it is not waiting: recorders then
-- neither ring it nor queue a job (it takes again before it waits). That keeps
-- notifications to the moments they wake someone: a transaction that notifies
-- takes a lock at commit that serializes it with every other one that does.
CREATE TABLE inbox_listeners (
    shard integer PRIMARY KEY,
    until timestamptz NOT NULL,
    waiting boolean NOT NULL DEFAULT true
);

CREATE OR REPLACE FUNCTION inbox_record(
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
    -- The rows cannot change before commit (the shared locks), so the two
    -- statements see the same listeners.
    PERFORM pg_notify('paid_desk_inbox', l.shard::text)
    FROM inbox_listeners l
    WHERE l.shard = ANY (p_shards) AND l.until > now() AND l.waiting;
    INSERT INTO procrastinate_jobs (queue_name, task_name, lock, queueing_lock, args)
    SELECT p_queue, p_task, 'drain:' || x, 'drain:' || x, jsonb_build_object('shard', x)
    FROM (SELECT DISTINCT x FROM unnest(p_shards) AS x ORDER BY x) AS d
    WHERE NOT EXISTS (SELECT 1 FROM inbox_listeners l WHERE l.shard = d.x AND l.until > now())
    ON CONFLICT DO NOTHING;
END;
$$;

-- A drain's next batch (as inbox_take_v2); a listening drain that takes some
-- is busy, no longer waiting. When the shard is empty, the drain is written
-- down as waiting until p_listen seconds from now, or, with p_listen = 0, no
-- longer listening; and the shard's drain queued behind the running one goes,
-- as before.
CREATE FUNCTION inbox_take_v3(p_shard integer, p_limit integer, p_listen double precision)
    RETURNS TABLE (id bigint, update_id bigint, payload jsonb)
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7243, p_shard);
    RETURN QUERY
        SELECT i.id, i.update_id, i.payload FROM inbox i
        WHERE i.shard = p_shard AND i.failed_at IS NULL
        ORDER BY i.id
        LIMIT p_limit;
    IF FOUND THEN
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
    IF EXISTS (SELECT 1 FROM procrastinate_jobs d WHERE d.lock = 'drain:' || p_shard AND d.status = 'doing') THEN
        DELETE FROM procrastinate_jobs j
        WHERE j.queueing_lock = 'drain:' || p_shard AND j.status = 'todo';
    END IF;
END;
$$;
