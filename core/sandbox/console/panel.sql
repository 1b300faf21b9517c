-- name: panel_user
SELECT u.*, coalesce(u.language, u.language_code) AS shown_language FROM users u WHERE telegram_id = $1;

-- name: panel_sends
SELECT id, method, status, attempts, last_error, created_at, sent_at FROM outbox
WHERE chat_id = $1 ORDER BY id DESC LIMIT $2;

-- name: panel_budgets
-- The refill as take_send_slot computes it; blocked_until is a flood wait in force.
SELECT k.key, coalesce(b.burst, k.burst) AS burst, coalesce(b.rate, k.rate) AS rate,
       CASE WHEN b.key IS NULL THEN k.burst
            ELSE least(b.burst, b.tokens + b.rate * extract(epoch FROM clock_timestamp() - b.updated_at))
       END AS available,
       CASE WHEN b.blocked_until > clock_timestamp() THEN b.blocked_until END AS blocked_until
FROM unnest($1::text[], $2::float8[], $3::float8[]) WITH ORDINALITY AS k(key, burst, rate, n)
LEFT JOIN send_budgets b ON b.key = k.key
ORDER BY k.n;

-- name: panel_topic_user
-- The customer whose conversation lives in the topic.
SELECT u.telegram_id FROM conversations c JOIN users u ON u.id = c.user_id
WHERE c.admin_chat_id = $1 AND c.topic_id = $2
ORDER BY c.id DESC LIMIT 1;
