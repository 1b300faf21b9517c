-- name: low_credit_claim
-- Claims the user's warning slot: nothing when one was sent within the period,
-- or when auto-recharge will top the balance up anyway.
UPDATE users SET last_low_credit_warning_at = now()
WHERE id = $1
  AND NOT auto_recharge_enabled
  AND (last_low_credit_warning_at IS NULL
       OR last_low_credit_warning_at <= now() - make_interval(hours => $2))
RETURNING telegram_id, language, language_code;

-- name: low_credit_outbox_relay_warn_low_credit
-- The relay's confirmation is followed by the low-credit warning, if the
-- balance is still below the threshold when it is sent.
UPDATE outbox SET params = params || jsonb_build_object('low_credit_below', $2::int)
WHERE id = $1 AND status = 'pending' AND method = 'relayToTopic'
RETURNING id;
