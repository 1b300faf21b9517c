-- name: tickets_page
-- One page of conversations with a topic, high priority first, then the
-- longest wait; those not waiting after, the latest message first.
SELECT c.id, c.user_id, u.telegram_id, u.first_name, u.last_name, u.username, u.tier,
       c.admin_chat_id, c.topic_id, c.status, c.unread_count, c.waiting_since, c.assignee_id,
       c.high_priority, c.closed_at, count(*) OVER () AS total
FROM conversations c JOIN users u ON u.id = c.user_id
WHERE c.topic_id IS NOT NULL
  AND CASE $1
        WHEN 'waiting' THEN c.waiting_since IS NOT NULL
        WHEN 'unread' THEN c.unread_count > 0 AND c.status <> 'closed'
        WHEN 'high' THEN c.high_priority AND c.status <> 'closed'
        WHEN 'mine' THEN c.assignee_id = $2 AND c.status <> 'closed'
        WHEN 'unassigned' THEN c.assignee_id IS NULL AND c.status <> 'closed'
        WHEN 'closed_today' THEN c.status = 'closed' AND c.closed_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        ELSE c.status <> 'closed'
      END
ORDER BY c.high_priority DESC, c.waiting_since NULLS LAST, c.last_user_message_at DESC NULLS LAST, c.id
LIMIT $3 OFFSET $4;

-- name: tickets_get
SELECT c.id, c.user_id, u.telegram_id, u.first_name, u.last_name, u.username, u.tier,
       c.admin_chat_id, c.topic_id, c.status, c.unread_count, c.waiting_since, c.assignee_id,
       c.high_priority, c.closed_at, 1::bigint AS total
FROM conversations c JOIN users u ON u.id = c.user_id
WHERE c.id = $1;

-- name: tickets_of_topic
SELECT id FROM conversations WHERE admin_chat_id = $1 AND topic_id = $2;

-- name: tickets_of_user
SELECT id FROM conversations WHERE user_id = $1 ORDER BY id LIMIT 1;

-- name: tickets_assign
-- Returns the assignee before, so the audit log says what changed.
UPDATE conversations c SET assignee_id = $2
FROM (SELECT id, assignee_id FROM conversations WHERE id = $1 FOR UPDATE) AS before
WHERE c.id = before.id
RETURNING before.assignee_id AS before;

-- name: tickets_set_priority
UPDATE conversations SET high_priority = $2 WHERE id = $1;

-- name: tickets_requeue_relays
-- The conversation's relays still waiting in the group's queue move with it.
UPDATE outbox SET priority = CASE WHEN $2 THEN priority + 1000 ELSE priority - 1000 END
WHERE method = 'relayToTopic' AND status = 'pending' AND (params ->> 'conversation_id')::bigint = $1
  AND (priority >= 1000) <> $2;

-- name: tickets_set_status
UPDATE conversations
SET status = $2, closed_at = CASE WHEN $2 = 'closed' THEN now() ELSE NULL END
WHERE id = $1;

-- name: tickets_is_operator
-- Who may be assigned a conversation: owners (configured) and operators who answer users.
SELECT $1 = ANY ($2::bigint[])
       OR EXISTS (SELECT 1 FROM operators WHERE telegram_id = $1 AND role IN ('owner', 'admin', 'agent'));

-- name: tickets_operator_names
-- How operators are named on screens and in signatures: their alias, else their first name.
SELECT o.telegram_id, coalesce(o.alias, u.first_name, o.telegram_id::text) AS name
FROM operators o LEFT JOIN users u ON u.telegram_id = o.telegram_id
WHERE o.telegram_id = ANY ($1::bigint[]);

-- name: tickets_response_days
-- First response p50/p90 (seconds) per day of the tickets opened since $1.
SELECT (opened_at AT TIME ZONE 'UTC')::date AS day, count(*) AS tickets,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - opened_at)) AS p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - opened_at)) AS p90,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - opened_at))
           FILTER (WHERE closed_at IS NOT NULL) AS resolution_p50
FROM desk_tickets
WHERE opened_at >= $1 AND first_response_at IS NOT NULL
GROUP BY 1 ORDER BY 1 DESC;

-- name: tickets_response_operators
SELECT first_response_by AS operator_id, count(*) AS tickets,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - opened_at)) AS p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - opened_at)) AS p90
FROM desk_tickets
WHERE opened_at >= $1 AND first_response_at IS NOT NULL AND first_response_by IS NOT NULL
GROUP BY 1 ORDER BY 2 DESC LIMIT 10;

-- name: tickets_of_conversation
-- The conversation's latest tickets: first response and resolution of each.
SELECT opened_at, first_response_at, first_response_by, closed_at FROM desk_tickets
WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2;

-- name: tickets_set_alias
-- How an operator signs replies (NULL: their first name). Owners configured by
-- id have no row: nothing is set for them.
UPDATE operators SET alias = $2, updated_at = now() WHERE telegram_id = $1 RETURNING telegram_id;
