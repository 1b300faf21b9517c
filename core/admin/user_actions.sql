-- name: user_actions_subject
-- The user acted on, their row held until the action's transaction ends.
SELECT id, telegram_id, first_name, last_name, username, language, language_code, credits, tier,
       pass_expires_at, pass_expires_at > now() AS pass_active, is_banned, ban_reason
FROM users WHERE id = $1 FOR UPDATE;

-- name: user_actions_peek
-- The same, without holding it: what a confirmation screen shows.
SELECT id, telegram_id, first_name, last_name, username, language, language_code, credits, tier,
       pass_expires_at, pass_expires_at > now() AS pass_active, is_banned, ban_reason
FROM users WHERE id = $1;

-- name: user_actions_ban
UPDATE users SET is_banned = true, ban_reason = $2, banned_at = now(), ban_notified_at = NULL,
                 updated_at = now()
WHERE id = $1 AND NOT is_banned
RETURNING true;

-- name: user_actions_unban
-- Everything a ban changed goes back: the next message is charged and relayed,
-- and a later ban is announced again.
UPDATE users SET is_banned = false, ban_reason = NULL, banned_at = NULL, ban_notified_at = NULL,
                 updated_at = now()
WHERE id = $1 AND is_banned
RETURNING true;

-- name: user_actions_set_tier
UPDATE users SET tier = $2, updated_at = now() WHERE id = $1 AND tier <> $2 RETURNING true;
