-- name: pending_ask
INSERT INTO admin_pending (operator_id, kind, params, chat_id, thread_id, message_id, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))
ON CONFLICT (operator_id) DO UPDATE
SET kind = EXCLUDED.kind, params = EXCLUDED.params, chat_id = EXCLUDED.chat_id,
    thread_id = EXCLUDED.thread_id, message_id = EXCLUDED.message_id, expires_at = EXCLUDED.expires_at;

-- name: pending_take
DELETE FROM admin_pending WHERE operator_id = $1 AND expires_at > now() RETURNING *;

-- name: pending_cancel
DELETE FROM admin_pending WHERE operator_id = $1 RETURNING true;
