-- name: audit_record
INSERT INTO admin_audit (operator_id, role, action, target_user_id, target, before, after, cause)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (cause) DO NOTHING
RETURNING id;

-- name: audit_latest
SELECT * FROM admin_audit ORDER BY id DESC LIMIT $1;

-- name: audit_latest_about
SELECT * FROM admin_audit WHERE target_user_id = $1 ORDER BY id DESC LIMIT $2;
