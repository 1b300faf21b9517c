-- Recovering the work of a worker process that died (SIGKILL, OOM, a dyno
-- manager's stop timeout).
--
-- procrastinate records a heartbeat per worker; a job stays 'doing' forever
-- when its worker dies. Every worker process runs recover_stalled_work()
-- every few seconds: jobs of workers whose heartbeat is older than the given
-- age go back to 'todo', or, when a job with the same queueing lock is
-- already waiting (a drain of the same shard), are finished as 'aborted' so
-- that the waiting one can run. Outbox rows the dead worker had claimed go
-- back to 'pending': a send in flight at the moment of the kill may have gone
-- out already, which is the at-least-once window; each such row is counted.

ALTER TABLE outbox ADD COLUMN claimed_by bigint;

CREATE TABLE stall_recoveries (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    -- job_retried, job_aborted, job_error, send_returned
    kind       text NOT NULL,
    job_id     bigint,
    task_name  text,
    -- The worker that died holding the job or the send.
    worker_id  bigint,
    outbox_id  bigint,
    detail     text
);

CREATE INDEX stall_recoveries_at_idx ON stall_recoveries (at);

-- Workers whose heartbeat is recent enough to count them alive.
CREATE FUNCTION live_workers(p_stalled_after double precision)
    RETURNS TABLE (id bigint)
    LANGUAGE sql STABLE AS $$
    SELECT w.id FROM procrastinate_workers w
    WHERE w.last_heartbeat >= now() - make_interval(secs => p_stalled_after)
$$;

CREATE FUNCTION recover_stalled_work(p_stalled_after double precision)
    RETURNS TABLE (kind text, job_id bigint, task_name text, outbox_id bigint, detail text)
    LANGUAGE plpgsql AS $$
DECLARE
    j record;
    waiting boolean;
BEGIN
    FOR j IN
        SELECT job.id, job.task_name, job.queue_name, job.queueing_lock, job.worker_id
        FROM procrastinate_jobs job
        WHERE job.status = 'doing'
          AND (job.worker_id IS NULL OR job.worker_id NOT IN (SELECT l.id FROM live_workers(p_stalled_after) l))
        ORDER BY job.id
        FOR UPDATE SKIP LOCKED
    LOOP
        -- Each job on its own: one that cannot be recovered never stops the others.
        BEGIN
            waiting := j.queueing_lock IS NOT NULL AND EXISTS (
                SELECT 1 FROM procrastinate_jobs t
                WHERE t.queueing_lock = j.queueing_lock AND t.status = 'todo');
            IF waiting THEN
                -- The waiting job does the same work (it drains the same shard,
                -- or the same group's rows): let it run.
                UPDATE procrastinate_jobs SET status = 'aborted', abort_requested = false
                WHERE id = j.id;
                kind := 'job_aborted';
            ELSE
                UPDATE procrastinate_jobs
                SET status = 'todo', attempts = attempts + 1, scheduled_at = NULL, worker_id = NULL
                WHERE id = j.id;
                -- Back in the queue: wake the workers, as an insert would.
                PERFORM pg_notify('procrastinate_queue_v1#' || j.queue_name,
                                  json_build_object('type', 'job_inserted', 'job_id', j.id)::text);
                PERFORM pg_notify('procrastinate_any_queue_v1',
                                  json_build_object('type', 'job_inserted', 'job_id', j.id)::text);
                kind := 'job_retried';
            END IF;
            job_id := j.id;
            task_name := j.task_name;
            outbox_id := NULL;
            detail := j.queueing_lock;
        EXCEPTION WHEN OTHERS THEN
            kind := 'job_error';
            job_id := j.id;
            task_name := j.task_name;
            outbox_id := NULL;
            detail := SQLERRM;
        END;
        INSERT INTO stall_recoveries (kind, job_id, task_name, worker_id, detail)
        VALUES (kind, job_id, task_name, j.worker_id, detail);
        RETURN NEXT;
    END LOOP;

    -- Sends claimed by a worker that is gone (or, claimed outside any worker,
    -- long ago): back to the queue.
    FOR j IN
        UPDATE outbox o SET status = 'pending', claimed_by = NULL, not_before = now()
        FROM (
            SELECT x.id, x.claimed_by FROM outbox x
            WHERE x.status = 'sending'
              AND ((x.claimed_by IS NULL AND x.claimed_at < now() - interval '300 seconds')
                   OR (x.claimed_by IS NOT NULL
                       AND x.claimed_by NOT IN (SELECT l.id FROM live_workers(p_stalled_after) l)))
            FOR UPDATE SKIP LOCKED) AS dead
        WHERE o.id = dead.id
        RETURNING o.id, o.method, o.chat_id, dead.claimed_by AS worker_id
    LOOP
        kind := 'send_returned';
        job_id := NULL;
        task_name := j.method;
        outbox_id := j.id;
        detail := 'chat ' || j.chat_id;
        INSERT INTO stall_recoveries (kind, outbox_id, task_name, worker_id, detail)
        VALUES (kind, outbox_id, task_name, j.worker_id, detail);
        RETURN NEXT;
    END LOOP;
END;
$$;
