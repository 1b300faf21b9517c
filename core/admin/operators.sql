-- name: operators_name
SELECT nullif(trim(coalesce(first_name, '') || ' ' || coalesce(last_name, '')), '') FROM users
WHERE telegram_id = $1;
