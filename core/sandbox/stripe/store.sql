-- name: store_insert_object
INSERT INTO fake_stripe_objects (id, object, customer, data, hidden)
VALUES ($1, $2, $3, $4, $5);

-- name: store_update_object
-- A NULL hidden keeps what the fake remembered.
UPDATE fake_stripe_objects SET data = $2, customer = $3, hidden = coalesce($4, hidden) WHERE id = $1;

-- name: store_customer_objects
-- Newest first, as Stripe lists.
SELECT id, object, customer, data, hidden FROM fake_stripe_objects
WHERE customer = $1 AND object = $2
ORDER BY seq DESC
LIMIT $3;

-- name: store_claim_key
-- A concurrent request with the same key waits here until the first commits,
-- then finds its answer.
INSERT INTO fake_stripe_idempotency (key, request, params, status, body)
VALUES ($1, $2, $3, 0, '{}'::jsonb)
ON CONFLICT (key) DO NOTHING
RETURNING key;

-- name: store_get_key
SELECT request, params, status, body FROM fake_stripe_idempotency WHERE key = $1;

-- name: store_save_key
UPDATE fake_stripe_idempotency SET status = $2, body = $3 WHERE key = $1;

-- name: store_insert_event
INSERT INTO fake_stripe_events (id, type, event) VALUES ($1, $2, $3);

-- name: store_get_object
SELECT id, object, customer, data, hidden FROM fake_stripe_objects WHERE id = $1;

-- name: store_lock_object
SELECT id, object, customer, data, hidden FROM fake_stripe_objects WHERE id = $1 FOR UPDATE;
