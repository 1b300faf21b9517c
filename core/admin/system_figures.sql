-- name: system_figures_database
SELECT pg_database_size(current_database()) AS size_bytes,
       (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()) AS connections,
       current_setting('max_connections')::int AS max_connections,
       pg_postmaster_start_time() AS started_at;

-- name: system_figures_migrations
-- Production migrations only: the sandbox's are recorded as sandbox/NAME.
SELECT name FROM schema_migrations WHERE name NOT LIKE '%/%' ORDER BY name;

-- name: system_figures_queues
-- Per queue: its jobs by status, and how long its oldest due job has waited:
-- since it was queued (or put back) for a job due at once, since it fell due
-- for a scheduled one. procrastinate keeps no creation time on a job, its
-- events do; the oldest job is found by id, on the indexes of waiting jobs.
SELECT queue.name AS queue,
       (SELECT count(*) FROM procrastinate_jobs j
        WHERE j.queue_name = queue.name AND j.status = 'todo') AS todo,
       (SELECT count(*) FROM procrastinate_jobs j
        WHERE j.queue_name = queue.name AND j.status = 'doing') AS doing,
       (SELECT count(*) FROM procrastinate_jobs j
        WHERE j.queue_name = queue.name AND j.status = 'failed') AS failed,
       extract(epoch FROM now() - least(
           (SELECT max(e.at) FROM procrastinate_events e
            WHERE e.job_id = (SELECT min(j.id) FROM procrastinate_jobs j
                              WHERE j.queue_name = queue.name AND j.status = 'todo'
                                AND j.scheduled_at IS NULL)
              AND e.type IN ('deferred', 'deferred_for_retry', 'retried')),
           (SELECT min(j.scheduled_at) FROM procrastinate_jobs j
            WHERE j.queue_name = queue.name AND j.status = 'todo' AND j.scheduled_at <= now())
       ))::float8 AS oldest_wait_seconds
FROM unnest($1::text[]) AS queue(name)
ORDER BY queue.name;

-- name: system_figures_sends
-- Flood waits and other send failures of the last hour, and flood waits in
-- the alerts' shorter window ($1 seconds, at most an hour).
SELECT count(*) FILTER (WHERE kind = 'FloodWait') AS flood_waits,
       count(*) FILTER (WHERE kind = 'FloodWait' AND at > now() - make_interval(secs => $1))
           AS flood_waits_recent,
       count(*) FILTER (WHERE kind <> 'FloodWait') AS errors
FROM send_events
WHERE at > now() - interval '1 hour';

-- name: system_figures_send_error_kinds
SELECT kind, count(*) AS n FROM send_events
WHERE at > now() - interval '1 hour' AND kind <> 'FloodWait'
GROUP BY kind
ORDER BY n DESC, kind
LIMIT $1;

-- name: system_figures_prune_sends
DELETE FROM send_events WHERE at < now() - make_interval(secs => $1);
