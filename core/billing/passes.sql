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
