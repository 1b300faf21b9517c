-- name: revenue_periods
-- Per period (day, week or month, UTC) and currency: payments, gross, refunds, from $2 on.
SELECT date_trunc($1, day)::date AS period, currency, sum(payments)::integer AS payments,
       sum(gross)::bigint AS gross, sum(refunds)::bigint AS refunds
FROM revenue_days
WHERE day >= $2
GROUP BY 1, 2
ORDER BY 1 DESC, 2;

-- name: revenue_by_product
-- Per product and rail over the report's range.
SELECT r.product_id, p.code, p.name, r.rail, r.currency, sum(r.payments)::integer AS payments,
       sum(r.gross)::bigint AS gross, sum(r.refunds)::bigint AS refunds
FROM revenue_days r LEFT JOIN products p ON p.id = r.product_id
WHERE r.day >= $1
GROUP BY r.product_id, p.code, p.name, r.rail, r.currency
ORDER BY sum(r.gross) - sum(r.refunds) DESC, r.product_id, r.rail;

-- name: revenue_csv
-- Every period, currency, rail and product of the range: the CSV's rows, aggregated here.
SELECT date_trunc($1, r.day)::date AS period, r.currency, r.rail, coalesce(p.code, '') AS code,
       coalesce(p.name, '') AS name, sum(r.payments)::integer AS payments, sum(r.gross)::bigint AS gross,
       sum(r.refunds)::bigint AS refunds
FROM revenue_days r LEFT JOIN products p ON p.id = r.product_id
WHERE r.day >= $2
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3, 4;

-- name: revenue_today
SELECT (now() AT TIME ZONE 'UTC')::date;
