-- name: bot_api_webhook
SELECT * FROM sandbox_webhook;

-- name: bot_api_set_webhook
INSERT INTO sandbox_webhook AS w (url, secret_token, max_connections, allowed_updates, pending_update_count)
VALUES ($1, $2, $3, $4, 0)
ON CONFLICT (only_row) DO UPDATE
SET url = EXCLUDED.url, secret_token = EXCLUDED.secret_token, max_connections = EXCLUDED.max_connections,
    allowed_updates = EXCLUDED.allowed_updates,
    -- Dropping pending updates empties the queue; keeping them keeps the count.
    pending_update_count = CASE WHEN $5 THEN 0 ELSE w.pending_update_count END,
    last_error_at = NULL, last_error_message = NULL, updated_at = now();

-- name: bot_api_webhook_trouble
INSERT INTO sandbox_webhook AS w (pending_update_count, last_error_at, last_error_message)
VALUES ($1, CASE WHEN $2::text IS NULL THEN NULL ELSE now() END, $2)
ON CONFLICT (only_row) DO UPDATE
SET pending_update_count = EXCLUDED.pending_update_count, last_error_at = EXCLUDED.last_error_at,
    last_error_message = EXCLUDED.last_error_message, updated_at = now();
