-- The fake Stripe's state (core/fake_stripe/store.py).

-- name: fake_stripe_insert_object
INSERT INTO fake_stripe_objects (id, object, customer, data, hidden)
VALUES ($1, $2, $3, $4, $5);

-- name: fake_stripe_get_object
SELECT id, object, customer, data, hidden FROM fake_stripe_objects WHERE id = $1;

-- name: fake_stripe_lock_object
SELECT id, object, customer, data, hidden FROM fake_stripe_objects WHERE id = $1 FOR UPDATE;

-- name: fake_stripe_update_object
-- A NULL hidden keeps what the fake remembered.
UPDATE fake_stripe_objects SET data = $2, customer = $3, hidden = coalesce($4, hidden) WHERE id = $1;

-- name: fake_stripe_customer_objects
-- Newest first, as Stripe lists.
SELECT id, object, customer, data, hidden FROM fake_stripe_objects
WHERE customer = $1 AND object = $2
ORDER BY seq DESC
LIMIT $3;

-- name: fake_stripe_claim_key
-- A concurrent request with the same key waits here until the first commits,
-- then finds its answer.
INSERT INTO fake_stripe_idempotency (key, request, params, status, body)
VALUES ($1, $2, $3, 0, '{}'::jsonb)
ON CONFLICT (key) DO NOTHING
RETURNING key;

-- name: fake_stripe_get_key
SELECT request, params, status, body FROM fake_stripe_idempotency WHERE key = $1;

-- name: fake_stripe_save_key
UPDATE fake_stripe_idempotency SET status = $2, body = $3 WHERE key = $1;

-- name: fake_stripe_insert_event
INSERT INTO fake_stripe_events (id, type, event) VALUES ($1, $2, $3);

-- name: fake_stripe_get_event
SELECT id, type, event, attempts, delivered_at, last_status, last_error
FROM fake_stripe_events WHERE id = $1;

-- name: fake_stripe_list_events
SELECT id, type, event, attempts, delivered_at, last_status, last_error
FROM fake_stripe_events
WHERE $1::text IS NULL OR type = $1
ORDER BY seq;

-- name: fake_stripe_undelivered_events
SELECT id, type, event, attempts, delivered_at, last_status, last_error
FROM fake_stripe_events
WHERE delivered_at IS NULL
ORDER BY seq;

-- name: fake_stripe_event_attempted
-- A 2xx answer delivers the event; anything else leaves it for a retry.
UPDATE fake_stripe_events
SET attempts = attempts + 1,
    last_status = $2,
    last_error = $3,
    delivered_at = CASE WHEN $2 BETWEEN 200 AND 299 THEN coalesce(delivered_at, now()) ELSE delivered_at END
WHERE id = $1;

-- name: fake_stripe_get_delivery
SELECT deliver_events FROM fake_stripe_settings;

-- name: fake_stripe_set_delivery
UPDATE fake_stripe_settings SET deliver_events = $1;
