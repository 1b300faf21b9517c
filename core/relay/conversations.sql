-- name: conversations_ensure
-- Writes only when the conversation is new: every message of a user asks. A
-- group Telegram upgraded is asked for under its new id (chat_migrations keeps
-- the latest id of every chat), whatever id the caller still knows it by.
WITH target AS (
    SELECT coalesce((SELECT new_chat_id FROM chat_migrations WHERE old_chat_id = $2), $2) AS chat_id
), found AS (
    SELECT c.* FROM conversations c, target t WHERE c.user_id = $1 AND c.admin_chat_id = t.chat_id
), created AS (
    INSERT INTO conversations (user_id, admin_chat_id)
    SELECT $1, t.chat_id FROM target t WHERE NOT EXISTS (SELECT 1 FROM found)
    ON CONFLICT (user_id, admin_chat_id) DO UPDATE SET user_id = EXCLUDED.user_id
    RETURNING *
)
SELECT * FROM found UNION ALL SELECT * FROM created;

-- name: conversations_of_user
SELECT * FROM conversations WHERE user_id = $1 ORDER BY id LIMIT 1;

-- name: conversations_by_topic
SELECT * FROM conversations WHERE admin_chat_id = $1 AND topic_id = $2;

-- name: conversations_lock
SELECT * FROM conversations WHERE id = $1 FOR UPDATE;

-- name: conversations_set_topic
UPDATE conversations SET topic_id = $2, status = 'waiting_operator', closed_at = NULL
WHERE id = $1 RETURNING *;

-- name: conversations_set_card
UPDATE conversations SET card_message_id = $2, card_dirty = false WHERE id = $1;

-- name: conversations_set_status
UPDATE conversations
SET status = $2, closed_at = CASE WHEN $2 = 'closed' THEN now() ELSE NULL END
WHERE id = $1 RETURNING *;

-- name: conversations_operator_wrote
UPDATE conversations
SET status = 'waiting_user', unread_count = 0, last_operator_message_at = now(),
    first_response_at = COALESCE(first_response_at, now())
WHERE id = $1;

-- name: conversations_forget_topic
-- The topic was deleted in Telegram: the next relay creates a new one.
UPDATE conversations SET topic_id = NULL WHERE id = $1;

-- name: conversations_follow_chat
-- The admin group became a supergroup with a new id. Old topics do not exist
-- in the new chat (a basic group has none anyway): the next relay opens one
-- there. A user who somehow has a conversation in the new chat already keeps that one.
WITH moved AS (
    UPDATE conversations c SET admin_chat_id = $2, topic_id = NULL
    WHERE c.admin_chat_id = $1
      AND NOT EXISTS (SELECT 1 FROM conversations d WHERE d.user_id = c.user_id AND d.admin_chat_id = $2)
    RETURNING 1
)
SELECT count(*) FROM moved;
