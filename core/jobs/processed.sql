-- name: processed_mark_processed
-- Returns true only for the first delivery of this update or event.
INSERT INTO processed_updates (source, key) VALUES ($1, $2)
ON CONFLICT DO NOTHING
RETURNING true;

-- name: processed_mark_processed_many
-- The keys seen for the first time: the others are redeliveries.
INSERT INTO processed_updates (source, key)
SELECT $1, k FROM unnest($2::text[]) AS k
ON CONFLICT DO NOTHING
RETURNING key;

-- name: processed_prune_processed
-- Telegram keeps undelivered updates 24 hours and Stripe retries for 3 days:
-- markers older than the retention can no longer meet a redelivery.
DELETE FROM processed_updates WHERE processed_at < now() - make_interval(days => $1);
