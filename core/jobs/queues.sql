-- name: queues_defer_jobs
-- One row per job in parallel arrays; one call records a whole batch.
SELECT procrastinate_defer_jobs_v1(
    ARRAY(
        SELECT ROW(q, t, p, l, ql, a::jsonb, s)::procrastinate_job_to_defer_v1
        FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
            WITH ORDINALITY AS j(q, t, p, l, ql, a, s, n)
        ORDER BY n
    )
);

-- name: queues_depths
SELECT queue.name AS queue,
       count(*) FILTER (WHERE j.status = 'todo') AS todo,
       count(*) FILTER (WHERE j.status = 'doing') AS doing,
       count(*) FILTER (WHERE j.status = 'failed') AS failed,
       -- Waiting to run again after failing (Stripe or the database down): retries in flight.
       count(*) FILTER (WHERE j.status = 'todo' AND j.attempts > 0) AS retrying
FROM unnest($1::text[]) AS queue(name)
LEFT JOIN procrastinate_jobs j
       ON j.queue_name = queue.name AND j.status IN ('todo', 'doing', 'failed')
GROUP BY queue.name
ORDER BY queue.name;

-- name: queues_advance
-- A job waiting under this queueing lock runs no later than $2 (a drain
-- scheduled for later is wanted sooner).
UPDATE procrastinate_jobs SET scheduled_at = $2
WHERE queueing_lock = $1 AND status = 'todo' AND scheduled_at > $2;
