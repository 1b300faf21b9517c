-- name: catalog_for_sale
SELECT * FROM products
WHERE active AND NOT hidden
ORDER BY sort, id;

-- name: catalog_by_code
SELECT * FROM products WHERE code = $1;

-- name: catalog_by_id
SELECT * FROM products WHERE id = $1;

-- name: catalog_lock
SELECT * FROM products WHERE id = $1 FOR UPDATE;
