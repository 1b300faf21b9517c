-- name: product_screens_page
SELECT * FROM products ORDER BY sort, id LIMIT $1 OFFSET $2;

-- name: product_screens_counts
SELECT count(*) AS total,
       count(*) FILTER (WHERE active AND NOT hidden) AS on_sale,
       count(*) FILTER (WHERE active AND hidden) AS hidden,
       count(*) FILTER (WHERE NOT active) AS disabled
FROM products;

-- name: product_screens_one
SELECT * FROM products WHERE id = $1;

-- name: product_screens_sales_all
SELECT product_id, rail, currency, units, gross, refunds FROM product_sales
WHERE product_id = ANY ($1::bigint[]);

-- name: product_screens_sales_recent
-- The last $2 days (UTC), today included.
SELECT product_id, rail, currency, sum(payments)::integer AS units, sum(gross)::bigint AS gross,
       sum(refunds)::bigint AS refunds
FROM revenue_days
WHERE product_id = ANY ($1::bigint[]) AND day > (now() AT TIME ZONE 'UTC')::date - $2::integer
GROUP BY product_id, rail, currency;

-- name: product_screens_buyer
SELECT first_name, last_name, username FROM users WHERE telegram_id = $1;
