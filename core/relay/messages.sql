-- name: messages_insert_in
-- A redelivered update finds its message already there and inserts nothing (no
-- rows). Otherwise: the user's held messages, the new one among them, in the
-- order the user wrote them (messages_held's), locked; the new one is marked.
-- One round trip where storing and then reading what is held took two.
WITH stored AS (
    INSERT INTO messages (user_id, conversation_id, direction, status, update_id, user_message_id,
                          media_group_id, kind, text, reply_to_message_id)
    VALUES ($1, $2, 'in', 'held', $3, $4, $5, $6, $7, $8)
    ON CONFLICT (user_id, user_message_id) WHERE direction = 'in' DO NOTHING
    RETURNING id, user_message_id, media_group_id, reply_to_message_id
), earlier AS (
    -- The statement's snapshot does not see the row inserted above: it is added below.
    SELECT id, user_message_id, media_group_id, reply_to_message_id FROM messages
    WHERE user_id = $1 AND status = 'held' AND EXISTS (SELECT 1 FROM stored)
    FOR UPDATE
)
SELECT id, user_message_id, media_group_id, reply_to_message_id, true AS new FROM stored
UNION ALL
SELECT id, user_message_id, media_group_id, reply_to_message_id, false FROM earlier
ORDER BY user_message_id;

-- name: messages_insert_from_operator
INSERT INTO messages (user_id, conversation_id, direction, status, update_id, admin_chat_id,
                      admin_message_id, kind, text, operator_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (admin_chat_id, admin_message_id) WHERE admin_message_id IS NOT NULL DO NOTHING
RETURNING id;

-- name: messages_held
-- Telegram numbers a chat's messages in the order they were written.
SELECT id, user_message_id, media_group_id, reply_to_message_id FROM messages
WHERE user_id = $1 AND status = 'held'
ORDER BY user_message_id
FOR UPDATE;

-- name: messages_relayed_to_user
UPDATE messages AS m
SET status = 'relayed', user_message_id = x.user_message_id, relayed_at = now()
FROM unnest($1::bigint[], $2::int[]) AS x(id, user_message_id)
WHERE m.id = x.id;

-- name: messages_failed
UPDATE messages SET status = 'failed' WHERE id = ANY($1::bigint[]) AND status <> 'relayed'
RETURNING id, user_id, credits_charged;

-- name: messages_set_text
UPDATE messages SET text = $2, edited_at = now() WHERE id = $1;

-- name: messages_user_copy_of
SELECT user_message_id FROM messages
WHERE admin_chat_id = $1 AND admin_message_id = $2 AND user_message_id IS NOT NULL
  AND direction IN ('in', 'out');

-- name: messages_topic_replies
-- LATERAL, so the relay's own rows (by primary key) always drive the plan: as a
-- plain join, statistics taken while the table was small let the planner start
-- from every message of the admin group instead (tens of ms per relay, growing).
SELECT m.id, t.admin_message_id
FROM messages m
CROSS JOIN LATERAL (
    SELECT t.admin_message_id FROM messages t
    WHERE t.user_id = m.user_id AND t.user_message_id = m.reply_to_message_id
      AND t.direction IN ('in', 'out') AND t.admin_chat_id = $2 AND t.admin_message_id IS NOT NULL
    ORDER BY t.id DESC
    LIMIT 1
) t
WHERE m.id = ANY ($1::bigint[]) AND m.reply_to_message_id IS NOT NULL;

-- name: messages_operator_alias
SELECT alias FROM operators WHERE telegram_id = $1 AND alias IS NOT NULL AND alias <> '';
