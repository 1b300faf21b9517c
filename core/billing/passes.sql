-- name: passes_state
SELECT pass_expires_at, now() AS now,
       EXISTS (SELECT 1 FROM pass_grants WHERE idempotency_key = $2) AS seen
FROM users WHERE id = $1;

-- name: passes_set_expiry
UPDATE users SET pass_expires_at = $2, updated_at = now() WHERE id = $1;

-- name: passes_grant_insert
INSERT INTO pass_grants (user_id, transaction_id, seconds, expires_before, expires_after, reason,
                         idempotency_key)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: passes_granted_seconds
SELECT coalesce(sum(seconds) FILTER (WHERE seconds > 0), 0) AS added,
       coalesce(-sum(seconds) FILTER (WHERE seconds < 0), 0) AS taken
FROM pass_grants WHERE transaction_id = $1;

-- name: passes_extend_many
-- extend(days) for many users at once, the same rules per user: each key at most
-- once (a known key changes nothing); the days run from the pass's end while it
-- runs, else from now. The rows are held (in id order) before their expiry is
-- read, so a concurrent change cannot slip in between. Each row carries its key
-- through, not joined back: a join of two CTEs is planned blind (a nested loop
-- over both windows). The bounds of the ids let the planner read the window's
-- range of users by their key, not every user, once per window (a mass gift's
-- users are a window of ids). One statement for a mass gift's chunk; the users
-- whose pass changed are returned.
WITH wanted AS (
    SELECT w.user_id, w.key FROM unnest($1::bigint[], $4::text[]) AS w(user_id, key)
    WHERE NOT EXISTS (SELECT 1 FROM pass_grants g WHERE g.idempotency_key = w.key)
), held AS (
    SELECT u.id, u.pass_expires_at AS before, w.key FROM users u JOIN wanted w ON w.user_id = u.id
    WHERE u.id BETWEEN (SELECT min(user_id) FROM wanted) AND (SELECT max(user_id) FROM wanted)
    ORDER BY u.id
    FOR UPDATE OF u
), changed AS (
    UPDATE users u
    SET pass_expires_at = greatest(h.before, now()) + make_interval(days => $2), updated_at = now()
    FROM held h
    WHERE u.id = h.id AND u.id BETWEEN (SELECT min(id) FROM held) AND (SELECT max(id) FROM held)
    RETURNING u.id, h.before, u.pass_expires_at AS after, h.key
)
INSERT INTO pass_grants (user_id, seconds, expires_before, expires_after, reason, idempotency_key)
SELECT id, $2::bigint * 86400, before, after, $3, key FROM changed
RETURNING user_id;
