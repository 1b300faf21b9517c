-- name: metrics_jobs
-- Jobs by queue and state. Succeeded jobs are deleted when they finish, and
-- retention bounds the rest: the table is small however busy the bot is.
SELECT queue_name AS queue, status::text AS state, count(*) AS jobs
FROM procrastinate_jobs
GROUP BY queue_name, status
ORDER BY queue_name, status;

-- name: metrics_jobs_oldest_wait
-- Per queue, how long the job that has waited longest to run has waited: since
-- it was due (scheduled jobs) or since it was queued (its 'deferred' event).
SELECT j.queue_name AS queue,
       extract(epoch FROM now() - min(coalesce(j.scheduled_at, e.at, now()))) AS seconds
FROM procrastinate_jobs j
LEFT JOIN LATERAL (
    SELECT min(ev.at) AS at FROM procrastinate_events ev
    WHERE ev.job_id = j.id AND ev.type = 'deferred'
) e ON true
WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())
GROUP BY j.queue_name;

-- name: metrics_inbox
-- The inbox holds updates until their drain is done with them: small.
SELECT count(*) FILTER (WHERE failed_at IS NULL) AS pending,
       count(*) FILTER (WHERE failed_at IS NOT NULL) AS failed
FROM inbox;

-- name: metrics_outbox
-- Each count reads its partial index (outbox_due_idx, outbox_failed_idx): the
-- delivered rows, however many, are not looked at.
SELECT (SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')) AS pending,
       (SELECT count(*) FROM outbox WHERE status = 'failed') AS failed;

-- name: metrics_conversations_waiting
-- Conversations whose user wrote last, and how long the longest has waited
-- (conversations_waiting_idx).
SELECT count(*) AS waiting,
       coalesce(extract(epoch FROM now() - min(last_user_message_at)), 0) AS longest_seconds
FROM conversations
WHERE status = 'waiting_operator';
