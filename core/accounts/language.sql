-- name: language_by_telegram_id
SELECT language, language_code FROM users WHERE telegram_id = $1;

-- name: language_set_language
UPDATE users SET language = $2, updated_at = now() WHERE id = $1;
