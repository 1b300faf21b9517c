-- name: inbox_record
SELECT inbox_record($1::int[], $2::bigint[], $3::text[]::jsonb[], $4, $5);

-- name: inbox_record_counted
SELECT inbox_record_counted($1::int[], $2::bigint[], $3::text[]::jsonb[], $4, $5, $6::text[], $7::text[],
                            $8::bigint[]);

-- name: inbox_take
-- Outside a transaction: the shard's lock is held for this statement only.
-- An empty answer also drops the shard's drain queued behind this one (0021),
-- and writes down whether the drain listens for the next update (0030).
SELECT id, update_id, payload FROM inbox_take_v3($1, $2, $3);

-- name: inbox_done
DELETE FROM inbox WHERE id = ANY ($1::bigint[]);

-- name: inbox_failed
UPDATE inbox SET failed_at = now(), error = $2 WHERE id = $1;

-- name: inbox_requeue
-- A drain that stopped early, or a shard left without a job: queue its drain.
-- A waiting one is enough (it takes every pending update of the shard).
INSERT INTO procrastinate_jobs (queue_name, task_name, lock, queueing_lock, args, scheduled_at)
VALUES ($2, $3, 'drain:' || $1::int, 'drain:' || $1::int, jsonb_build_object('shard', $1::int),
        CASE WHEN $4::float8 > 0 THEN now() + make_interval(secs => $4::float8) END)
ON CONFLICT DO NOTHING;

-- name: inbox_counts
SELECT count(*) FILTER (WHERE failed_at IS NULL) AS pending,
       count(*) FILTER (WHERE failed_at IS NOT NULL) AS failed
FROM inbox;

-- name: inbox_stranded_shards
-- Shards with updates waiting longer than a drain should take: their job
-- failed for good or was lost; maintenance queues them again.
SELECT DISTINCT shard FROM inbox
WHERE failed_at IS NULL AND received_at < now() - make_interval(secs => $1);
