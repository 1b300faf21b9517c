-- name: model_upsert_chat
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

-- name: model_get_chat
SELECT * FROM sandbox_chats WHERE id = $1;

-- name: model_get_chats
SELECT * FROM sandbox_chats WHERE id = any($1::bigint[]);

-- name: model_set_blocked
UPDATE sandbox_chats SET blocked = $2 WHERE id = $1;

-- name: model_set_deactivated
UPDATE sandbox_chats SET deactivated = $2 WHERE id = $1;

-- name: model_migrate_chat
-- A basic group is upgraded once; the row stays, naming the supergroup.
UPDATE sandbox_chats SET migrated_to = $2
WHERE id = $1 AND type = 'group' AND migrated_to IS NULL
RETURNING *;

-- name: model_skip_message_ids
-- An incoming message brings its own id; later ones must not reuse it.
UPDATE sandbox_chats SET next_message_id = greatest(next_message_id, $2 + 1) WHERE id = $1;

-- name: model_upsert_incoming_message
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

-- name: model_list_messages
SELECT * FROM sandbox_messages WHERE chat_id = $1 ORDER BY message_id;

-- name: model_list_thread_messages
SELECT * FROM sandbox_messages WHERE chat_id = $1 AND thread_id = $2 ORDER BY message_id;

-- name: model_delete_topic
UPDATE sandbox_topics SET deleted = true WHERE chat_id = $1 AND topic_id = $2;

-- name: model_delete_topic_messages
DELETE FROM sandbox_messages WHERE chat_id = $1 AND thread_id = $2;

-- name: model_list_topics
SELECT * FROM sandbox_topics WHERE chat_id = $1 ORDER BY topic_id;

-- name: model_insert_fault
INSERT INTO sandbox_faults (chat_id, method, error, value, remaining)
VALUES ($1, $2, $3, $4, $5);

-- name: model_list_query_answers
SELECT * FROM sandbox_query_answers ORDER BY created_at, query_id;

-- name: model_list_flood_waits
SELECT * FROM sandbox_flood_waits WHERE $1::bigint IS NULL OR chat_id = $1 ORDER BY id;

-- name: model_list_chat_sent_times
-- One timestamp per message the chat's limits let through, oldest first.
SELECT s.at FROM sandbox_chat_sends s, generate_series(1, s.messages)
WHERE s.chat_id = $1 AND ($2::boolean IS NULL OR s.paid = $2)
ORDER BY s.chat_seq;

-- name: model_list_lane_sent_times
-- One timestamp per message the overall lanes let through (and kept), oldest first.
SELECT s.at FROM sandbox_lane_sends s, generate_series(1, s.messages)
WHERE $1::boolean IS NULL OR (s.lane = 'paid') = $1
ORDER BY s.at, s.lane, s.lane_seq;

-- name: model_prune_chat_sends
-- Rows older than every window decide nothing any more.
DELETE FROM sandbox_chat_sends WHERE at < clock_timestamp() - make_interval(secs => $1);

-- name: model_prune_lane_sends
DELETE FROM sandbox_lane_sends WHERE at < clock_timestamp() - make_interval(secs => $1);

-- name: model_prune_flood_waits
DELETE FROM sandbox_flood_waits WHERE at < clock_timestamp() - make_interval(secs => $1);

-- name: model_insert_flaky
INSERT INTO sandbox_flaky_calls (chat_id, method, error, value, share, delay_ms, until)
VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7));

-- name: model_flaky_hits
SELECT error, sum(hits)::integer AS hits FROM sandbox_flaky_calls GROUP BY error ORDER BY error;
