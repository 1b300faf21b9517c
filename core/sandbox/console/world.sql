-- name: world_chats
SELECT c.id, c.type, c.title, c.first_name, c.last_name, c.username, c.language_code, c.is_forum,
       c.blocked, c.created_at, m.kind AS last_kind, m.text AS last_text, m.from_bot AS last_from_bot,
       m.created_at AS last_at
FROM sandbox_chats c
LEFT JOIN LATERAL (
    SELECT kind, text, from_bot, created_at FROM sandbox_messages
    WHERE chat_id = c.id AND kind <> 'service'
    ORDER BY message_id DESC LIMIT 1
) m ON true
WHERE c.type IN ('private', 'supergroup') AND c.migrated_to IS NULL AND NOT c.deactivated
ORDER BY c.type DESC, coalesce(m.created_at, c.created_at) DESC
LIMIT 300;

-- name: world_topics
SELECT t.chat_id, t.topic_id, t.name, t.icon_color, t.closed, m.kind AS last_kind, m.text AS last_text,
       m.from_bot AS last_from_bot, m.created_at AS last_at
FROM sandbox_topics t
LEFT JOIN LATERAL (
    SELECT kind, text, from_bot, created_at FROM sandbox_messages
    WHERE chat_id = t.chat_id AND thread_id = t.topic_id AND kind <> 'service'
    ORDER BY message_id DESC LIMIT 1
) m ON true
WHERE t.chat_id = $1 AND NOT t.deleted
ORDER BY coalesce(m.created_at, t.created_at) DESC;

-- name: world_messages
-- $2 NULL: a private chat, or a group's General topic (messages in no topic).
SELECT * FROM sandbox_messages
WHERE chat_id = $1 AND thread_id IS NOT DISTINCT FROM $2::integer
  AND ($3::integer IS NULL OR message_id < $3)
ORDER BY message_id DESC
LIMIT $4;

-- name: world_message
SELECT * FROM sandbox_messages WHERE chat_id = $1 AND message_id = $2;

-- name: world_people
-- A person's own profile (their private chat with the bot) first, else the bot's user row.
SELECT who.id, coalesce(c.first_name, u.first_name) AS first_name,
       CASE WHEN c.id IS NOT NULL THEN c.last_name ELSE u.last_name END AS last_name,
       coalesce(c.username, u.username) AS username
FROM unnest($1::bigint[]) AS who(id)
LEFT JOIN sandbox_chats c ON c.id = who.id AND c.type = 'private'
LEFT JOIN users u ON u.telegram_id = who.id;

-- name: world_answer
SELECT kind, query_id, ok, text, show_alert FROM sandbox_query_answers WHERE kind = $1 AND query_id = $2;

-- name: world_messages_by_id
SELECT * FROM sandbox_messages WHERE chat_id = $1 AND message_id = any($2::integer[]);

-- name: world_files_kept
SELECT file_unique_id FROM sandbox_files WHERE file_unique_id = any($1::text[]);
