-- name: catalog_sync_products
-- The products to mirror (NULL: all), in the catalog's order.
SELECT * FROM products
WHERE $1::bigint[] IS NULL OR id = ANY ($1::bigint[])
ORDER BY sort, id;

-- name: catalog_sync_recorded
UPDATE products
SET stripe_product_id = $2, stripe_price_id = $3, stripe_price_amount = $4, stripe_price_currency = $5,
    stripe_price_interval = $6, stripe_synced_version = greatest(stripe_synced_version, $7),
    stripe_synced_at = now(), stripe_sync_error = NULL
WHERE id = $1;

-- name: catalog_sync_failed
UPDATE products SET stripe_sync_error = $2 WHERE id = $1;
