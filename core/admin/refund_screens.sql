-- name: refund_screens_who
SELECT u.telegram_id, u.first_name, u.last_name, u.username, p.name AS product_name
FROM transactions t
LEFT JOIN users u ON u.id = t.user_id
LEFT JOIN products p ON p.id = t.product_id
WHERE t.id = $1;
