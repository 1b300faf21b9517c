-- name: received_count
-- Rows of this session's own (slot = its backend): concurrent batches never wait on each other.
INSERT INTO metric_counters AS c (metric, labels, slot, value)
SELECT 'updates_received', ARRAY[s, t], pg_backend_pid(), n
FROM unnest($1::text[], $2::text[], $3::bigint[]) AS x(s, t, n)
ON CONFLICT (metric, labels, slot) DO UPDATE SET value = c.value + EXCLUDED.value;
