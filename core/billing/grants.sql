-- name: grants_user_mark_paying
-- A first payment makes a free user a paying one; operators' tiers (vip) stay.
UPDATE users SET tier = 'paying', updated_at = now() WHERE id = $1 AND tier = 'free';
