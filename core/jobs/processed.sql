-- name: processed_mark_processed
-- Returns true only for the first delivery of this update or event.
INSERT INTO processed_updates (source, key) VALUES ($1, $2)
ON CONFLICT DO NOTHING
RETURNING true;
