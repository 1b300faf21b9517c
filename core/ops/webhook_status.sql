-- name: webhook_status_latest
SELECT info, error, checked_at FROM telegram_webhook_status;

-- name: webhook_status_record
-- A failed check keeps the last answer Telegram gave, beside why asking failed.
INSERT INTO telegram_webhook_status AS s (info, error, checked_at)
VALUES ($1, $2, now())
ON CONFLICT (only_row) DO UPDATE
SET info = coalesce(EXCLUDED.info, s.info), error = EXCLUDED.error, checked_at = now();
