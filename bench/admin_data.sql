-- The admin benchmark's data, generated in Postgres (bench/admin.py runs these
-- in order). Random values are drawn in an inner subquery (volatile, so never
-- flattened) and used several times per row. Skew: users are picked by
-- 1 + floor(N * random()^k), so low numbers (shuffled over the users) write a
-- large share and most write a few messages.

-- name: admin_data_users
-- Joined over two years, more of them lately; ids grow with the join date.
INSERT INTO users (telegram_id, username, first_name, last_name, language_code, language, credits,
                   pass_expires_at, is_banned, banned_at, ban_reason, blocked_bot_at, created_at,
                   updated_at, last_seen_at)
SELECT 5000000000 + s.g * 7,
       CASE WHEN s.a < 0.6 THEN lower(s.first) || '_' || lower(coalesce(s.last, 'x')) || (s.g % 997) END,
       s.first, s.last, s.lang, CASE WHEN s.b < 0.1 THEN split_part(s.lang, '-', 1) END,
       floor(power(s.c, 3) * 200)::int,
       CASE WHEN s.d < 0.02 THEN now() + s.e * interval '20 days'
            WHEN s.d < 0.06 THEN s.created + s.e * (now() - s.created) END,
       s.d > 0.995, CASE WHEN s.d > 0.995 THEN now() - s.e * interval '90 days' END,
       CASE WHEN s.d > 0.995 THEN 'spam' END,
       CASE WHEN s.b > 0.96 THEN s.created + s.c * (now() - s.created) END,
       s.created, s.created,
       greatest(s.created, CASE WHEN s.f < 0.025 THEN now() - s.e * interval '24 hours'
                                WHEN s.f < 0.13 THEN now() - interval '1 day' - s.e * interval '6 days'
                                ELSE s.created + s.e * greatest(now() - interval '7 days' - s.created,
                                                                interval '0') END)
FROM (
    SELECT g, random() AS a, random() AS b, random() AS c, random() AS d, random() AS e, random() AS f,
           ($2::text[])[1 + floor(random() * array_length($2::text[], 1))::int] AS first,
           CASE WHEN random() < 0.7 THEN ($3::text[])[1 + floor(random() * array_length($3::text[], 1))::int]
           END AS last,
           (ARRAY['pt-br', 'es', 'uk', 'en', 'en', 'pt-br', 'es', 'ru'])[1 + floor(random() * 8)::int] AS lang,
           now() - interval '730 days' * (1 - power(g::float8 / $1, 0.7)) - random() * interval '10 minutes'
               AS created
    FROM generate_series(1, $1) AS g
) s;

-- name: admin_data_conversations
-- A topic for most users who ever wrote; few wait for an answer at a time.
INSERT INTO conversations (user_id, admin_chat_id, topic_id, status, unread_count, created_at)
SELECT s.id, $1, (row_number() OVER (ORDER BY s.id))::int + 1,
       CASE WHEN s.r < 0.03 THEN 'waiting_operator' WHEN s.r < 0.30 THEN 'waiting_user'
            WHEN s.r < 0.45 THEN 'open' ELSE 'closed' END,
       CASE WHEN s.r < 0.03 THEN 1 + floor(s.r * 100)::int ELSE 0 END,
       s.created_at
FROM (SELECT id, created_at, random() AS r FROM users WHERE random() < $2) s;

-- name: admin_data_writers
CREATE TEMP TABLE bench_writers AS
SELECT row_number() OVER (ORDER BY random()) AS n, c.id AS conversation_id, c.user_id, u.created_at
FROM conversations c JOIN users u ON u.id = c.user_id;

-- name: admin_data_messages
-- $1 messages, $2 vocabulary (most common first), $3 writers, $4 admin chat,
-- $5 rare words, $6 every how many messages each rare word is planted,
-- $7 every how many messages the phrase is planted, $8 the phrase.
INSERT INTO messages (user_id, conversation_id, direction, status, user_message_id, admin_chat_id,
                      admin_message_id, kind, text, credits_charged, operator_id, created_at, relayed_at)
