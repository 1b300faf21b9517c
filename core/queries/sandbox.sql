-- The fake Telegram's state (core/fake_telegram/model.py).

-- name: sandbox_upsert_chat
-- Descriptive fields left NULL keep what the chat already has.
INSERT INTO sandbox_chats (id, type, title, first_name, last_name, username, is_forum)
VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, false))
ON CONFLICT (id) DO UPDATE SET
    title = coalesce(EXCLUDED.title, sandbox_chats.title),
    first_name = coalesce(EXCLUDED.first_name, sandbox_chats.first_name),
    last_name = coalesce(EXCLUDED.last_name, sandbox_chats.last_name),
    username = coalesce(EXCLUDED.username, sandbox_chats.username),
    is_forum = coalesce($7, sandbox_chats.is_forum)
RETURNING *;

-- name: sandbox_get_chat
SELECT * FROM sandbox_chats WHERE id = $1;

-- name: sandbox_get_chats
SELECT * FROM sandbox_chats WHERE id = any($1::bigint[]);

-- name: sandbox_lock_chat
SELECT * FROM sandbox_chats WHERE id = $1 FOR UPDATE;

-- name: sandbox_set_blocked
UPDATE sandbox_chats SET blocked = $2 WHERE id = $1;

-- name: sandbox_set_deactivated
UPDATE sandbox_chats SET deactivated = $2 WHERE id = $1;

-- name: sandbox_migrate_chat
-- A basic group is upgraded once; the row stays, naming the supergroup.
UPDATE sandbox_chats SET migrated_to = $2
WHERE id = $1 AND type = 'group' AND migrated_to IS NULL
RETURNING *;

-- name: sandbox_take_message_ids
-- Reserves $2 consecutive ids and returns the first.
UPDATE sandbox_chats SET next_message_id = next_message_id + $2
WHERE id = $1
RETURNING next_message_id - $2 AS first_id;

-- name: sandbox_skip_message_ids
-- An incoming message brings its own id; later ones must not reuse it.
UPDATE sandbox_chats SET next_message_id = greatest(next_message_id, $2 + 1) WHERE id = $1;

-- name: sandbox_insert_message
INSERT INTO sandbox_messages (
    chat_id, message_id, thread_id, from_bot, sender_id, kind, text, entities,
    reply_markup, reply_to_message_id, media_group_id, extra, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, coalesce($13, now()))
RETURNING *;

-- name: sandbox_upsert_incoming_message
-- A redelivered update stores nothing new; an edited message replaces the content.
INSERT INTO sandbox_messages (
    chat_id, message_id, thread_id, from_bot, sender_id, kind, text, entities,
    reply_markup, reply_to_message_id, media_group_id, extra, created_at, edited_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, coalesce($13, now()), $14)
ON CONFLICT (chat_id, message_id) DO UPDATE SET
    kind = EXCLUDED.kind,
    text = EXCLUDED.text,
    entities = EXCLUDED.entities,
    reply_markup = EXCLUDED.reply_markup,
    extra = EXCLUDED.extra,
    edited_at = coalesce(EXCLUDED.edited_at, sandbox_messages.edited_at)
RETURNING *;

-- name: sandbox_get_message
SELECT * FROM sandbox_messages WHERE chat_id = $1 AND message_id = $2;

-- name: sandbox_get_messages_by_id
SELECT * FROM sandbox_messages WHERE chat_id = $1 AND message_id = any($2::integer[]);

-- name: sandbox_get_private_messages_by_id
-- The newest private message with each id (messages.getMessages names no chat).
SELECT DISTINCT ON (message_id) * FROM sandbox_messages
WHERE chat_id > 0 AND message_id = any($1::integer[])
ORDER BY message_id, created_at DESC;

-- name: sandbox_list_messages
SELECT * FROM sandbox_messages WHERE chat_id = $1 ORDER BY message_id;

-- name: sandbox_list_thread_messages
SELECT * FROM sandbox_messages WHERE chat_id = $1 AND thread_id = $2 ORDER BY message_id;

-- name: sandbox_edit_message
UPDATE sandbox_messages
SET text = $3, entities = $4, reply_markup = $5, edited_at = now()
WHERE chat_id = $1 AND message_id = $2
RETURNING *;

