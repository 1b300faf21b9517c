-- name: checkout_transaction_set_checkout
-- The Checkout session of a pending purchase; a retried job finds it set and changes nothing.
UPDATE transactions
SET external_id = $2, details = details || jsonb_build_object('checkout_url', $3::text), updated_at = now()
WHERE id = $1 AND external_id IS NULL
RETURNING id;

-- name: checkout_user_set_stripe_customer
UPDATE users SET stripe_customer_id = $2, updated_at = now() WHERE id = $1;

-- name: checkout_user
SELECT telegram_id, stripe_customer_id, is_banned, language, language_code,
       trim(first_name || ' ' || coalesce(last_name, '')) AS name
FROM users WHERE id = $1;
