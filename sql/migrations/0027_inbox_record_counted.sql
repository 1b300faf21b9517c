-- The ingress records a batch of messaging updates and counts them in one
-- statement, which commits on its own: one round trip instead of four (BEGIN,
-- the record, the count, COMMIT). At moderate load a batch is one or two
-- updates, so those round trips were most of the ingress's cost per update.
-- The count is what core/jobs/received.sql adds, into this session's own rows.
CREATE FUNCTION inbox_record_counted(
    p_shards integer[], p_update_ids bigint[], p_payloads jsonb[], p_queue text, p_task text,
    p_sources text[], p_types text[], p_counts bigint[]
)
    RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM inbox_record(p_shards, p_update_ids, p_payloads, p_queue, p_task);
    INSERT INTO metric_counters AS c (metric, labels, slot, value)
    SELECT 'updates_received', ARRAY[s, t], pg_backend_pid(), n
    FROM unnest(p_sources, p_types, p_counts) AS x(s, t, n)
    ON CONFLICT (metric, labels, slot) DO UPDATE SET value = c.value + EXCLUDED.value;
END;
$$;
