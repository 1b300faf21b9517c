-- name: retention_processed
-- A batch of markers past their age (processed_updates_processed_at_idx).
DELETE FROM processed_updates
WHERE ctid IN (SELECT ctid FROM processed_updates
               WHERE processed_at < now() - make_interval(secs => $1)
               LIMIT $2);

-- name: retention_outbox
-- The next rows in id order (the order they were written, so the oldest
-- first) after $1: the delivered ones older than the retention go. Returns
-- where the walk got to and whether every row looked at was old enough to go
-- on (a young row means the rest are younger still).
WITH chunk AS (
    SELECT id, status, created_at FROM outbox WHERE id > $1 ORDER BY id LIMIT $3
), gone AS (
    DELETE FROM outbox o USING chunk c
    WHERE o.id = c.id AND c.status = 'sent' AND c.created_at < now() - make_interval(secs => $2)
    RETURNING o.id
)
SELECT (SELECT max(id) FROM chunk) AS last_id,
       (SELECT count(*) FROM gone) AS deleted,
       coalesce((SELECT bool_and(created_at < now() - make_interval(secs => $2)) FROM chunk), false)
           AS all_old;
