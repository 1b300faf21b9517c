-- name: campaign_id_lists_create
INSERT INTO campaign_id_lists (created_by, file_name, given, unknown)
VALUES ($1, $2, $3, 0)
RETURNING id;

-- name: campaign_id_lists_fill
-- The users the list names, by Telegram id or by username (as users.username
-- holds it now; the newest user when two had it), kept under the list; the
-- entries that named nobody the bot knows are counted on it.
WITH by_id AS (
    SELECT g.tid, u.telegram_id FROM unnest($2::bigint[]) AS g(tid)
    LEFT JOIN users u ON u.telegram_id = g.tid
), by_name AS (
    SELECT n.name, u.telegram_id FROM unnest($3::text[]) AS n(name)
    LEFT JOIN LATERAL (SELECT telegram_id FROM users
                       WHERE lower(username) = n.name AND username IS NOT NULL
                       ORDER BY id DESC LIMIT 1) u ON true
), added AS (
    INSERT INTO campaign_id_list_users (list_id, telegram_id)
    SELECT DISTINCT $1::bigint, f.telegram_id
    FROM (SELECT telegram_id FROM by_id UNION ALL SELECT telegram_id FROM by_name) f
    WHERE f.telegram_id IS NOT NULL
    ON CONFLICT DO NOTHING
)
UPDATE campaign_id_lists
SET unknown = (SELECT count(*) FROM by_id WHERE telegram_id IS NULL)
            + (SELECT count(*) FROM by_name WHERE telegram_id IS NULL)
WHERE id = $1
RETURNING unknown;
