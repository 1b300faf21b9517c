-- name: products_price_count
SELECT count(*) FROM fake_stripe_objects WHERE object = 'price' AND data ->> 'product' = $1;

-- name: products_list_prices
-- Newest first, as Stripe lists.
SELECT data FROM fake_stripe_objects
WHERE object = 'price'
  AND ($1::text IS NULL OR data ->> 'product' = $1)
  AND ($2::boolean IS NULL OR (data ->> 'active')::boolean = $2)
  AND ($3::text IS NULL OR data ->> 'type' = $3)
  AND ($4::text IS NULL OR data ->> 'currency' = $4)
ORDER BY seq DESC
LIMIT $5;
