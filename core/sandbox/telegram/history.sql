-- name: history_prune_messages
-- What the stand-in remembers grows with every message; the admin worker's
-- prune forgets what it recorded longer ago than RETENTION_SANDBOX_DAYS (not by
-- the message's date: an incoming one may be dated long before it came).
DELETE FROM sandbox_messages WHERE recorded_at < now() - make_interval(secs => $1);

-- name: history_prune_answers
DELETE FROM sandbox_query_answers WHERE created_at < now() - make_interval(secs => $1);

-- name: history_prune_faults
DELETE FROM sandbox_faults WHERE remaining = 0 AND created_at < now() - make_interval(secs => $1);
