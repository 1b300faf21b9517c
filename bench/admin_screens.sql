-- Queries of screens built on other branches (the user card, the Users list's
-- filters and sorts), written here as those screens will need them, so their
-- cost at a million users is known before they land. A list shows a page of
-- 8 and a count.

-- name: admin_screens_card_profile
SELECT u.*, coalesce(u.pass_expires_at > now(), false) AS pass_active, t.priority
FROM users u JOIN tiers t ON t.name = u.tier
WHERE u.telegram_id = $1;

-- name: admin_screens_card_spend
SELECT lower(currency) AS currency, sum(amount - amount_refunded) AS net, count(*) AS payments
FROM transactions
WHERE user_id = $1 AND status IN ('succeeded', 'refunded', 'partially_refunded', 'disputed')
GROUP BY lower(currency);

-- name: admin_screens_card_messages
SELECT count(*) AS messages FROM messages WHERE user_id = $1;

-- name: admin_screens_card_ledger
SELECT id, delta, balance_after, reason, created_at FROM credit_ledger
WHERE user_id = $1 ORDER BY id DESC LIMIT 5;

-- name: admin_screens_card_payments
SELECT id, rail, status, amount, currency, created_at FROM transactions
WHERE user_id = $1 ORDER BY created_at DESC LIMIT 5;

-- name: admin_screens_card_conversation
SELECT id, topic_id, status, last_user_message_at FROM conversations WHERE user_id = $1;

-- A filter's list: a page in the order its index keeps, and a count that
-- stops at 1,001 ("1,000+", as Search counts). The exact count of the larger
-- filters is timed too, to show what an uncapped count costs.

-- name: admin_screens_filter_tier_count
-- "tier <> 'free'" repeats the predicate of users_tier_idx: a prepared
-- statement's generic plan can use that partial index only if it says so.
SELECT count(*) FROM (SELECT 1 FROM users WHERE tier = $1 AND tier <> 'free' LIMIT 1001) AS found;

-- name: admin_screens_filter_tier_page
SELECT id, telegram_id, first_name FROM users WHERE tier = $1 AND tier <> 'free' ORDER BY id DESC LIMIT 8;

-- name: admin_screens_filter_tier_exact
SELECT count(*) FROM users WHERE tier = $1 AND tier <> 'free';

-- name: admin_screens_filter_banned_count
SELECT count(*) FROM (SELECT 1 FROM users WHERE is_banned LIMIT 1001) AS found;

-- name: admin_screens_filter_banned_page
SELECT id, telegram_id, first_name FROM users WHERE is_banned ORDER BY id DESC LIMIT 8;

-- name: admin_screens_filter_banned_exact
SELECT count(*) FROM users WHERE is_banned;

-- name: admin_screens_filter_pass_count
SELECT count(*) FROM (SELECT 1 FROM users WHERE pass_expires_at > now() LIMIT 1001) AS found;

-- name: admin_screens_filter_pass_page
-- Soonest to expire first.
SELECT id, telegram_id, first_name FROM users WHERE pass_expires_at > now() ORDER BY pass_expires_at LIMIT 8;

-- name: admin_screens_filter_pass_exact
SELECT count(*) FROM users WHERE pass_expires_at > now();

-- name: admin_screens_filter_balance_count
SELECT count(*) FROM (SELECT 1 FROM users WHERE credits < $1 LIMIT 1001) AS found;

-- name: admin_screens_filter_balance_page
SELECT id, telegram_id, first_name FROM users WHERE credits < $1 ORDER BY credits, id LIMIT 8;

-- name: admin_screens_filter_balance_exact
SELECT count(*) FROM users WHERE credits < $1;

-- name: admin_screens_filter_paid_count
SELECT count(*) FROM (SELECT 1 FROM users WHERE first_paid_at IS NOT NULL LIMIT 1001) AS found;

-- name: admin_screens_filter_paid_page
-- Who paid for the first time most recently first.
SELECT id, telegram_id, first_name FROM users WHERE first_paid_at IS NOT NULL
ORDER BY first_paid_at DESC LIMIT 8;

-- name: admin_screens_filter_paid_exact
SELECT count(*) FROM users WHERE first_paid_at IS NOT NULL;

-- name: admin_screens_filter_blocked_count
SELECT count(*) FROM (SELECT 1 FROM users WHERE blocked_bot_at IS NOT NULL LIMIT 1001) AS found;

-- name: admin_screens_filter_blocked_page
SELECT id, telegram_id, first_name FROM users WHERE blocked_bot_at IS NOT NULL
ORDER BY blocked_bot_at DESC LIMIT 8;

-- name: admin_screens_filter_blocked_exact
SELECT count(*) FROM users WHERE blocked_bot_at IS NOT NULL;

-- name: admin_screens_filter_joined_count
SELECT count(*) FROM (SELECT 1 FROM users WHERE created_at >= now() - make_interval(days => $1) LIMIT 1001)
    AS found;

-- name: admin_screens_filter_joined_page
SELECT id, telegram_id, first_name FROM users WHERE created_at >= now() - make_interval(days => $1)
ORDER BY created_at DESC LIMIT 8;

-- name: admin_screens_filter_joined_exact
SELECT count(*) FROM users WHERE created_at >= now() - make_interval(days => $1);

-- name: admin_screens_sort_last_seen
SELECT id, telegram_id, first_name, last_seen_at FROM users
ORDER BY last_seen_at DESC NULLS LAST, id DESC LIMIT 8 OFFSET $1;

-- name: admin_screens_sort_spend
SELECT id, telegram_id, first_name, spent_card_minor, spent_stars FROM users
ORDER BY spent_card_minor DESC, spent_stars DESC, id LIMIT 8 OFFSET $1;

-- name: admin_screens_samples_users
-- Random users, and heavy ones (the writers that write most).
SELECT u.telegram_id, u.username, u.first_name, u.last_name, u.stripe_customer_id, u.id
FROM users u
WHERE u.id IN (SELECT 1 + floor(random() * (SELECT max(id) FROM users))::bigint FROM generate_series(1, $1));

-- name: admin_screens_samples_heavy
SELECT user_id FROM messages GROUP BY user_id ORDER BY count(*) DESC LIMIT $1;

-- name: admin_screens_samples_payments
SELECT external_id, stripe_payment_intent, stripe_charge, stripe_invoice, rail, kind
FROM transactions
WHERE id IN (SELECT 1 + floor(random() * (SELECT max(id) FROM transactions))::bigint
             FROM generate_series(1, $1));

-- name: admin_screens_samples_edge
-- The message a ▶️ press $2 results deep into a word's matches starts after.
SELECT id FROM messages
WHERE to_tsvector('simple', coalesce(text, '')) @@ websearch_to_tsquery('simple', $1)
ORDER BY id DESC OFFSET $2 - 1 LIMIT 1;
