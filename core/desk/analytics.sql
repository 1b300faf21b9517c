-- Series per UTC day from $1 to $2 (dates, both included). Hours that are
-- over come from admin_hourly_counts (kept by the dashboard's
-- admin_close_hours), the open ones are counted live; revenue from
-- revenue_days: a 90-day chart reads a few hundred rows, not every payment.

-- name: analytics_close_hours
SELECT admin_close_hours();

-- name: analytics_counts
-- A kept metric per day from its kept hours.
SELECT (hour AT TIME ZONE 'UTC')::date AS day, sum(value)::bigint AS value
FROM admin_hourly_counts
WHERE metric = $3 AND hour >= $1::date AT TIME ZONE 'UTC' AND hour < ($2::date + 1) AT TIME ZONE 'UTC'
GROUP BY 1;

-- name: analytics_kept_until
-- Where a metric's kept hours end: the open hours are counted live from there.
SELECT coalesce(max(hour) + interval '1 hour', '-infinity') FROM admin_hourly_counts WHERE metric = $1;

-- name: analytics_live_users_joined
-- The hours not kept yet (the last one or two): a range of the created_at index
-- from $1, given as a value so that the plan uses the index.
SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*)::bigint AS value
FROM users WHERE created_at >= $1
GROUP BY 1;

-- name: analytics_live_messages_relayed
SELECT (relayed_at AT TIME ZONE 'UTC')::date AS day, count(*)::bigint AS value
FROM messages
WHERE direction = 'in' AND status = 'relayed' AND relayed_at >= $1
GROUP BY 1;

-- name: analytics_active_missing
-- Past days of the range not rolled up yet: the first and the last.
SELECT min(d.day)::date AS first, max(d.day)::date AS last
FROM generate_series($1::date, least($2::date, (now() AT TIME ZONE 'UTC')::date - 1), interval '1 day') AS d(day)
WHERE NOT EXISTS (SELECT 1 FROM desk_daily k WHERE k.day = d.day::date);

-- name: analytics_active_roll
-- Users who wrote to the operators on each past day from $1 to $2, kept once
-- (days without any message too, at 0).
INSERT INTO desk_daily (day, active_users)
SELECT d.day::date, coalesce(c.users, 0)
FROM generate_series($1::date, $2::date, interval '1 day') AS d(day)
LEFT JOIN (
    SELECT (m.created_at AT TIME ZONE 'UTC')::date AS day, count(DISTINCT m.user_id)::integer AS users
    FROM messages m
    WHERE m.direction = 'in' AND m.created_at >= $1::date AT TIME ZONE 'UTC'
      AND m.created_at < ($2::date + 1) AT TIME ZONE 'UTC'
    GROUP BY 1
) c ON c.day = d.day::date
ON CONFLICT (day) DO NOTHING;

-- name: analytics_active
-- The kept days, and today counted live.
SELECT day, active_users AS value FROM desk_daily WHERE day BETWEEN $1 AND $2
UNION ALL
SELECT (now() AT TIME ZONE 'UTC')::date, count(DISTINCT m.user_id)
FROM messages m
WHERE $2::date >= (now() AT TIME ZONE 'UTC')::date AND m.direction = 'in'
  AND m.created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
ORDER BY 1;

-- name: analytics_revenue
-- Per day, rail and currency: gross and refunds (minor units).
SELECT day, rail, currency, sum(gross)::bigint AS gross, sum(refunds)::bigint AS refunds,
       sum(payments)::bigint AS payments
FROM revenue_days
WHERE day BETWEEN $1 AND $2
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3;

-- name: analytics_top_products
SELECT coalesce(p.code, 'none') AS code, coalesce(p.name, '—') AS name, r.currency,
       sum(r.payments)::bigint AS payments, sum(r.gross - r.refunds)::bigint AS net
FROM revenue_days r LEFT JOIN products p ON p.id = r.product_id
WHERE r.day BETWEEN $1 AND $2 AND r.product_id <> 0
GROUP BY 1, 2, 3
ORDER BY 5 DESC
LIMIT 10;

-- name: analytics_conversion
-- Per signup day: users who joined, and those who paid within $3 days of joining.
SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*)::bigint AS joined,
       count(*) FILTER (WHERE first_paid_at < created_at + make_interval(days => $3))::bigint AS paid
FROM users
WHERE created_at >= $1::date AT TIME ZONE 'UTC' AND created_at < ($2::date + 1) AT TIME ZONE 'UTC'
GROUP BY 1 ORDER BY 1;

-- name: analytics_response_missing
-- Days of the range old enough to keep (a ticket is rarely answered a week
-- later) and not kept yet: the first and the last.
SELECT min(d.day)::date AS first, max(d.day)::date AS last
FROM generate_series($1::date, least($2::date, (now() AT TIME ZONE 'UTC')::date - $3::int), interval '1 day')
         AS d(day)
WHERE NOT EXISTS (SELECT 1 FROM desk_daily_response k WHERE k.day = d.day::date);

-- name: analytics_response_roll
INSERT INTO desk_daily_response (day, p50, p90)
SELECT d.day::date, r.p50, r.p90
FROM generate_series($1::date, $2::date, interval '1 day') AS d(day)
LEFT JOIN (
    SELECT (opened_at AT TIME ZONE 'UTC')::date AS day,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - opened_at)) / 60
               AS p50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - opened_at)) / 60
               AS p90
    FROM desk_tickets
    WHERE opened_at >= $1::date AT TIME ZONE 'UTC' AND opened_at < ($2::date + 1) AT TIME ZONE 'UTC'
      AND first_response_at IS NOT NULL
    GROUP BY 1
) r ON r.day = d.day::date
ON CONFLICT (day) DO NOTHING;

-- name: analytics_response
-- First response p50/p90 in minutes per day of the tickets opened then: the
-- kept days, and the last ones ($3 days) counted live.
SELECT day, p50, p90 FROM desk_daily_response WHERE day BETWEEN $1 AND $2
UNION ALL
SELECT (opened_at AT TIME ZONE 'UTC')::date AS day,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - opened_at)) / 60,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - opened_at)) / 60
FROM desk_tickets
WHERE opened_at >= greatest($1::date, (now() AT TIME ZONE 'UTC')::date - $3::int + 1) AT TIME ZONE 'UTC'
  AND opened_at < ($2::date + 1) AT TIME ZONE 'UTC' AND first_response_at IS NOT NULL
GROUP BY 1
ORDER BY 1;
