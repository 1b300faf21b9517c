-- name: ledger_apply
-- The balance and its ledger row change together or not at all; a known
-- idempotency key or a balance that would go negative changes nothing.
WITH changed AS (
    UPDATE users SET credits = credits + $2, updated_at = now()
    WHERE id = $1
      AND credits + $2 >= 0
      AND NOT EXISTS (SELECT 1 FROM credit_ledger WHERE idempotency_key = $4)
    RETURNING id, credits
)
INSERT INTO credit_ledger (user_id, delta, balance_after, reason, idempotency_key, transaction_id)
SELECT id, $2, credits, $3, $4, $5 FROM changed
RETURNING balance_after;

-- name: ledger_has_key
SELECT EXISTS (SELECT 1 FROM credit_ledger WHERE idempotency_key = $1);

-- name: ledger_user_balance_for_update
SELECT credits, pass_expires_at, pass_expires_at > now() AS pass_active
FROM users WHERE id = $1 FOR UPDATE;

-- name: ledger_apply_many
-- ledger_apply for many users at once, the same rules per user: each key at most
-- once (a known key changes nothing), never below zero. The users whose
-- balance changed are returned. One statement for a mass gift's chunk: a
-- million users in keyset chunks is minutes one statement per user, seconds so.
WITH wanted AS (
    SELECT w.user_id, w.key FROM unnest($1::bigint[], $4::text[]) AS w(user_id, key)
    WHERE NOT EXISTS (SELECT 1 FROM credit_ledger l WHERE l.idempotency_key = w.key)
), changed AS (
    UPDATE users u SET credits = u.credits + $2, updated_at = now()
    FROM wanted w
    WHERE u.id = w.user_id AND u.credits + $2 >= 0
    RETURNING u.id, u.credits, w.key
)
INSERT INTO credit_ledger (user_id, delta, balance_after, reason, idempotency_key)
SELECT id, $2, credits, $3, key FROM changed
RETURNING user_id;
