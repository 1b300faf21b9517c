-- name: actions_lock_chat
SELECT * FROM sandbox_chats WHERE id = $1 FOR UPDATE;

-- name: actions_take_message_ids
-- Reserves $2 consecutive ids and returns the first.
UPDATE sandbox_chats SET next_message_id = next_message_id + $2
WHERE id = $1
RETURNING next_message_id - $2 AS first_id;

-- name: actions_insert_message
INSERT INTO sandbox_messages (
    chat_id, message_id, thread_id, from_bot, sender_id, kind, text, entities,
    reply_markup, reply_to_message_id, media_group_id, extra, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, coalesce($13, now()))
RETURNING *;

-- name: actions_get_message
SELECT * FROM sandbox_messages WHERE chat_id = $1 AND message_id = $2;

-- name: actions_get_messages_by_id
SELECT * FROM sandbox_messages WHERE chat_id = $1 AND message_id = any($2::integer[]);

-- name: actions_get_private_messages_by_id
-- The newest private message with each id (messages.getMessages names no chat).
SELECT DISTINCT ON (message_id) * FROM sandbox_messages
WHERE chat_id > 0 AND message_id = any($1::integer[])
ORDER BY message_id, created_at DESC;

-- name: actions_edit_message
UPDATE sandbox_messages
SET text = $3, entities = $4, reply_markup = $5, edited_at = now()
WHERE chat_id = $1 AND message_id = $2
RETURNING *;

-- name: actions_insert_topic
INSERT INTO sandbox_topics (chat_id, topic_id, name, icon_color)
VALUES ($1, $2, $3, $4)
ON CONFLICT (chat_id, topic_id) DO NOTHING
RETURNING *;

-- name: actions_get_topic
SELECT * FROM sandbox_topics WHERE chat_id = $1 AND topic_id = $2;

-- name: actions_update_topic
UPDATE sandbox_topics SET name = $3, closed = $4
WHERE chat_id = $1 AND topic_id = $2
RETURNING *;

-- name: actions_take_fault
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

-- name: actions_record_query_answer
-- Returns nothing when the query was answered before.
INSERT INTO sandbox_query_answers (kind, query_id, ok, text, show_alert, results)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (kind, query_id) DO NOTHING
RETURNING query_id;

-- name: actions_cached_media
-- The newest message holding the file: what sending it again by its id sends.
SELECT kind, extra FROM sandbox_messages
WHERE kind IN ('photo', 'document', 'video', 'voice', 'audio', 'animation', 'sticker', 'video_note')
  AND strpos(extra::text, $1) > 0
ORDER BY created_at DESC
LIMIT 1;

-- name: actions_file_content
-- Bytes of a file people attached (the console keeps them).
SELECT substring(content FROM $2 + 1 FOR $3) AS part FROM sandbox_files WHERE file_unique_id = $1;

-- name: actions_take_flaky
-- A flaky share failing this call, if its dice say so (see sandbox_flaky_calls).
UPDATE sandbox_flaky_calls SET hits = hits + 1
WHERE id = (
    SELECT id FROM sandbox_flaky_calls
    WHERE until > now()
      AND (chat_id IS NULL OR chat_id = $1)
      AND (method IS NULL OR method = $2)
      AND random() < share
    ORDER BY id
    LIMIT 1)
RETURNING error, value, delay_ms;

-- name: actions_random_ids
-- How many of the send's random ids are new (recorded now); fewer than given: a repeat.
WITH added AS (
    INSERT INTO sandbox_random_ids (random_id, chat_id)
    SELECT DISTINCT r, $2::bigint FROM unnest($1::bigint[]) AS r
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM added;