SELECT w.user_id, w.conversation_id, s.direction,
       CASE WHEN s.direction <> 'in' OR s.r > 0.03 THEN 'relayed'
            WHEN s.r < 0.01 THEN 'held' WHEN s.r < 0.02 THEN 'failed' ELSE 'refused' END,
       CASE WHEN s.direction = 'in' THEN s.g END,
       $4, CASE WHEN s.direction <> 'in' OR s.r > 0.03 THEN s.g END,
       CASE WHEN s.r > 0.95 THEN 'photo' ELSE 'text' END,
       CASE WHEN s.r > 0.98 THEN NULL ELSE s.text END,
       CASE WHEN s.direction = 'in' THEN 1 ELSE 0 END,
       CASE WHEN s.direction <> 'in' THEN 1000001 END,
       w.created_at + power(s.t, 0.8) * (now() - w.created_at),
       CASE WHEN s.direction <> 'in' OR s.r > 0.03
            THEN w.created_at + power(s.t, 0.8) * (now() - w.created_at) + interval '2 seconds' END
FROM (
    SELECT g, 1 + floor($3 * power(random(), 3))::bigint AS n, random() AS r, random() AS t,
           CASE WHEN random() < 0.78 THEN 'in' WHEN random() < 0.86 THEN 'out' ELSE 'note' END AS direction,
           (SELECT string_agg(($2::text[])[1 + floor(power(random(), 2.2) * array_length($2::text[], 1))::int],
                              ' ')
            FROM generate_series(1, 2 + (g % 12)::int))
           || coalesce((SELECT string_agg(' ' || rare, '') FROM unnest($5::text[], $6::bigint[]) AS x(rare, every)
                        WHERE g % every = 17), '')
           || CASE WHEN g % $7 = 5 THEN ' ' || $8 ELSE '' END AS text
    FROM generate_series(1, $1) AS g
) s
JOIN bench_writers w ON w.n = s.n;

-- name: admin_data_conversation_times
UPDATE conversations c
SET last_user_message_at = CASE WHEN c.status = 'waiting_operator'
                                THEN now() - power(random(), 3) * interval '5 days' ELSE x.last_in END,
    last_operator_message_at = x.last_out,
    first_response_at = x.first_out
FROM (SELECT conversation_id, max(created_at) FILTER (WHERE direction = 'in') AS last_in,
             max(created_at) FILTER (WHERE direction = 'out') AS last_out,
             min(created_at) FILTER (WHERE direction = 'out') AS first_out
      FROM messages GROUP BY conversation_id) x
WHERE x.conversation_id = c.id;

-- name: admin_data_payers
CREATE TEMP TABLE bench_payers AS
SELECT row_number() OVER (ORDER BY random()) AS n, id AS user_id, created_at
FROM users WHERE random() < $1;

-- name: admin_data_transactions
-- Products 1-7 of the seed; 72% card in dollars, 6% in euros, 22% Stars.
INSERT INTO transactions (user_id, product_id, rail, kind, status, amount, currency, credits, pass_days,
                          external_id, idempotency_key, stripe_payment_intent, stripe_charge,
                          stripe_subscription, stripe_invoice, amount_refunded, created_at, updated_at)
SELECT x.user_id, x.product, x.rail, x.kind, x.status, x.amount, x.currency, x.credits, x.pass_days,
       CASE WHEN x.rail = 'stars' THEN 'stx' || md5(x.g::text)
            WHEN x.kind = 'auto_recharge' THEN 'pi_' || substr(md5(x.g || 'pi'), 1, 24)
            WHEN x.kind = 'renewal' THEN 'in_' || substr(md5(x.g || 'in'), 1, 24)
            ELSE 'cs_live_' || md5(x.g::text) END,
       'bench:tx:' || x.g,
       CASE WHEN x.rail = 'stripe' AND x.status NOT IN ('pending', 'canceled')
            THEN 'pi_' || substr(md5(x.g || 'pi'), 1, 24) END,
       CASE WHEN x.rail = 'stripe' AND x.status NOT IN ('pending', 'canceled', 'failed')
            THEN 'ch_' || substr(md5(x.g || 'ch'), 1, 24) END,
       CASE WHEN x.kind IN ('subscription', 'renewal') THEN 'sub_' || substr(md5(x.user_id::text), 1, 14) END,
       CASE WHEN x.kind IN ('subscription', 'renewal') THEN 'in_' || substr(md5(x.g || 'in'), 1, 24) END,
       CASE WHEN x.status = 'refunded' THEN x.amount WHEN x.status = 'partially_refunded' THEN x.amount / 2
            ELSE 0 END,
       x.created_at, x.created_at
