-- name: subscribers_credit_packs
-- The packs offered under "not enough credits": credit packs for sale.
SELECT code, name FROM products
WHERE active AND NOT hidden AND kind = 'credits'
ORDER BY sort;
