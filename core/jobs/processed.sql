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
