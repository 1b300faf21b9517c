-- name: transactions_open
INSERT INTO transactions (user_id, product_id, rail, kind, status, amount, currency, credits,
                          pass_days, idempotency_key)
VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING *;

-- name: transactions_open_paid
INSERT INTO transactions (user_id, product_id, rail, kind, status, amount, currency, credits,
                          pass_days, external_id, idempotency_key, details)
VALUES ($1, $2, $3, $4, 'succeeded', $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT DO NOTHING
RETURNING *;

-- name: transactions_by_payment_intent
SELECT * FROM transactions WHERE stripe_payment_intent = $1;

-- name: transactions_by_external
SELECT * FROM transactions WHERE rail = $1 AND external_id = $2;

-- name: transactions_by_charge
SELECT * FROM transactions WHERE stripe_charge = $1;

-- name: transactions_link
UPDATE transactions
SET external_id = coalesce(external_id, $2),
    stripe_payment_intent = coalesce(stripe_payment_intent, $3),
    stripe_charge = coalesce(stripe_charge, $4),
    stripe_subscription = coalesce(stripe_subscription, $5),
    stripe_invoice = coalesce(stripe_invoice, $6),
    updated_at = now()
WHERE id = $1
RETURNING *;

-- name: transactions_set_status
-- Every failure is kept (a Checkout page can be retried after a decline); the last one is ``failure``.
UPDATE transactions
SET status = $2, failure = coalesce($3, failure), updated_at = now(),
    details = CASE WHEN $3::text IS NULL THEN details
                   ELSE jsonb_set(details, '{failures}', coalesce(details -> 'failures', '[]'::jsonb)
                                  || jsonb_build_array(jsonb_build_object('at', now(), 'reason', $3::text)))
              END
WHERE id = $1;

-- name: transactions_record_refund
UPDATE transactions SET amount_refunded = greatest(amount_refunded, $2), updated_at = now()
WHERE id = $1
RETURNING *;

-- name: transactions_set_revoked
UPDATE transactions
SET credits_revoked = $2, refund_shortfall = refund_shortfall + $3, status = $4, updated_at = now()
WHERE id = $1;

-- name: transactions_user_by_telegram_id
SELECT id FROM users WHERE telegram_id = $1;

-- name: transactions_get
SELECT * FROM transactions WHERE id = $1;

-- name: transactions_lock
SELECT * FROM transactions WHERE id = $1 FOR UPDATE;
