-- name: outbox_add
-- A row with a coalesce key supersedes the pending rows with the same key (a
-- newer state of the same thing); one being sent already goes out as it is.
WITH superseded AS (
    UPDATE outbox SET status = 'superseded'
    WHERE $8::text IS NOT NULL AND coalesce_key = $8 AND status = 'pending'
    RETURNING id
)
INSERT INTO outbox (chat_id, method, params, cause, not_before, priority, lane, coalesce_key)
VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5), $6, $7, $8)
RETURNING id;

-- name: outbox_retry_later
UPDATE outbox SET status = 'pending', not_before = now() + make_interval(secs => $2), last_error = $3
WHERE id = $1;

-- name: outbox_failed
UPDATE outbox SET status = 'failed', last_error = $2
WHERE id = $1;

-- name: outbox_due
-- A group's background rows are its drainer's alone (outbox_background_groups);
-- the broadcast lanes' rows are left to the campaign that queued them (it paces
-- them, and pausing it must hold them): see budgets.Lane.pumped.
SELECT id FROM outbox
WHERE status IN ('pending', 'sending') AND not_before <= now() AND lane = 'normal'
  AND NOT (chat_id < 0 AND priority <= $2)
ORDER BY id
LIMIT $1;

-- name: outbox_background_groups
-- Groups with background rows due: their drainers take them when the budget is spare.
SELECT DISTINCT chat_id FROM outbox
WHERE status IN ('pending', 'sending') AND not_before <= now() AND chat_id < 0 AND priority <= $1;

-- name: outbox_next_for_group
-- When a group's budget is short, higher tiers go first; one conversation's
-- rows share a priority, so they keep their order. A background row (priority
-- at most $2) goes only while no other row of the group waits, due or not:
-- ``held`` says one is held back for that.
WITH next AS (
    SELECT id, priority FROM outbox
    WHERE chat_id = $1 AND status = 'pending' AND not_before <= now()
    ORDER BY priority DESC, id
    LIMIT 1
), busy AS (
    SELECT EXISTS (SELECT 1 FROM outbox
                   WHERE chat_id = $1 AND status IN ('pending', 'sending') AND priority > $2) AS busy
)
SELECT n.id, n.priority <= $2 AND b.busy AS held
FROM next n, busy b;

-- name: outbox_group_next_due
SELECT extract(epoch FROM min(not_before) - now())::float8 FROM outbox
WHERE chat_id = $1 AND status = 'pending' AND not_before > now();

-- name: outbox_counts
-- Each count over its partial index: sent rows stay in the outbox, and a
-- count over the whole table grows with everything ever sent.
SELECT (SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')) AS pending,
       (SELECT count(*) FROM outbox WHERE status = 'failed') AS failed;

-- name: outbox_retries
-- Sends waiting to be tried again after Telegram failed them, and the most tries
-- any has had (the engine gives up at MAX_ATTEMPTS); over the pending rows' index.
SELECT count(*) FILTER (WHERE attempts > 0) AS retrying, coalesce(max(attempts), 0) AS most_attempts
FROM outbox WHERE status IN ('pending', 'sending');

-- name: outbox_claim_many
-- Claim several rows at once, with whether the recipient blocked the bot
-- (what a method needs to know of its rows it looks up itself, for the batch).
WITH claimed AS (
    UPDATE outbox
    SET status = 'sending', claimed_at = now(), claimed_by = $3, attempts = attempts + 1
    WHERE id = ANY ($1::bigint[])
      AND (status = 'pending' OR (status = 'sending' AND claimed_at < now() - make_interval(secs => $2)))
      AND not_before <= now()
    RETURNING id, chat_id, method, params, attempts, lane, priority
)
SELECT c.*,
       (c.chat_id > 0 AND EXISTS (SELECT 1 FROM users u
                                  WHERE u.telegram_id = c.chat_id AND u.blocked_bot_at IS NOT NULL))
           AS recipient_blocked
FROM claimed c
ORDER BY c.id;

-- name: outbox_sent_many
UPDATE outbox o SET status = 'sent', sent_at = now(), result = r.result::jsonb, last_error = NULL
FROM unnest($1::bigint[], $2::text[]) AS r(id, result)
WHERE o.id = r.id;

-- name: outbox_failed_many
UPDATE outbox SET status = 'failed', last_error = $2 WHERE id = ANY ($1::bigint[]);

-- name: outbox_postpone_many
UPDATE outbox o SET status = 'pending', attempts = greatest(o.attempts - 1, 0),
                    not_before = now() + make_interval(secs => r.wait)
FROM unnest($1::bigint[], $2::float8[]) AS r(id, wait)
WHERE o.id = r.id;

-- name: outbox_hand_back
-- A delivery that failed after claiming (a database error, a bug: its worker lives
-- on, so the stall recovery never comes) puts back the rows it still holds at
-- once, instead of leaving them to the stale-claim sweep minutes later. Only rows
-- still being sent under this claim: what the delivery recorded stays recorded.
UPDATE outbox SET status = 'pending', not_before = now() + make_interval(secs => $3)
WHERE id = ANY ($1::bigint[]) AND status = 'sending' AND claimed_by IS NOT DISTINCT FROM $2
RETURNING id;
