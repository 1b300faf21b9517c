-- name: settings_store_all
-- Every row, with the name of the operator who last changed it (NULL: set by a migration).
SELECT b.key, b.value, b.updated_at, b.updated_by,
       nullif(trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), '') AS updated_by_name
FROM bot_settings b LEFT JOIN users u ON u.telegram_id = b.updated_by;

-- name: settings_store_lock
-- Changes of one key one at a time, whether or not its row exists yet.
SELECT pg_advisory_xact_lock(hashtext('bot_settings'), hashtext($1));

-- name: settings_store_one
SELECT value FROM bot_settings WHERE key = $1;

-- name: settings_store_write
INSERT INTO bot_settings (key, value, updated_at, updated_by) VALUES ($1, $2, now(), $3)
ON CONFLICT (key) DO UPDATE
SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by;