FROM (
    SELECT s.g, p.user_id, s.product, pr.credits, pr.pass_days,
           CASE WHEN s.r_rail < 0.78 THEN 'stripe' ELSE 'stars' END AS rail,
           CASE WHEN s.r_rail < 0.72 THEN 'usd' WHEN s.r_rail < 0.78 THEN 'eur' ELSE 'XTR' END AS currency,
           CASE WHEN s.r_rail < 0.78 THEN pr.stripe_amount ELSE pr.stars_amount END AS amount,
           CASE WHEN s.r_status < 0.86 THEN 'succeeded' WHEN s.r_status < 0.90 THEN 'failed'
                WHEN s.r_status < 0.92 THEN 'pending' WHEN s.r_status < 0.93 THEN 'canceled'
                WHEN s.r_status < 0.96 THEN 'refunded' WHEN s.r_status < 0.985 THEN 'partially_refunded'
                ELSE 'disputed' END AS status,
           CASE WHEN pr.recurring AND s.r_rail < 0.78 THEN (CASE WHEN s.r_kind < 0.3 THEN 'subscription'
                                                                 ELSE 'renewal' END)
                WHEN s.r_kind < 0.05 AND s.r_rail < 0.78 AND s.r_status >= 0.92 THEN 'auto_recharge'
                ELSE 'purchase' END AS kind,
           p.created_at + s.t * (now() - p.created_at) AS created_at
    FROM (SELECT g, 1 + floor($2 * power(random(), 2.5))::bigint AS n, 1 + floor(random() * 7)::int AS product,
                 random() AS r_rail, random() AS r_status, random() AS r_kind, random() AS t
          FROM generate_series(1, $1) AS g) s
    JOIN bench_payers p ON p.n = s.n
    JOIN products pr ON pr.id = s.product
) x;

-- name: admin_data_spending
-- What the trigger on transactions keeps (it is off while generating), a
-- Stripe customer for card payers, and their tier.
UPDATE users u
SET spent_card_minor = s.card, spent_stars = s.stars, first_paid_at = s.first_paid,
    tier = CASE WHEN s.first_paid IS NULL THEN 'free' WHEN u.id % 97 = 0 THEN 'vip' ELSE 'paying' END,
    stripe_customer_id = CASE WHEN s.has_card THEN 'cus_' || substr(md5(u.id::text), 1, 14) END
FROM (
    SELECT user_id,
           coalesce(sum(amount - amount_refunded) FILTER (
               WHERE rail = 'stripe' AND status IN ('succeeded', 'refunded', 'partially_refunded', 'disputed')), 0)
               AS card,
           coalesce(sum(amount - amount_refunded) FILTER (
               WHERE rail = 'stars' AND status IN ('succeeded', 'refunded', 'partially_refunded', 'disputed')), 0)
               AS stars,
           min(created_at) FILTER (WHERE status IN ('succeeded', 'refunded', 'partially_refunded', 'disputed'))
               AS first_paid,
           bool_or(rail = 'stripe') AS has_card
    FROM transactions GROUP BY user_id
) s
WHERE s.user_id = u.id;

-- name: admin_data_ledger_signups
INSERT INTO credit_ledger (user_id, delta, balance_after, reason, idempotency_key, created_at)
SELECT id, 3, 3, 'signup', 'bench:signup:' || id, created_at FROM users;

