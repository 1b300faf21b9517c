-- name: wakeups_next_due
-- The earliest job of the queue scheduled for later (procrastinate_jobs_scheduled_idx).
SELECT extract(epoch FROM min(scheduled_at))::float8 FROM procrastinate_jobs
WHERE queue_name = $1 AND status = 'todo' AND scheduled_at IS NOT NULL AND scheduled_at > now();

-- name: wakeups_wake
SELECT pg_notify($1, $2);
