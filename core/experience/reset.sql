-- name: reset_refuse_held
-- A reset drops the messages waiting for credits: they were never charged.
WITH refused AS (
    UPDATE messages SET status = 'refused'
    WHERE user_id = $1 AND status = 'held'
    RETURNING id
)
SELECT count(*) FROM refused;

-- name: reset_user
UPDATE users
SET tutorial_step = 0, tutorial_completed = false, last_low_credit_warning_at = NULL,
    updated_at = now()
WHERE id = $1;

-- name: reset_record_reset
INSERT INTO account_resets (user_id, request_key, credits_before, credits_after, tutorial_step,
                            tutorial_completed, held_refused)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (request_key) DO NOTHING
RETURNING id;
