-- name: roles_resolve
-- The table's role (if any) and what the bot knows of the person.
SELECT o.role, o.alias, u.language, u.language_code,
       nullif(trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), '') AS name
FROM (SELECT $1::bigint AS telegram_id) AS who
LEFT JOIN operators o ON o.telegram_id = who.telegram_id
LEFT JOIN users u ON u.telegram_id = who.telegram_id;

-- name: roles_set
-- The role before the change, or NULL for a new operator. (Without FOR UPDATE: a
-- row the upsert below changed in this same statement is skipped by a locking
-- read, which then answered NULL, "not an operator", every time.)
WITH before AS (SELECT role FROM operators WHERE telegram_id = $1),
     upserted AS (
         INSERT INTO operators (telegram_id, role, added_by) VALUES ($1, $2, $3)
         ON CONFLICT (telegram_id) DO UPDATE SET role = EXCLUDED.role, updated_at = now()
         RETURNING 1)
SELECT (SELECT role FROM before) FROM upserted;

-- name: roles_remove
DELETE FROM operators WHERE telegram_id = $1 RETURNING role;

-- name: roles_listed
SELECT o.telegram_id, o.role, o.added_by, o.added_at, u.username,
       nullif(trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), '') AS name
FROM operators o LEFT JOIN users u ON u.telegram_id = o.telegram_id
ORDER BY CASE o.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'agent' THEN 2 ELSE 3 END,
         o.added_at;

-- name: roles_menus
SELECT o.telegram_id, o.role, u.language, u.language_code
FROM operators o LEFT JOIN users u ON u.telegram_id = o.telegram_id;

-- name: roles_known
-- Of these people, those who have written to the bot: Telegram knows their chat with it.
SELECT telegram_id FROM users WHERE telegram_id = ANY ($1::bigint[]);