-- name: sandbox_insert_topic
INSERT INTO sandbox_topics (chat_id, topic_id, name, icon_color)
VALUES ($1, $2, $3, $4)
ON CONFLICT (chat_id, topic_id) DO NOTHING
RETURNING *;

-- name: sandbox_get_topic
SELECT * FROM sandbox_topics WHERE chat_id = $1 AND topic_id = $2;

-- name: sandbox_update_topic
UPDATE sandbox_topics SET name = $3, closed = $4
WHERE chat_id = $1 AND topic_id = $2
RETURNING *;

-- name: sandbox_delete_topic
UPDATE sandbox_topics SET deleted = true WHERE chat_id = $1 AND topic_id = $2;

-- name: sandbox_delete_topic_messages
DELETE FROM sandbox_messages WHERE chat_id = $1 AND thread_id = $2;

-- name: sandbox_list_topics
SELECT * FROM sandbox_topics WHERE chat_id = $1 ORDER BY topic_id;

-- name: sandbox_insert_fault
INSERT INTO sandbox_faults (chat_id, method, error, value, remaining)
VALUES ($1, $2, $3, $4, $5);

-- name: sandbox_take_fault
-- Consumes one matching fault; SKIP LOCKED so concurrent senders each take their own.
UPDATE sandbox_faults SET remaining = remaining - 1
WHERE id = (
    SELECT id FROM sandbox_faults
    WHERE remaining > 0
      AND (chat_id IS NULL OR chat_id = $1)
      AND (method IS NULL OR method = $2)
    ORDER BY id
    LIMIT 1
    FOR UPDATE SKIP LOCKED)
RETURNING error, value;

-- name: sandbox_record_query_answer
-- Returns nothing when the query was answered before.
INSERT INTO sandbox_query_answers (kind, query_id, ok, text, show_alert)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (kind, query_id) DO NOTHING
RETURNING query_id;

-- name: sandbox_list_query_answers
SELECT * FROM sandbox_query_answers ORDER BY created_at, query_id;

-- name: sandbox_take_lane
-- A place in the overall lane (flood_wait 0, ticket), or a recorded refusal (see 0007).
SELECT * FROM sandbox_take_lane($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: sandbox_take_chat_send
-- In the send's transaction: 0 when counted, else the seconds the chat's limits ask.
SELECT sandbox_take_chat_send($1, $2, $3, $4, $5, $6, $7);

-- name: sandbox_give_back_lane
-- The send the ticket was for did not happen: its numbers count as long gone.
DELETE FROM sandbox_lane_sends WHERE lane = $1 AND lane_seq = $2;

-- name: sandbox_record_flood_wait
INSERT INTO sandbox_flood_waits (chat_id, messages, paid, seconds) VALUES ($1, $2, $3, $4);

-- name: sandbox_list_flood_waits
SELECT * FROM sandbox_flood_waits WHERE $1::bigint IS NULL OR chat_id = $1 ORDER BY id;

-- name: sandbox_list_chat_sent_times
-- One timestamp per message the chat's limits let through, oldest first.
SELECT s.at FROM sandbox_chat_sends s, generate_series(1, s.messages)
WHERE s.chat_id = $1 AND ($2::boolean IS NULL OR s.paid = $2)
ORDER BY s.chat_seq;

-- name: sandbox_list_lane_sent_times
-- One timestamp per message the overall lanes let through (and kept), oldest first.
SELECT s.at FROM sandbox_lane_sends s, generate_series(1, s.messages)
WHERE $1::boolean IS NULL OR (s.lane = 'paid') = $1
ORDER BY s.at, s.lane, s.lane_seq;

-- name: sandbox_prune_chat_sends
-- Rows older than every window decide nothing any more.
DELETE FROM sandbox_chat_sends WHERE at < clock_timestamp() - make_interval(secs => $1);

-- name: sandbox_prune_lane_sends
DELETE FROM sandbox_lane_sends WHERE at < clock_timestamp() - make_interval(secs => $1);

-- name: sandbox_prune_flood_waits
DELETE FROM sandbox_flood_waits WHERE at < clock_timestamp() - make_interval(secs => $1);
