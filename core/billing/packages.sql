-- name: packages_uses
-- A package's uses: paid purchases, and pending ones whose hold has not lapsed.
SELECT count(*) FROM transactions
WHERE product_id = $1
  AND (status IN ('succeeded', 'refunded', 'partially_refunded', 'disputed')
       OR (status = 'pending' AND hold_until > now()))
  AND id <> coalesce($2::bigint, 0);

-- name: packages_now
SELECT now();

-- name: packages_hold
UPDATE transactions SET hold_until = now() + make_interval(secs => $2), updated_at = now()
WHERE id = $1 AND status = 'pending';
