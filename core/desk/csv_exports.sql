-- The raw tables behind the screens, as CSV rows in id order.

-- name: csv_exports_count_users
SELECT count(*) FROM users;

-- name: csv_exports_users
SELECT u.id, u.telegram_id, u.username, u.first_name, u.last_name, u.language_code, u.credits, u.tier,
       u.is_banned, u.created_at, u.first_paid_at, u.pass_expires_at
FROM users u ORDER BY u.id;

-- name: csv_exports_count_payments
SELECT count(*) FROM transactions;

-- name: csv_exports_payments
SELECT t.id, u.telegram_id, t.rail, t.status, t.amount, t.currency, t.credits, t.product_id, t.created_at,
       t.updated_at
FROM transactions t LEFT JOIN users u ON u.id = t.user_id ORDER BY t.id;

-- name: csv_exports_count_conversations
SELECT count(*) FROM desk_tickets;

-- name: csv_exports_conversations
-- Every ticket with its response and resolution times (seconds).
SELECT t.id AS ticket_id, t.conversation_id, u.telegram_id, t.opened_at, t.first_response_at,
       t.first_response_by, extract(epoch FROM t.first_response_at - t.opened_at)::bigint AS first_response_seconds,
       t.closed_at, extract(epoch FROM t.closed_at - t.opened_at)::bigint AS resolution_seconds,
       c.assignee_id, c.high_priority
FROM desk_tickets t JOIN conversations c ON c.id = t.conversation_id JOIN users u ON u.id = t.user_id
ORDER BY t.id;

-- name: csv_exports_progress_message
-- The progress message's id once it was delivered.
SELECT (result ->> 'message_id')::integer FROM outbox WHERE id = $1 AND status = 'sent';
