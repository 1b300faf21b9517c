-- name: stripe_event_record
INSERT INTO stripe_events (id, type, object_id, payment_intent, outcome, user_id, transaction_id, note,
                           object, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (id) DO NOTHING;

-- name: stripe_events_unmatched_refunds
-- Refunds that came before the payment they belong to was known: the highest
-- cumulative amount, applied once the payment is matched.
UPDATE stripe_events SET outcome = 'applied', transaction_id = $2,
       note = 'applied when the payment was matched'
WHERE payment_intent = $1 AND outcome = 'unmatched' AND type = 'charge.refunded'
RETURNING (object ->> 'amount_refunded')::bigint AS amount_refunded;
