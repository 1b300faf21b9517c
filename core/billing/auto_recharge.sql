-- name: auto_recharge_setting
SELECT telegram_id, auto_recharge_enabled, auto_recharge_threshold, auto_recharge_product_id,
       stripe_customer_id
FROM users WHERE id = $1;

-- name: auto_recharge_configure
UPDATE users
SET auto_recharge_enabled = $2, auto_recharge_product_id = $3, auto_recharge_threshold = $4,
    updated_at = now()
WHERE id = $1;

-- name: auto_recharge_off
UPDATE users SET auto_recharge_enabled = false, updated_at = now() WHERE id = $1;

-- name: auto_recharge_trigger
-- One statement in the debit's transaction; a recharge already pending for
-- the user (partial unique index) or a trigger seen before inserts nothing.
INSERT INTO transactions (user_id, product_id, rail, kind, status, amount, currency, credits,
                          idempotency_key)
SELECT u.id, p.id, 'stripe', 'auto_recharge', 'pending', p.stripe_amount, p.stripe_currency, p.credits, $3
FROM users u
JOIN products p ON p.id = u.auto_recharge_product_id
WHERE u.id = $1
  AND u.auto_recharge_enabled
  AND $2 < u.auto_recharge_threshold
  AND u.stripe_customer_id IS NOT NULL
  AND NOT u.is_banned
  AND p.active AND NOT p.hidden AND p.credits > 0 AND p.pass_days IS NULL
  AND p.stripe_amount IS NOT NULL AND p.stripe_currency IS NOT NULL
ON CONFLICT DO NOTHING
RETURNING id, (SELECT telegram_id FROM users WHERE id = $1) AS telegram_id;
