-- name: segments_count
-- One pass over users: at a million users about a second, run once per preview.
SELECT count(*) FILTER (WHERE segment_has(u, $1::jsonb, $2, $3::text[])) AS n,
       coalesce(max(u.id), 0) AS last_id
FROM users u;
