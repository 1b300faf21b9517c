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
