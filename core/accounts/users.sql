-- name: users_by_id
SELECT id, telegram_id, username, first_name, last_name, language_code, credits, tier,
       is_banned, created_at, blocked_bot_at, ban_notified_at, pass_expires_at, auto_recharge_enabled
FROM users WHERE id = $1;

-- name: users_ban_notified
UPDATE users SET ban_notified_at = now() WHERE id = $1 AND ban_notified_at IS NULL
RETURNING true;

-- name: users_start_payload
UPDATE users
SET start_payload = $2,
    referred_by = CASE WHEN $3::bigint IS NOT NULL AND referred_by IS NULL AND $3 <> telegram_id
                       THEN $3 ELSE referred_by END
WHERE id = $1;

-- name: users_upsert_user
-- (xmax = 0) is true only for a row this statement inserted.
INSERT INTO users (telegram_id, username, first_name, last_name, language_code, last_seen_at)
VALUES ($1, $2, $3, $4, $5, now())
ON CONFLICT (telegram_id) DO UPDATE
SET username = EXCLUDED.username,
    first_name = EXCLUDED.first_name,
    last_name = EXCLUDED.last_name,
    language_code = COALESCE(EXCLUDED.language_code, users.language_code),
    last_seen_at = now(),
    -- Writing to the bot means the user no longer blocks it.
    blocked_bot_at = NULL,
    updated_at = now()
RETURNING id, telegram_id, username, first_name, last_name, language_code, credits, tier,
          is_banned, created_at, blocked_bot_at, ban_notified_at, pass_expires_at,
          auto_recharge_enabled, (xmax = 0) AS inserted,
          -- An operator whose next message answers a control-center question.
          EXISTS (SELECT 1 FROM admin_pending p WHERE p.operator_id = $1 AND p.expires_at > now())
              AS has_pending_question;

-- name: users_mark_blocked_bot
UPDATE users SET blocked_bot_at = CASE WHEN $2 THEN now() ELSE NULL END, updated_at = now()
WHERE telegram_id = $1;
