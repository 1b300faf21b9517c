-- name: chat_migrations_insert
-- The first word on a chat stands: Telegram upgrades a group once.
INSERT INTO chat_migrations (old_chat_id, new_chat_id) VALUES ($1, $2)
ON CONFLICT (old_chat_id) DO NOTHING;

-- name: chat_migrations_flatten
-- Chats that moved to the old id move on with it: every row names the latest id.
UPDATE chat_migrations SET new_chat_id = $2 WHERE new_chat_id = $1 AND old_chat_id <> $2;

-- name: chat_migrations_resolve
WITH RECURSIVE chain (chat_id, depth) AS (
    SELECT $1::bigint, 0
    UNION ALL
    SELECT m.new_chat_id, c.depth + 1
    FROM chain c JOIN chat_migrations m ON m.old_chat_id = c.chat_id
    WHERE c.depth < 16
)
SELECT chat_id FROM chain ORDER BY depth DESC LIMIT 1;

-- name: chat_migrations_all
SELECT old_chat_id, new_chat_id FROM chat_migrations;

-- name: chat_migrations_move_outbox
-- Calls waiting for the old chat go to the new one. An edit names a message
-- of the old chat, and a reply the message it answers: neither exists under
-- the new id, so edits stay (and fail) and replies go out as plain messages.
UPDATE outbox
SET chat_id = $2,
    params = CASE WHEN params ->> 'chat_id' = $1::bigint::text
                  THEN jsonb_set(params, '{chat_id}', to_jsonb($2::bigint))
                  ELSE params END - 'reply_to_message_id'
WHERE chat_id = $1 AND status IN ('pending', 'sending') AND method <> 'editMessageText'
RETURNING id;

-- name: chat_migrations_retry_row
-- The call that found the chat migrated goes again at once under the new id;
-- the attempt does not count.
UPDATE outbox
SET status = 'pending', not_before = now(), attempts = greatest(attempts - 1, 0), last_error = $3
WHERE id = $1 AND chat_id = $2 AND status IN ('pending', 'sending')
RETURNING id;
