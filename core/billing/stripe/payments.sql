-- name: payments_stripe_events_unmatched_refunds
-- Refunds that came before the payment they belong to was known: the highest
-- cumulative amount, applied once the payment is matched.
UPDATE stripe_events SET outcome = 'applied', transaction_id = $2,
       note = 'applied when the payment was matched'
WHERE payment_intent = $1 AND outcome = 'unmatched' AND type = 'charge.refunded'
RETURNING (object ->> 'amount_refunded')::bigint AS amount_refunded;

-- name: payments_user_remember_stripe_customer
-- Checkout may have created the customer; the first one a user pays with is remembered.
UPDATE users SET stripe_customer_id = $2, updated_at = now()
WHERE id = $1 AND stripe_customer_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM users WHERE stripe_customer_id = $2);
