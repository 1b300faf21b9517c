-- name: exports_users
SELECT u.telegram_id, u.username, u.first_name, u.last_name, coalesce(u.language, u.language_code) AS language,
       u.credits, u.tier, u.pass_expires_at, u.is_banned, u.blocked_bot_at, u.first_paid_at,
       u.spent_card_minor, u.spent_stars, u.created_at, u.last_seen_at
FROM users u
ORDER BY u.id;

-- name: exports_payments
SELECT t.id, t.created_at, t.updated_at, u.telegram_id, t.rail, t.kind, t.status, t.amount, t.currency,
       t.credits, p.code AS product, t.external_id, t.amount_refunded, t.credits_revoked
FROM transactions t
LEFT JOIN users u ON u.id = t.user_id
LEFT JOIN products p ON p.id = t.product_id
ORDER BY t.id;

-- name: exports_ledger
SELECT l.id, l.created_at, u.telegram_id, l.delta, l.balance_after, l.reason, l.idempotency_key,
       l.transaction_id
FROM credit_ledger l
JOIN users u ON u.id = l.user_id
ORDER BY l.id;
