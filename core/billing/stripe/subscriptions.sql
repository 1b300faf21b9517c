-- name: subscriptions_lock
SELECT id, user_id, product_id, status, current_period_end, cancel_at_period_end, canceled_at,
       last_event_at
FROM subscriptions WHERE id = $1 FOR UPDATE;

-- name: subscriptions_paid
-- A paid invoice: the subscription is active (a canceled one stays canceled)
-- and paid at least to the invoiced period's end.
INSERT INTO subscriptions (id, user_id, product_id, status, current_period_end)
VALUES ($1, $2, $3, 'active', $4)
ON CONFLICT (id) DO UPDATE SET
    status = CASE WHEN subscriptions.status = 'canceled' THEN 'canceled' ELSE 'active' END,
    current_period_end = greatest(subscriptions.current_period_end, EXCLUDED.current_period_end),
    product_id = coalesce(subscriptions.product_id, EXCLUDED.product_id),
    updated_at = now();

-- name: subscriptions_set_state
INSERT INTO subscriptions (id, user_id, product_id, status, current_period_end, cancel_at_period_end,
                           canceled_at, last_event_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (id) DO UPDATE SET
    status = EXCLUDED.status,
    current_period_end = coalesce(EXCLUDED.current_period_end, subscriptions.current_period_end),
    cancel_at_period_end = EXCLUDED.cancel_at_period_end,
    canceled_at = coalesce(subscriptions.canceled_at, EXCLUDED.canceled_at),
    product_id = coalesce(subscriptions.product_id, EXCLUDED.product_id),
    last_event_at = EXCLUDED.last_event_at,
    updated_at = now();

-- name: subscriptions_user_by_stripe_customer
SELECT id FROM users WHERE stripe_customer_id = $1;
