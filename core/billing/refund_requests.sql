-- name: refund_requests_in_flight
-- What refunds asked for and not answered yet will take of the payment.
SELECT coalesce(sum(amount), 0) FROM refund_requests WHERE transaction_id = $1 AND status = 'requested';

-- name: refund_requests_balance
SELECT credits, pass_expires_at, now() AS now FROM users WHERE id = $1;

-- name: refund_requests_insert
INSERT INTO refund_requests (transaction_id, amount, currency, operator_id, chat_id, thread_id, cause, before)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (cause) DO NOTHING
RETURNING id;

-- name: refund_requests_open
SELECT r.id, r.transaction_id, r.amount, r.chat_id, r.thread_id, r.before, u.telegram_id
FROM refund_requests r
JOIN transactions t ON t.id = r.transaction_id
LEFT JOIN users u ON u.id = t.user_id
WHERE r.id = $1 AND r.status = 'requested';

-- name: refund_requests_lock
SELECT status FROM refund_requests WHERE id = $1 FOR UPDATE;

-- name: refund_requests_done
UPDATE refund_requests
SET status = $2, provider_refund_id = $3, failure = $4, completed_at = now()
WHERE id = $1;