-- name: admin_data_ledger
-- Charges for messages, with purchases and operators' gifts between them.
INSERT INTO credit_ledger (user_id, delta, balance_after, reason, idempotency_key, created_at)
SELECT w.user_id, CASE WHEN s.r < 0.9 THEN -1 WHEN s.r < 0.98 THEN 25 ELSE 5 END,
       floor(s.b * 40)::int,
       CASE WHEN s.r < 0.9 THEN 'message' WHEN s.r < 0.98 THEN 'purchase' ELSE 'admin' END,
       'bench:ledger:' || s.g,
       w.created_at + s.t * (now() - w.created_at)
FROM (SELECT g, 1 + floor($2 * power(random(), 3))::bigint AS n, random() AS r, random() AS b, random() AS t
      FROM generate_series(1, $1) AS g) s
JOIN bench_writers w ON w.n = s.n;

-- name: admin_data_outbox
-- Everything sent is kept (nothing prunes the outbox): one row per message,
-- a few failed, the last ones waiting.
INSERT INTO outbox (chat_id, method, params, status, attempts, not_before, created_at, sent_at, last_error)
SELECT $2::bigint, 'copyMessages',
       jsonb_build_object('chat_id', $2::bigint, 'from_chat_id', 5000000000 + s.g % 1000000 * 7,
                          'message_ids', jsonb_build_array(s.g), 'message_thread_id', s.g % 100000),
       CASE WHEN s.g % 20000 = 0 THEN 'failed' WHEN s.g > $1 - 25 THEN 'pending' ELSE 'sent' END,
       1, s.at, s.at, CASE WHEN s.g <= $1 - 25 THEN s.at END,
       CASE WHEN s.g % 20000 = 0 THEN 'RecipientUnavailable: USER_IS_BLOCKED' END
FROM (SELECT g, now() - (1 - g::float8 / $1) * interval '365 days' AS at FROM generate_series(1, $1) AS g) s;

-- name: admin_data_failed_jobs
INSERT INTO procrastinate_jobs (queue_name, task_name, lock, args, status)
SELECT 'billing', 'billing.stripe_event', 'bench:' || g, '{}'::jsonb, 'failed'
FROM generate_series(1, 3) AS g;

-- name: admin_data_revenue_events
-- What migration 0017 does on a database that has payments already (the
-- trigger that writes these was off while generating).
INSERT INTO admin_revenue_events (at, transaction_id, currency, delta)
SELECT created_at, id, lower(currency), amount - amount_refunded
FROM transactions
WHERE status IN ('succeeded', 'refunded', 'partially_refunded', 'disputed') AND amount <> amount_refunded;

-- name: admin_data_rollups
-- The kept hours, from the first, as migration 0017 makes them.
WITH dropped AS (DELETE FROM admin_hourly_counts), gone AS (DELETE FROM admin_hourly_revenue)
SELECT 1;

-- name: admin_data_indexes
-- The secondary indexes and unique constraints of the filled tables: dropped
-- while filling (building an index once is far quicker than updating it 10M
-- times), then built again exactly as the migrations made them.
SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS drop_sql,
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname,
              pg_get_constraintdef(c.oid)) AS create_sql
FROM pg_constraint c
WHERE c.conrelid = ANY ($1::regclass[]) AND c.contype = 'u'
UNION ALL
SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = ANY ($1::regclass[]) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid);

-- name: admin_data_live_day
-- A live system's last day: the rows it touched are not all-visible yet (no
-- vacuum since), so index-only scans over them read the table too.
WITH seen AS (
    UPDATE users SET updated_at = now() WHERE last_seen_at >= now() - interval '24 hours' RETURNING 1
), relayed AS (
    UPDATE messages SET relayed_at = relayed_at
    WHERE created_at >= now() - interval '24 hours' AND status = 'relayed' RETURNING 1
)
SELECT (SELECT count(*) FROM seen) AS users, (SELECT count(*) FROM relayed) AS messages;
