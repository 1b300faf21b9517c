-- name: refunds_user_flag
UPDATE users SET flagged_at = coalesce(flagged_at, now()), updated_at = now() WHERE id = $1;
