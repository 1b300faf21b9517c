-- name: stars_user_ban_state
SELECT id, is_banned, language, language_code FROM users WHERE telegram_id = $1;
