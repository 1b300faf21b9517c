-- The dashboard's figures. "Today" starts at 00:00 UTC; "7 days" and "30 days"
-- are today and the 6 (29) calendar days before it, in UTC, so today's figure
-- is part of both. Active users are counted over the last 24 h and 7 × 24 h.
-- Hours that are over come from admin_hourly_counts and admin_hourly_revenue
-- (sql/migrations/0017 says why): a figure is kept hours plus a live count of
-- the open ones, from the start of the hour that ended ten minutes ago or
-- less (the same expression as admin_close_hours).

-- name: dashboard_figures_close
SELECT admin_close_hours();

-- name: dashboard_figures_counts
-- Per metric: everything kept, and the running totals kept before today and
-- before the 7 days began (the same kept total when no hour of them is kept
-- yet); then the open hours, counted live.
WITH kept AS (
    SELECT m.metric,
           coalesce((SELECT h.running FROM admin_hourly_counts h WHERE h.metric = m.metric
                     ORDER BY h.hour DESC LIMIT 1), 0) AS total,
           coalesce((SELECT h.running FROM admin_hourly_counts h
                     WHERE h.metric = m.metric AND h.hour < date_trunc('day', now(), 'UTC')
                     ORDER BY h.hour DESC LIMIT 1), 0) AS before_today,
           coalesce((SELECT h.running FROM admin_hourly_counts h
                     WHERE h.metric = m.metric AND h.hour < date_trunc('day', now(), 'UTC') - interval '6 days'
                     ORDER BY h.hour DESC LIMIT 1), 0) AS before_7d
    FROM (VALUES ('users_joined'), ('users_first_paid'), ('messages_relayed')) AS m(metric)
), live AS (
    SELECT 'users_joined' AS metric,
           count(*) FILTER (WHERE created_at >= date_trunc('day', now(), 'UTC')) AS today, count(*) AS open
    FROM users WHERE created_at >= date_trunc('hour', now() - interval '10 minutes')
    UNION ALL
    SELECT 'users_first_paid',
           count(*) FILTER (WHERE first_paid_at >= date_trunc('day', now(), 'UTC')), count(*)
    FROM users WHERE first_paid_at >= date_trunc('hour', now() - interval '10 minutes')
    UNION ALL
    SELECT 'messages_relayed',
           count(*) FILTER (WHERE relayed_at >= date_trunc('day', now(), 'UTC')), count(*)
    FROM messages
    WHERE direction = 'in' AND status = 'relayed'
      AND relayed_at >= date_trunc('hour', now() - interval '10 minutes')
)
SELECT k.metric, k.total + l.open AS total,
       k.total - k.before_today + l.today AS today,
       k.total - k.before_7d + l.open AS last_7d
FROM kept k JOIN live l USING (metric);

-- name: dashboard_figures_active_kept
-- The last count of active users, when it is recent enough ($1 seconds).
SELECT name, value, counted_at FROM admin_figures
WHERE name IN ('active_24h', 'active_7d') AND counted_at > now() - make_interval(secs => $1);

-- name: dashboard_figures_active_count
-- Users seen in the last 24 h and 7 × 24 h, kept for the next screens.
WITH counted AS (
    SELECT count(*) FILTER (WHERE last_seen_at >= now() - interval '24 hours') AS last_24h, count(*) AS last_7d
    FROM users WHERE last_seen_at >= now() - interval '7 days'
)
INSERT INTO admin_figures (name, value, counted_at)
SELECT x.name, x.value, now()
FROM counted, LATERAL (VALUES ('active_24h', counted.last_24h), ('active_7d', counted.last_7d)) AS x(name, value)
ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, counted_at = EXCLUDED.counted_at
RETURNING name, value, counted_at;

-- name: dashboard_figures_revenue
-- What was paid less what was refunded, per currency ('xtr' is Stars): kept
-- hours of the 30 days, and the open ones from the events themselves.
WITH moved AS (
    SELECT hour AS at, currency, net FROM admin_hourly_revenue
    WHERE hour >= date_trunc('day', now(), 'UTC') - interval '29 days' AND currency <> ''
    UNION ALL
    SELECT at, currency, delta FROM admin_revenue_events
    WHERE at >= date_trunc('hour', now() - interval '10 minutes')
)
SELECT currency,
       coalesce(sum(net) FILTER (WHERE at >= date_trunc('day', now(), 'UTC')), 0)::bigint AS today,
       coalesce(sum(net) FILTER (WHERE at >= date_trunc('day', now(), 'UTC') - interval '6 days'), 0)::bigint
           AS last_7d,
       sum(net)::bigint AS last_30d
FROM moved
GROUP BY currency
ORDER BY currency = 'xtr', sum(net) DESC;

-- name: dashboard_figures_waiting
-- Conversations whose user wrote last and waits for an operator.
SELECT count(*) AS waiting, min(last_user_message_at) AS oldest
FROM conversations WHERE status = 'waiting_operator';
