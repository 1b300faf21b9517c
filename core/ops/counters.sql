-- name: counters_totals
SELECT metric, labels, sum(value)::bigint AS value
FROM metric_counters
GROUP BY metric, labels
ORDER BY metric, labels;

-- name: counters_fold_lock
-- Folds run one at a time, each adding to slot 0 in one order.
SELECT pg_advisory_xact_lock(7244);

-- name: counters_fold
-- Rows a writer holds right now are skipped (folded next time): a fold never
-- waits on a transaction in flight.
WITH doomed AS (
    SELECT metric, labels, slot FROM metric_counters
    WHERE slot <> 0
    FOR UPDATE SKIP LOCKED
), gone AS (
    DELETE FROM metric_counters c USING doomed d
    WHERE c.metric = d.metric AND c.labels = d.labels AND c.slot = d.slot
    RETURNING c.metric, c.labels, c.value
), added AS (
    INSERT INTO metric_counters AS c (metric, labels, slot, value)
    SELECT metric, labels, 0, sum(value) FROM gone GROUP BY metric, labels ORDER BY metric, labels
    ON CONFLICT (metric, labels, slot) DO UPDATE SET value = c.value + EXCLUDED.value
)
SELECT count(*) FROM gone;
