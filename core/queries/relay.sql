-- name: outbox_relay_append
-- Coalesce a burst: messages join a relay of the same conversation that is
-- still waiting (an album's grace period, a flood wait), up to the 100 ids
-- one ForwardMessages call takes. The outer status check re-runs after a
-- concurrent claim, so a row being sent is never extended.
UPDATE outbox
SET params = jsonb_set(
        jsonb_set(params, '{message_ids}', (params -> 'message_ids') || $3::jsonb),
        '{message_row_ids}', (params -> 'message_row_ids') || $4::jsonb)
WHERE status = 'pending'
  AND id = (
    SELECT id FROM outbox
    WHERE method = 'relayToTopic' AND status = 'pending' AND chat_id = $1
      AND (params ->> 'conversation_id')::bigint = $2
      AND jsonb_array_length(params -> 'message_ids') + jsonb_array_length($3::jsonb) <= 100
    ORDER BY id DESC
    LIMIT 1
    FOR UPDATE SKIP LOCKED)
RETURNING id;

-- name: user_by_id
SELECT id, telegram_id, username, first_name, last_name, language_code, credits, tier,
       is_banned, created_at, blocked_bot_at, ban_notified_at, pass_expires_at, auto_recharge_enabled
FROM users WHERE id = $1;

-- name: user_ban_notified
UPDATE users SET ban_notified_at = now() WHERE id = $1 AND ban_notified_at IS NULL
RETURNING true;

-- name: user_start_payload
UPDATE users
SET start_payload = $2,
    referred_by = CASE WHEN $3::bigint IS NOT NULL AND referred_by IS NULL AND $3 <> telegram_id
                       THEN $3 ELSE referred_by END
WHERE id = $1;

-- name: products_for_sale
SELECT code, name, credits, stripe_amount, stripe_currency, stars_amount, badge
FROM products
WHERE active AND NOT hidden AND kind = 'credits'
ORDER BY sort;

-- name: tier_priority
SELECT coalesce((SELECT priority FROM tiers WHERE name = $1), 0);

-- name: outbox_relay_warn_low_credit
-- The relay's confirmation is followed by the low-credit warning, if the
-- balance is still below the threshold when it is sent.
UPDATE outbox SET params = params || jsonb_build_object('low_credit_below', $2::int)
WHERE id = $1 AND status = 'pending' AND method = 'relayToTopic'
RETURNING id;

-- name: relay_recorded
-- The relayed messages' ids in the topic, and what the confirmation says.
WITH relayed AS (
    UPDATE messages AS m
    SET status = 'relayed', admin_chat_id = $2, admin_message_id = x.admin_message_id, relayed_at = now()
    FROM unnest($1::bigint[], $3::int[]) AS x(id, admin_message_id)
    WHERE m.id = x.id
)
SELECT credits, coalesce(pass_expires_at > now(), false) AS pass_active, language, language_code
FROM users WHERE telegram_id = $4;
