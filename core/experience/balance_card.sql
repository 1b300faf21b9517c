-- name: balance_card_usage
-- A user's message debits in the last $2 days, and their highest balance then.
SELECT count(*) FILTER (WHERE reason = 'message') AS messages,
       coalesce(-sum(delta) FILTER (WHERE reason = 'message'), 0)::bigint AS credits_spent,
       min(created_at) FILTER (WHERE reason = 'message') AS first_message_at,
       coalesce(max(balance_after), 0)::bigint AS peak
FROM credit_ledger
WHERE user_id = $1 AND created_at > now() - make_interval(days => $2);

-- name: balance_card_credit_packs
SELECT code, name, credits, stripe_amount, stripe_currency, stars_amount
FROM products
WHERE active AND NOT hidden AND kind = 'credits' AND credits > 0
ORDER BY credits, sort;
