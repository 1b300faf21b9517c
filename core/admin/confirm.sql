-- name: confirm_propose
INSERT INTO admin_confirmations (token, operator_id, action, params, expires_at)
VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5));

-- name: confirm_take
UPDATE admin_confirmations SET used_at = now()
WHERE token = $1 AND operator_id = $2 AND used_at IS NULL AND expires_at > now()
RETURNING action, params;

-- name: confirm_state
SELECT operator_id, used_at, expires_at FROM admin_confirmations WHERE token = $1;

-- name: confirm_drop
UPDATE admin_confirmations SET used_at = now()
WHERE token = $1 AND operator_id = $2 AND used_at IS NULL
RETURNING true;
