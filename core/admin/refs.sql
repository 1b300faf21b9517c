-- name: refs_by_telegram_id
SELECT id, telegram_id, first_name, last_name, username FROM users WHERE telegram_id = $1;

-- name: refs_by_username
SELECT id, telegram_id, first_name, last_name, username FROM users
WHERE lower(username) = $1
ORDER BY last_seen_at DESC NULLS LAST
LIMIT 1;
