-- name: outages_lock
-- One recorder at a time, so that outages several processes noticed merge.
SELECT pg_advisory_xact_lock(7301, 0);

-- name: outages_extend
-- The same outage noticed by another process (or a flap within $3 seconds of
-- it): one row, widened to cover both.
UPDATE db_outages
SET started_at = least(started_at, $1::timestamptz), ended_at = greatest(ended_at, $2::timestamptz)
WHERE id = (SELECT id FROM db_outages
            WHERE started_at <= $2::timestamptz + make_interval(secs => $3)
              AND ended_at >= $1::timestamptz - make_interval(secs => $3)
            ORDER BY id DESC
            LIMIT 1)
RETURNING id;

-- name: outages_add
INSERT INTO db_outages (started_at, ended_at, noticed_by) VALUES ($1, $2, $3) RETURNING id;

-- name: outages_announce
-- The outages not announced yet, marked announced: a concurrent check skips
-- the rows this one holds, and finds them announced once it commits.
UPDATE db_outages o SET announced_at = now()
FROM (SELECT id FROM db_outages WHERE announced_at IS NULL ORDER BY id FOR UPDATE SKIP LOCKED) AS due
WHERE o.id = due.id
RETURNING o.id, o.started_at, o.ended_at, o.noticed_by;

-- name: outages_latest
SELECT id, started_at, ended_at, noticed_by FROM db_outages ORDER BY ended_at DESC LIMIT 1;

-- name: outages_prune
DELETE FROM db_outages WHERE ended_at < now() - make_interval(days => $1) AND announced_at IS NOT NULL;
