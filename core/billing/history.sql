-- name: history_summary
SELECT u.credits, CASE WHEN u.pass_expires_at > now() THEN u.pass_expires_at END AS pass_until,
       u.created_at, now() AS now,
       (SELECT coalesce(sum(delta), 0) FROM credit_ledger
        WHERE user_id = u.id AND reason IN ('purchase', 'auto_recharge')) AS bought,
       (SELECT coalesce(-sum(delta), 0) FROM credit_ledger
        WHERE user_id = u.id AND reason IN ('message', 'relay_failed_refund')) AS spent,
       (SELECT count(*) FROM messages
        WHERE user_id = u.id AND direction = 'in' AND status IN ('queued', 'relayed')) AS messages_sent,
       (SELECT min(created_at) FROM messages WHERE user_id = u.id AND direction = 'in') AS first_message_at
FROM users u WHERE u.id = $1;

-- name: history_paid
-- What the user paid per currency, net of refunds (Stars in XTR).
SELECT lower(currency) AS currency, sum(amount - least(amount_refunded, amount))::bigint AS net
FROM transactions
WHERE user_id = $1 AND status IN ('succeeded', 'partially_refunded', 'refunded', 'disputed')
GROUP BY lower(currency)
ORDER BY lower(currency);

-- name: history_entries
SELECT * FROM (
    SELECT l.created_at, l.id, 'credits' AS kind, l.delta AS change, l.balance_after, l.reason,
           t.id AS transaction_id, t.rail, t.amount, t.currency, t.external_id
    FROM credit_ledger l LEFT JOIN transactions t ON t.id = l.transaction_id
    WHERE l.user_id = $1
    UNION ALL
    SELECT g.created_at, g.id, 'pass', g.seconds, NULL, g.reason,
           t.id, t.rail, t.amount, t.currency, t.external_id
    FROM pass_grants g LEFT JOIN transactions t ON t.id = g.transaction_id
    WHERE g.user_id = $1
) h
ORDER BY created_at DESC, kind, id DESC
LIMIT $2 OFFSET $3;

-- name: history_export_done
SELECT EXISTS (SELECT 1 FROM processed_updates WHERE source = 'internal' AND key = $1);

-- name: history_telegram_id
SELECT telegram_id FROM users WHERE id = $1;
