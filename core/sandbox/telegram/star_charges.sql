-- name: star_charges_record
INSERT INTO sandbox_star_charges (charge_id, user_id, amount, payload) VALUES ($1, $2, $3, $4)
ON CONFLICT (charge_id) DO NOTHING;

-- name: star_charges_get
SELECT charge_id, user_id, amount, payload, paid_at, refunded_at FROM sandbox_star_charges
WHERE charge_id = $1 FOR UPDATE;

-- name: star_charges_refund
UPDATE sandbox_star_charges SET refunded_at = now() WHERE charge_id = $1 AND refunded_at IS NULL
RETURNING charge_id;

-- name: star_charges_list
SELECT charge_id, user_id, amount, payload, paid_at, refunded_at FROM sandbox_star_charges
ORDER BY paid_at, charge_id;
