-- name: quick_replies_get
SELECT id, name, category, text, entities, media_kind, media_file_id FROM quick_replies WHERE name = $1;

-- name: quick_replies_by_id
SELECT id, name, category, text, entities, media_kind, media_file_id FROM quick_replies WHERE id = $1;

-- name: quick_replies_save
-- Returns the text before (NULL: the reply is new), for the audit log.
WITH before AS (SELECT text FROM quick_replies WHERE name = $1)
INSERT INTO quick_replies (name, category, text, entities, media_kind, media_file_id, created_by, updated_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
ON CONFLICT (name) DO UPDATE
SET category = EXCLUDED.category, text = EXCLUDED.text, entities = EXCLUDED.entities,
    media_kind = EXCLUDED.media_kind, media_file_id = EXCLUDED.media_file_id,
    updated_by = EXCLUDED.updated_by, updated_at = now()
RETURNING id, (SELECT text FROM before) AS before;

-- name: quick_replies_delete
DELETE FROM quick_replies WHERE name = $1 RETURNING id, text;

-- name: quick_replies_categories
SELECT category, count(*) AS replies FROM quick_replies GROUP BY category ORDER BY category;

-- name: quick_replies_in_category
-- A category's replies with their use, all operators together.
SELECT r.id, r.name, r.category, r.text, r.entities, r.media_kind, r.media_file_id,
       coalesce((SELECT sum(uses) FROM quick_reply_usage u WHERE u.reply_id = r.id), 0)::bigint AS uses,
       count(*) OVER () AS total
FROM quick_replies r
WHERE $1::text IS NULL OR r.category = $1
ORDER BY r.name
LIMIT $2 OFFSET $3;

-- name: quick_replies_matching
-- Inline mode: replies whose name or text contains what the operator typed.
SELECT id, name, category, text, entities, media_kind, media_file_id FROM quick_replies
WHERE $1 = '' OR strpos(name, lower($1)) > 0 OR strpos(lower(text), lower($1)) > 0
ORDER BY strpos(name, lower($1)) = 0, name
LIMIT $2;

-- name: quick_replies_used
INSERT INTO quick_reply_usage AS u (reply_id, operator_id, uses) VALUES ($1, $2, 1)
ON CONFLICT (reply_id, operator_id) DO UPDATE SET uses = u.uses + 1, last_used_at = now();

-- name: quick_replies_usage_by_operator
SELECT u.operator_id, sum(u.uses)::bigint AS uses FROM quick_reply_usage u
GROUP BY u.operator_id ORDER BY 2 DESC LIMIT $1;

-- name: quick_replies_all
SELECT name, category, text, entities, media_kind, media_file_id FROM quick_replies ORDER BY name;

-- name: quick_replies_variables
-- What a reply's variables stand for, for one user.
SELECT telegram_id, is_banned, blocked_bot_at, first_name, last_name, credits, tier,
       CASE WHEN pass_expires_at > now() THEN pass_expires_at END AS pass_until
FROM users WHERE id = $1;

-- name: quick_replies_record_sent
-- The reply is the operator's own message in the conversation: it answers the
-- user's wait like a typed reply (first response, unread count).
WITH sent AS (
    INSERT INTO messages (user_id, conversation_id, direction, status, admin_chat_id, kind, text, operator_id,
                          relayed_at)
    VALUES ($1, $2, 'out', 'relayed', $3, 'text', $4, $5, now())
    RETURNING id
)
UPDATE conversations
SET status = 'waiting_user', unread_count = 0, last_operator_message_at = now(),
    first_response_at = coalesce(first_response_at, now())
WHERE id = $2
RETURNING (SELECT id FROM sent);
