-- name: history_prune_messages
-- What the stand-in remembers grows with every message; the admin worker's
-- prune forgets what is older than RETENTION_SANDBOX_DAYS.
DELETE FROM sandbox_messages WHERE created_at < now() - make_interval(secs => $1);

-- name: history_prune_answers
DELETE FROM sandbox_query_answers WHERE created_at < now() - make_interval(secs => $1);

-- name: history_prune_faults
DELETE FROM sandbox_faults WHERE remaining = 0 AND created_at < now() - make_interval(secs => $1);
