-- Users and payments, one statement per key so each has a plan of its own
-- that uses its index (one statement with "$1 IS NULL OR ..." branches gets a
-- generic plan that uses none). Exact keys return every row (few); names and
-- amounts are counted up to a cap and read a page at a time, newest first.

-- name: search_records_users_by_telegram_id
SELECT telegram_id, first_name, last_name, username, credits, tier, is_banned, last_seen_at, first_paid_at
FROM users WHERE telegram_id = $1;

-- name: search_records_users_by_username
-- The few users with this name, found by users_username_idx first: ordered in
-- the same statement, the planner may walk an index in that order over every
-- user instead, looking for the name.
WITH named AS MATERIALIZED (
    SELECT telegram_id, first_name, last_name, username, credits, tier, is_banned, last_seen_at, first_paid_at
    FROM users WHERE lower(username) = $1
    LIMIT $2
)
SELECT * FROM named ORDER BY last_seen_at DESC NULLS LAST, telegram_id;

-- name: search_records_users_by_customer
SELECT telegram_id, first_name, last_name, username, credits, tier, is_banned, last_seen_at, first_paid_at
FROM users WHERE stripe_customer_id = $1;

-- name: search_records_users_by_name_count
-- The expression of users_name_search_idx, word for word: any other and the index is not used.
SELECT count(*) FROM (
    SELECT 1 FROM users
    WHERE to_tsvector('simple', coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' '
                                || coalesce(username, '')) @@ admin_prefix_tsquery($1)
    LIMIT $2
) AS found;

-- name: search_records_users_by_name
SELECT telegram_id, first_name, last_name, username, credits, tier, is_banned, last_seen_at, first_paid_at
FROM users
WHERE to_tsvector('simple', coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' '
                            || coalesce(username, '')) @@ admin_prefix_tsquery($1)
ORDER BY id DESC
LIMIT $2 OFFSET $3;

-- name: search_records_payments_by_id
-- Whichever of the provider's ids it is: each column has its own partial index.
SELECT t.id, t.rail, t.status, t.kind, t.amount, t.amount_refunded, t.currency, t.external_id,
       t.created_at, p.code AS product, u.telegram_id, u.first_name, u.last_name, u.username
FROM transactions t
LEFT JOIN users u ON u.id = t.user_id
LEFT JOIN products p ON p.id = t.product_id
WHERE t.external_id = $1 OR t.stripe_payment_intent = $1 OR t.stripe_charge = $1
   OR t.stripe_invoice = $1 OR t.stripe_subscription = $1
ORDER BY t.created_at DESC
LIMIT $2;

-- name: search_records_payments_by_amount_count
-- $2: a currency (lower case, 'xtr' for Stars), or NULL for any card currency.
SELECT count(*) FROM (
    SELECT 1 FROM transactions t
    WHERE t.amount = $1 AND (lower(t.currency) = $2 OR ($2 IS NULL AND t.rail <> 'stars'))
    LIMIT $3
) AS found;

-- name: search_records_payments_by_amount
SELECT t.id, t.rail, t.status, t.kind, t.amount, t.amount_refunded, t.currency, t.external_id,
       t.created_at, p.code AS product, u.telegram_id, u.first_name, u.last_name, u.username
FROM transactions t
LEFT JOIN users u ON u.id = t.user_id
LEFT JOIN products p ON p.id = t.product_id
WHERE t.amount = $1 AND (lower(t.currency) = $2 OR ($2 IS NULL AND t.rail <> 'stars'))
ORDER BY t.created_at DESC
LIMIT $3 OFFSET $4;
