-- name: system_failures_count_jobs
SELECT count(*) FROM procrastinate_jobs WHERE status = 'failed';

-- name: system_failures_jobs
-- Newest first; when each failed is its latest 'failed' event (procrastinate
-- keeps no error text: the worker's log has it, under the job's id).
SELECT j.id, j.queue_name, j.task_name, j.args, j.attempts, j.queueing_lock,
       (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id AND e.type = 'failed')
           AS failed_at
FROM procrastinate_jobs j
WHERE j.status = 'failed'
ORDER BY j.id DESC
LIMIT $1 OFFSET $2;

-- name: system_failures_retry_job
SELECT outcome, job_status, job_queue, job_task, job_args, job_attempts, job_queueing_lock
FROM admin_retry_failed_job($1);

-- name: system_failures_dismiss_job
WITH gone AS (
    DELETE FROM procrastinate_jobs WHERE id = $1 AND status = 'failed'
    RETURNING id, queue_name, task_name, args, attempts, queueing_lock
)
SELECT gone.*,
       (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = gone.id AND e.type = 'failed')
           AS failed_at
FROM gone;

-- name: system_failures_job_status
SELECT status::text FROM procrastinate_jobs WHERE id = $1;

-- name: system_failures_count_updates
SELECT count(*) FROM inbox WHERE failed_at IS NOT NULL;

-- name: system_failures_updates
SELECT id, shard, update_id, payload, received_at, failed_at, error FROM inbox
WHERE failed_at IS NOT NULL
ORDER BY id DESC
LIMIT $1 OFFSET $2;

-- name: system_failures_update_shard
SELECT shard FROM inbox WHERE id = $1 AND failed_at IS NOT NULL;

-- name: system_failures_hold_shard
-- As the ingress does when it records (sql/migrations/0014_inbox.sql): a drain
-- that takes the shard's lock waits for this transaction, so it cannot find the
-- shard empty just before the update returns to it.
SELECT pg_advisory_xact_lock_shared(7243, $1);

-- name: system_failures_retry_update
UPDATE inbox i SET failed_at = NULL, error = NULL
FROM (SELECT id, failed_at, error FROM inbox WHERE id = $1 AND failed_at IS NOT NULL FOR UPDATE) old
WHERE i.id = old.id
RETURNING i.id, i.shard, i.update_id, i.payload, i.received_at, old.failed_at, old.error;

-- name: system_failures_dismiss_update
DELETE FROM inbox WHERE id = $1 AND failed_at IS NOT NULL
RETURNING id, shard, update_id, payload, received_at, failed_at, error;

-- name: system_failures_job
SELECT j.id, j.queue_name, j.task_name, j.args, j.attempts, j.queueing_lock,
       (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id AND e.type = 'failed')
           AS failed_at
FROM procrastinate_jobs j
WHERE j.id = $1 AND j.status = 'failed';

-- name: system_failures_update
SELECT id, shard, update_id, payload, received_at, failed_at, error FROM inbox
WHERE id = $1 AND failed_at IS NOT NULL;
