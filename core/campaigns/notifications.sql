-- name: notifications_set
-- $2 NULL toggles.
UPDATE users SET announcements = coalesce($2, NOT announcements), updated_at = now()
WHERE id = $1
RETURNING announcements;
