-- name: alerts_ensure
INSERT INTO admin_alerts (condition) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING;

-- name: alerts_raise
-- The condition starts: only one check can turn a row active (the others
-- wait for its row lock, then find it active and change nothing).
UPDATE admin_alerts
SET active = true, since = now(), clear_since = NULL, detail = $2, peak = $3, updated_at = now()
WHERE condition = $1 AND NOT active
RETURNING since;

-- name: alerts_hold
-- Still on (or between its thresholds): no message; the figure is kept current.
UPDATE admin_alerts
SET clear_since = NULL, detail = $2, peak = greatest(peak, $3), updated_at = now()
WHERE condition = $1 AND active;

-- name: alerts_calm
-- Clear now: it turns inactive once it has been clear for $3 seconds. The
-- SET reads the row as it was, so clear_since is when it was first seen clear.
UPDATE admin_alerts
SET clear_since = coalesce(clear_since, now()),
    active = coalesce(clear_since, now()) > now() - make_interval(secs => $3),
    detail = $2,
    updated_at = now()
WHERE condition = $1 AND active
RETURNING active, since, clear_since, peak;

-- name: alerts_active
SELECT condition, since, detail, peak FROM admin_alerts WHERE active ORDER BY since, condition;
