-- name: sweep_dirty_status
-- Conversations whose topic title may be out of date, claimed for this sweep.
UPDATE conversations c SET status_dirty = false
FROM (SELECT id FROM conversations WHERE status_dirty ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) d,
     users u
WHERE c.id = d.id AND u.id = c.user_id
RETURNING c.id, c.admin_chat_id, c.topic_id, c.status, c.waiting_since IS NOT NULL AS waiting,
          c.topic_title_sent, u.first_name, u.last_name, u.username, u.telegram_id,
          EXISTS (SELECT 1 FROM desk_tickets t WHERE t.conversation_id = c.id AND t.closed_at IS NULL
                                                 AND t.first_response_at IS NOT NULL)
          OR (c.first_response_at IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM desk_tickets t WHERE t.conversation_id = c.id AND t.closed_at IS NULL))
              AS answered_before;

-- name: sweep_title_sent
UPDATE conversations SET topic_title_sent = $2 WHERE id = $1;

-- name: sweep_dirty_cards
UPDATE conversations c SET card_dirty = false
FROM (SELECT id FROM conversations WHERE card_dirty ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) d,
     users u
WHERE c.id = d.id AND u.id = c.user_id
RETURNING c.id, c.admin_chat_id, c.topic_id, c.card_message_id, u.first_name, u.last_name, u.username,
          u.telegram_id, u.credits, u.tier, u.created_at, u.language_code, u.is_banned,
          CASE WHEN u.pass_expires_at > now() THEN u.pass_expires_at END AS pass_expires_at,
          u.spent_card_minor, u.spent_stars;

-- name: sweep_overdue
-- Conversations waiting past the SLA and not alerted yet, claimed: one alert each.
UPDATE conversations c SET sla_alerted_at = now()
FROM (SELECT id FROM conversations
      WHERE waiting_since IS NOT NULL AND sla_alerted_at IS NULL
        AND waiting_since < now() - make_interval(mins => $1) AND topic_id IS NOT NULL
      ORDER BY waiting_since LIMIT $2 FOR UPDATE SKIP LOCKED) d,
     users u
WHERE c.id = d.id AND u.id = c.user_id
RETURNING c.id, c.admin_chat_id, c.topic_id, c.waiting_since, c.assignee_id, u.first_name, u.last_name,
          u.username, u.telegram_id;
