-- name: outbox_add
INSERT INTO outbox (chat_id, method, params, cause, not_before)
VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
RETURNING id;

-- name: outbox_claim
-- Claiming moves a row out of reach of the other deliverers; a claim older
-- than the stale limit belongs to a process that died mid-send.
UPDATE outbox
SET status = 'sending', claimed_at = now(), attempts = attempts + 1
WHERE id = $1
  AND (status = 'pending' OR (status = 'sending' AND claimed_at < now() - make_interval(secs => $2)))
  AND not_before <= now()
RETURNING id, chat_id, method, params, attempts;

-- name: outbox_sent
UPDATE outbox SET status = 'sent', sent_at = now(), result = $2, last_error = NULL
WHERE id = $1;

-- name: outbox_retry_later
UPDATE outbox SET status = 'pending', not_before = now() + make_interval(secs => $2), last_error = $3
WHERE id = $1;

-- name: outbox_failed
UPDATE outbox SET status = 'failed', last_error = $2
WHERE id = $1;

-- name: outbox_due
SELECT id FROM outbox
WHERE status IN ('pending', 'sending') AND not_before <= now()
ORDER BY id
LIMIT $1;
