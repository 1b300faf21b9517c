-- name: event_list_seq
SELECT seq FROM fake_stripe_events WHERE id = $1;

-- name: event_list_page
-- Newest first; $6: continue after this event (older ones only).
SELECT event FROM fake_stripe_events
WHERE ($1::text[] IS NULL OR type = ANY ($1))
  AND ($2::bigint IS NULL OR (event ->> 'created')::bigint > $2)
  AND ($3::bigint IS NULL OR (event ->> 'created')::bigint >= $3)
  AND ($4::bigint IS NULL OR (event ->> 'created')::bigint < $4)
  AND ($5::bigint IS NULL OR (event ->> 'created')::bigint <= $5)
  AND ($6::bigint IS NULL OR seq < $6)
ORDER BY seq DESC
LIMIT $7;
