-- name: event_log_stripe_event_record
INSERT INTO stripe_events (id, type, object_id, payment_intent, outcome, user_id, transaction_id, note,
                           object, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (id) DO NOTHING;
