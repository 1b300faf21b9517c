-- name: inbox_record
SELECT inbox_record($1::int[], $2::bigint[], $3::text[]::jsonb[], $4, $5);

-- name: inbox_record_counted
SELECT inbox_record_counted($1::int[], $2::bigint[], $3::text[]::jsonb[], $4, $5, $6::text[], $7::text[],
                            $8::bigint[]);

-- name: inbox_take
-- Outside a transaction: the shard's lock is held for this statement only.
-- An empty answer also drops the shard's drain queued behind this one (0021),
-- and writes down whether the drain listens for the next update (0030); so
-- does a batch smaller than $4 (0031).
SELECT id, update_id, payload FROM inbox_take_v4($1, $2, $3, $4);

-- name: inbox_settle
-- The start of a batch's transaction in one round trip (at moderate load a
-- batch is one update, and each statement a round trip of its own): the
-- batch's processed markers, answering the keys seen for the first time (the
-- others are redeliveries); its inbox rows deleted (a rollback brings them
-- back); and the bot's settings, every row of bot_settings as
-- core.platform.bot_settings.load reads them.
WITH marked AS (
    INSERT INTO processed_updates (source, key)
    SELECT $1, k FROM unnest($2::text[]) AS k
    ON CONFLICT DO NOTHING
    RETURNING key
), done AS (
    DELETE FROM inbox WHERE id = ANY ($3::bigint[])
)
SELECT (SELECT coalesce(array_agg(key), '{}') FROM marked) AS first,
       (SELECT coalesce(jsonb_object_agg(key, value), '{}') FROM bot_settings) AS settings;

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
