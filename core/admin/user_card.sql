-- name: user_card_profile
SELECT u.id, u.telegram_id, u.first_name, u.last_name, u.username,
       coalesce(u.language, u.language_code) AS language, u.credits, u.tier, u.pass_expires_at,
       u.pass_expires_at > now() AS pass_active, u.is_banned, u.ban_reason, u.banned_at, u.blocked_bot_at,
       u.created_at, u.last_seen_at, u.stripe_customer_id,
       (SELECT count(*) FROM messages m WHERE m.user_id = u.id AND m.direction = 'in') AS messages_sent,
       c.admin_chat_id, c.topic_id
FROM users u
LEFT JOIN LATERAL (
    SELECT admin_chat_id, topic_id FROM conversations
    WHERE user_id = u.id AND topic_id IS NOT NULL
    ORDER BY id DESC LIMIT 1
) c ON true
WHERE u.id = $1;

-- name: user_card_spend
-- What the user paid, per currency (Stars are XTR), net of refunds.
SELECT currency, sum(amount - amount_refunded) AS net
FROM transactions
WHERE user_id = $1 AND status IN ('succeeded', 'refunded', 'partially_refunded', 'disputed')
GROUP BY currency
ORDER BY upper(currency) = 'XTR', currency;  -- card currencies, then Stars

-- name: user_card_ledger
SELECT delta, balance_after, reason, created_at FROM credit_ledger
WHERE user_id = $1 ORDER BY id DESC LIMIT $2;

-- name: user_card_notes
-- The operators' internal notes in the user's topic (the desk lists the last ones).
SELECT text, created_at FROM messages WHERE user_id = $1 AND direction = 'note' ORDER BY id DESC LIMIT $2;

-- name: user_card_payments
SELECT id, rail, status, amount, amount_refunded, currency, created_at FROM transactions
WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2;
