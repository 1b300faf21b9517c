-- name: catalog_for_sale
SELECT id, code, name, kind, credits, pass_days, recurring, stripe_amount, stripe_currency,
       stars_amount, active, hidden, badge, sort
FROM products
WHERE active AND NOT hidden
ORDER BY sort, id;

-- name: catalog_by_code
SELECT id, code, name, kind, credits, pass_days, recurring, stripe_amount, stripe_currency,
       stars_amount, active, hidden, badge, sort
FROM products WHERE code = $1;

-- name: catalog_by_id
SELECT id, code, name, kind, credits, pass_days, recurring, stripe_amount, stripe_currency,
       stars_amount, active, hidden, badge, sort
FROM products WHERE id = $1;
