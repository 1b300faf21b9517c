-- name: state_get_event
SELECT id, type, event, attempts, delivered_at, last_status, last_error
FROM fake_stripe_events WHERE id = $1;

-- name: state_list_events
SELECT id, type, event, attempts, delivered_at, last_status, last_error
FROM fake_stripe_events
WHERE $1::text IS NULL OR type = $1
ORDER BY seq;

-- name: state_undelivered_events
SELECT id, type, event, attempts, delivered_at, last_status, last_error
FROM fake_stripe_events
WHERE delivered_at IS NULL
ORDER BY seq;

-- name: state_event_attempted
-- A 2xx answer delivers the event; anything else leaves it for a retry.
UPDATE fake_stripe_events
SET attempts = attempts + 1,
    last_status = $2,
    last_error = $3,
    delivered_at = CASE WHEN $2 BETWEEN 200 AND 299 THEN coalesce(delivered_at, now()) ELSE delivered_at END
WHERE id = $1;

-- name: state_get_delivery
SELECT deliver_events FROM fake_stripe_settings;

-- name: state_set_delivery
UPDATE fake_stripe_settings SET deliver_events = $1;

-- name: state_set_outage
UPDATE fake_stripe_settings
SET outage_until = now() + make_interval(secs => $1), outage_mode = $2, outage_hold_ms = $3;

-- name: state_take_outage
-- The outage now, if any, counting the request it refuses.
UPDATE fake_stripe_settings SET outage_hits = outage_hits + 1
WHERE outage_until > now()
RETURNING outage_mode, outage_hold_ms;

-- name: state_outage_hits
SELECT outage_hits FROM fake_stripe_settings;
