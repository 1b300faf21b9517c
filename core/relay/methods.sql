-- name: methods_topics
-- Where the conversations of a batch of relays stand, when it is claimed.
SELECT id, topic_id, status FROM conversations WHERE id = ANY ($1::bigint[]);

-- name: methods_messages_relayed_among
-- Of a relay's messages, those an earlier try of it recorded as relayed.
SELECT coalesce(array_agg(id), '{}') FROM messages WHERE id = ANY ($1::bigint[]) AND status = 'relayed';

-- name: methods_relay_recorded
-- The relayed messages' ids in the topic, and what the confirmation says.
WITH relayed AS (
    UPDATE messages AS m
    SET status = 'relayed', admin_chat_id = $2, admin_message_id = x.admin_message_id, relayed_at = now()
    FROM unnest($1::bigint[], $3::int[]) AS x(id, admin_message_id)
    WHERE m.id = x.id
)
SELECT credits, coalesce(pass_expires_at > now(), false) AS pass_active, language, language_code
FROM users WHERE telegram_id = $4;
