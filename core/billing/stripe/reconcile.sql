-- name: reconcile_known
-- Of these event ids, those handled already: recorded with their outcome, or
-- marked processed by the job that applied them.
SELECT coalesce(array_agg(id), '{}') FROM (
    SELECT id FROM stripe_events WHERE id = ANY ($1::text[])
    UNION
    SELECT key FROM processed_updates WHERE source = 'stripe' AND key = ANY ($1::text[])
) known;
