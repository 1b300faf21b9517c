-- Messages by their words, newest first. Every statement repeats the
-- expression of messages_text_search_idx word for word (any other and the
-- index is not used) and reads the operator's words with websearch_to_tsquery,
-- which accepts any text.

-- name: search_messages_shape
-- Whether the words make a query the text index can answer (not empty, as
-- only punctuation makes it, and not only exclusions: "-refund" would read
-- every message), and how many messages the planner expects to match.
SELECT numnode(q) > 0 AND querytree(q) <> 'T' AS searchable,
       CASE WHEN numnode(q) > 0 AND querytree(q) <> 'T' THEN admin_messages_estimate($1) ELSE 0 END AS estimate
FROM websearch_to_tsquery('simple', $1) AS q;

-- name: search_messages_ids
-- Up to $2 matches, in no order: all of them when there are fewer (the
-- screen then pages them itself), else proof that there are many. The
-- planner picks the text index, or for the commonest words a scan that stops
-- at the $2nd match.
SELECT id FROM messages
WHERE to_tsvector('simple', coalesce(text, '')) @@ websearch_to_tsquery('simple', $1)
LIMIT $2;

-- name: search_messages_older
-- A page of a common word, older than message $2: walking back from there
-- finds it after a few thousand messages at most.
SELECT id FROM messages
WHERE to_tsvector('simple', coalesce(text, '')) @@ websearch_to_tsquery('simple', $1) AND id < $2
ORDER BY id DESC
LIMIT $3;

-- name: search_messages_newer
SELECT id FROM messages
WHERE to_tsvector('simple', coalesce(text, '')) @@ websearch_to_tsquery('simple', $1) AND id > $2
ORDER BY id
LIMIT $3;

-- name: search_messages_indexed_older
-- A page of a word with more matches than are counted but not common: its
-- entries in the text index older than message $2 (a few thousand at most),
-- then the newest of them. Materialized, so that no plan walks the table.
WITH found AS MATERIALIZED (
    SELECT id FROM messages
    WHERE to_tsvector('simple', coalesce(text, '')) @@ websearch_to_tsquery('simple', $1) AND id < $2
)
SELECT id FROM found ORDER BY id DESC LIMIT $3;

-- name: search_messages_indexed_newer
WITH found AS MATERIALIZED (
    SELECT id FROM messages
    WHERE to_tsvector('simple', coalesce(text, '')) @@ websearch_to_tsquery('simple', $1) AND id > $2
)
SELECT id FROM found ORDER BY id LIMIT $3;

-- name: search_messages_show
-- The hits of a page, with their snippet. ts_headline returns the user's raw
-- text (not HTML) with the matches between two private-use marks, which the
-- screen turns into <b></b> after escaping the rest. It drops anything that
-- parses as an HTML tag or entity (a user's "<b>" would vanish), so < > &
-- travel as the control characters 1, 2 and 3 and come back on the screen;
-- the text's own marks and control characters 1-3 are removed first.
SELECT m.id, m.direction, m.created_at, m.admin_chat_id, m.admin_message_id, c.topic_id,
       u.telegram_id, u.first_name, u.last_name, u.username,
       ts_headline('simple',
                   translate(translate(coalesce(m.text, ''), chr(1) || chr(2) || chr(3) || chr(57344)
                                       || chr(57345), ''), '<>&', chr(1) || chr(2) || chr(3)),
                   websearch_to_tsquery('simple', $2),
                   'HighlightAll=true, StartSel=' || chr(57344) || ', StopSel=' || chr(57345)) AS snippet
FROM messages m
JOIN users u ON u.id = m.user_id
LEFT JOIN conversations c ON c.id = m.conversation_id
WHERE m.id = ANY ($1::bigint[])
ORDER BY m.id DESC;
