-- name: search_save
-- A search's term, for its buttons. Searches older than a week go: their
-- buttons then say so.
WITH pruned AS (
    DELETE FROM admin_searches WHERE created_at < now() - interval '7 days'
)
INSERT INTO admin_searches (operator_id, term) VALUES ($1, $2) RETURNING id;

-- name: search_load
SELECT term, messages FROM admin_searches WHERE id = $1;

-- name: search_keep_messages
UPDATE admin_searches SET messages = $2 WHERE id = $1;
