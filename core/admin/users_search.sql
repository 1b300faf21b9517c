-- The Users screen's list: one filter, three statements (a count and one per
-- sort). Each sort has its own statement so its ORDER BY matches an index
-- (users_seen_order_idx, users_spent_idx); the three WHERE clauses must stay
-- the same. Every filter is a parameter that is NULL or false when unused;
-- the caller plans them with the values (plan_cache_mode = force_custom_plan),
-- so an unused filter folds away and a used one reaches its partial index.
--
-- $1 the name words (text[], prefix-matched against users_name_search_idx),
-- $2 tier, $3 banned, $4 pass active, $5 balance under, $6 paid ever,
-- $7 blocked the bot, $8 joined within days.
--
-- Checked with EXPLAIN ANALYZE on 600,000 generated users: every filter and
-- both sorts read a page through users_seen_order_idx or users_spent_idx, or
-- the filter's own index (users_banned_idx, users_pass_idx, users_credits_idx,
-- users_first_paid_idx, users_blocked_idx, users_created_at_idx, users_tier_idx,
-- users_name_search_idx), in under 5 ms; the capped count in under 25 ms. The
-- slowest is a one-letter name prefix matching most users (about 0.25 s).

-- name: users_search_count
-- How many match, counted up to $9 (a million users are not counted on a screen).
SELECT count(*) FROM (
    SELECT 1 FROM users
    WHERE ($1::text[] IS NULL OR to_tsvector('simple', coalesce(first_name, '') || ' '
              || coalesce(last_name, '') || ' ' || coalesce(username, ''))
              @@ to_tsquery('simple', array_to_string($1::text[], ':* & ') || ':*'))
      AND ($2::text IS NULL OR tier = $2)
      AND (NOT $3::boolean OR is_banned)
      AND (NOT $4::boolean OR pass_expires_at > now())
      AND ($5::bigint IS NULL OR credits < $5)
      AND (NOT $6::boolean OR first_paid_at IS NOT NULL)
      AND (NOT $7::boolean OR blocked_bot_at IS NOT NULL)
      AND ($8::integer IS NULL OR created_at > now() - make_interval(days => $8))
    LIMIT $9
) AS matching;

-- name: users_search_by_seen
SELECT id, telegram_id, first_name, last_name, username, credits, tier, is_banned, pass_expires_at,
       blocked_bot_at, last_seen_at, spent_card_minor, spent_stars
FROM users
WHERE ($1::text[] IS NULL OR to_tsvector('simple', coalesce(first_name, '') || ' '
          || coalesce(last_name, '') || ' ' || coalesce(username, ''))
          @@ to_tsquery('simple', array_to_string($1::text[], ':* & ') || ':*'))
  AND ($2::text IS NULL OR tier = $2)
  AND (NOT $3::boolean OR is_banned)
  AND (NOT $4::boolean OR pass_expires_at > now())
  AND ($5::bigint IS NULL OR credits < $5)
  AND (NOT $6::boolean OR first_paid_at IS NOT NULL)
  AND (NOT $7::boolean OR blocked_bot_at IS NOT NULL)
  AND ($8::integer IS NULL OR created_at > now() - make_interval(days => $8))
ORDER BY last_seen_at DESC NULLS LAST, id DESC
LIMIT $9 OFFSET $10;

-- name: users_search_by_spend
SELECT id, telegram_id, first_name, last_name, username, credits, tier, is_banned, pass_expires_at,
       blocked_bot_at, last_seen_at, spent_card_minor, spent_stars
FROM users
WHERE ($1::text[] IS NULL OR to_tsvector('simple', coalesce(first_name, '') || ' '
          || coalesce(last_name, '') || ' ' || coalesce(username, ''))
          @@ to_tsquery('simple', array_to_string($1::text[], ':* & ') || ':*'))
  AND ($2::text IS NULL OR tier = $2)
  AND (NOT $3::boolean OR is_banned)
  AND (NOT $4::boolean OR pass_expires_at > now())
  AND ($5::bigint IS NULL OR credits < $5)
  AND (NOT $6::boolean OR first_paid_at IS NOT NULL)
  AND (NOT $7::boolean OR blocked_bot_at IS NOT NULL)
  AND ($8::integer IS NULL OR created_at > now() - make_interval(days => $8))
ORDER BY spent_card_minor DESC, spent_stars DESC, id
LIMIT $9 OFFSET $10;

-- name: users_search_custom_plans
-- For the rest of the transaction: plan each statement with its values (see above).
SET LOCAL plan_cache_mode = force_custom_plan;

-- name: users_search_by_telegram_id
SELECT id FROM users WHERE telegram_id = $1;

-- name: users_search_by_username
SELECT id FROM users WHERE lower(username) = lower($1) AND username IS NOT NULL
ORDER BY last_seen_at DESC NULLS LAST LIMIT 1;

-- name: users_search_by_customer
SELECT id FROM users WHERE stripe_customer_id = $1;

-- name: users_search_remember
INSERT INTO admin_user_searches (operator_id, text) VALUES ($1, $2)
ON CONFLICT (operator_id, text) DO UPDATE SET created_at = now()
RETURNING id;

-- name: users_search_recall
SELECT text FROM admin_user_searches WHERE id = $1;

-- name: users_search_tiers
SELECT name FROM tiers ORDER BY priority, name;
