-- name: experience_profile
SELECT language, language_code, tutorial_step, tutorial_completed, tutorial_bonus_granted
FROM users WHERE id = $1;

-- name: experience_language_by_telegram_id
SELECT language, language_code FROM users WHERE telegram_id = $1;

-- name: experience_set_language
UPDATE users SET language = $2, updated_at = now() WHERE id = $1;

-- name: experience_tutorial_step
-- Progress is kept until the tour is finished, so it resumes where it was left.
UPDATE users SET tutorial_step = $2, updated_at = now()
WHERE id = $1 AND NOT tutorial_completed;

-- name: experience_tutorial_complete
-- True the first time only.
UPDATE users SET tutorial_completed = true, tutorial_step = $2, updated_at = now()
WHERE id = $1 AND NOT tutorial_completed
RETURNING true;

-- name: experience_tutorial_bonus_granted
UPDATE users SET tutorial_bonus_granted = true WHERE id = $1;

-- name: experience_low_credit_claim
-- Claims the user's warning slot: nothing when one was sent within the period,
-- or when auto-recharge will top the balance up anyway.
UPDATE users SET last_low_credit_warning_at = now()
WHERE id = $1
  AND NOT auto_recharge_enabled
  AND (last_low_credit_warning_at IS NULL
       OR last_low_credit_warning_at <= now() - make_interval(hours => $2))
RETURNING telegram_id, language, language_code;

-- name: experience_usage
-- A user's message debits in the last $2 days, and their highest balance then.
SELECT count(*) FILTER (WHERE reason = 'message') AS messages,
       coalesce(-sum(delta) FILTER (WHERE reason = 'message'), 0)::bigint AS credits_spent,
       min(created_at) FILTER (WHERE reason = 'message') AS first_message_at,
       coalesce(max(balance_after), 0)::bigint AS peak
FROM credit_ledger
WHERE user_id = $1 AND created_at > now() - make_interval(days => $2);

-- name: experience_credit_packs
SELECT code, name, credits, stripe_amount, stripe_currency, stars_amount
FROM products
WHERE active AND NOT hidden AND kind = 'credits' AND credits > 0
ORDER BY credits, sort;

-- name: experience_refuse_held
-- A reset drops the messages waiting for credits: they were never charged.
WITH refused AS (
    UPDATE messages SET status = 'refused'
    WHERE user_id = $1 AND status = 'held'
    RETURNING id
)
SELECT count(*) FROM refused;

-- name: experience_reset_user
UPDATE users
SET tutorial_step = 0, tutorial_completed = false, last_low_credit_warning_at = NULL,
    updated_at = now()
WHERE id = $1;

-- name: experience_record_reset
INSERT INTO account_resets (user_id, request_key, credits_before, credits_after, tutorial_step,
                            tutorial_completed, held_refused)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (request_key) DO NOTHING
RETURNING id;
