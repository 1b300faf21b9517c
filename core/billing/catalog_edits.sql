-- name: catalog_edits_update
-- One product's editable columns; $16: Stripe must learn of the change.
UPDATE products
SET name = $2, credits = $3, pass_days = $4, recurring = $5, stripe_amount = $6, stripe_currency = $7,
    stars_amount = $8, badge = $9, sort = $10, active = $11, hidden = $12, for_telegram_id = $13,
    max_uses = $14, expires_at = $15,
    stripe_version = stripe_version + CASE WHEN $16 THEN 1 ELSE 0 END,
    updated_at = now()
WHERE id = $1
RETURNING *;

-- name: catalog_edits_create
INSERT INTO products (code, name, kind, credits, pass_days, recurring, stripe_amount, stripe_currency,
                      stars_amount, badge, sort, active, hidden, for_telegram_id, max_uses, expires_at,
                      created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
ON CONFLICT (code) DO NOTHING
RETURNING *;

-- name: catalog_edits_code_taken
SELECT EXISTS (SELECT 1 FROM products WHERE code = $1);

-- name: catalog_edits_next_sort
SELECT coalesce(max(sort), 0) + 10 FROM products;
