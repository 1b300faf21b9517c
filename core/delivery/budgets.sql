-- name: budgets_take_send_slot
SELECT take_send_slot($1::text[], $2::float8[], $3::float8[], $4::int);

-- name: budgets_block_send_key
-- A flood wait: nothing on this key before then, and the shared budget pays too.
INSERT INTO send_budgets (key, rate, burst, tokens, blocked_until)
VALUES ($1, $2, $3, 0, clock_timestamp() + make_interval(secs => $4))
ON CONFLICT (key) DO UPDATE
SET blocked_until = greatest(coalesce(send_budgets.blocked_until, clock_timestamp()), EXCLUDED.blocked_until),
    tokens = 0, updated_at = clock_timestamp();

-- name: budgets_drain_global_tokens
UPDATE send_budgets SET tokens = least(tokens, 0) - $2, updated_at = clock_timestamp() WHERE key = $1;

-- name: budgets_prune_send_budgets
-- Idle buckets are full again; dropping them loses nothing.
DELETE FROM send_budgets
WHERE updated_at < now() - interval '10 minutes' AND key NOT LIKE 'global%'
  AND (blocked_until IS NULL OR blocked_until < now());

-- name: budgets_reserve_send_slots
SELECT reserve_send_slots($1::text[], $2::float8[], $3::float8[], $4::int[], $5::float8, $6::float8[]);

-- name: budgets_room
-- What the overall key can grant within the horizon ($2 seconds) now: its
-- tokens, refilled to now, plus what refills before the horizon; 0 while a
-- flood wait blocks it. Read without a lock: a hint for pacing, not a booking.
SELECT CASE WHEN blocked_until > clock_timestamp() THEN 0
            ELSE least(burst, tokens + rate * extract(epoch FROM clock_timestamp() - updated_at)) + rate * $2
       END
FROM send_budgets WHERE key = $1;
