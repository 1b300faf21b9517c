-- name: payment_screens_list
-- Newest first, filtered: status, rail, product, user (users.id), [from, to).
SELECT t.id, t.rail, t.kind, t.status, t.amount, t.currency, t.amount_refunded, t.failure, t.created_at,
       t.paid_at, u.telegram_id, u.first_name, u.last_name, u.username,
       p.code AS product_code, p.name AS product_name
FROM transactions t
LEFT JOIN users u ON u.id = t.user_id
LEFT JOIN products p ON p.id = t.product_id
WHERE ($1::text IS NULL OR t.status = $1)
  AND ($2::text IS NULL OR t.rail = $2)
  AND ($3::bigint IS NULL OR t.product_id = $3)
  AND ($4::bigint IS NULL OR t.user_id = $4)
  AND ($5::timestamptz IS NULL OR t.created_at >= $5)
  AND ($6::timestamptz IS NULL OR t.created_at < $6)
ORDER BY t.created_at DESC, t.id DESC
LIMIT $7 OFFSET $8;

-- name: payment_screens_count
-- How many match, counted up to $7 (a screen says "10,000+" rather than scan every payment).
SELECT count(*) FROM (
    SELECT 1 FROM transactions t
    WHERE ($1::text IS NULL OR t.status = $1)
      AND ($2::text IS NULL OR t.rail = $2)
      AND ($3::bigint IS NULL OR t.product_id = $3)
      AND ($4::bigint IS NULL OR t.user_id = $4)
      AND ($5::timestamptz IS NULL OR t.created_at >= $5)
      AND ($6::timestamptz IS NULL OR t.created_at < $6)
    LIMIT $7
) capped;

-- name: payment_screens_problems
-- Failed payments (newest attempt first) or open disputes (newest first).
SELECT t.id, t.rail, t.kind, t.status, t.amount, t.currency, t.amount_refunded, t.failure, t.created_at,
       t.paid_at, u.telegram_id, u.first_name, u.last_name, u.username,
       p.code AS product_code, p.name AS product_name
FROM transactions t
LEFT JOIN users u ON u.id = t.user_id
LEFT JOIN products p ON p.id = t.product_id
WHERE t.status = $1
ORDER BY t.updated_at DESC, t.id DESC
LIMIT $2 OFFSET $3;

-- name: payment_screens_problems_count
SELECT count(*) FROM transactions WHERE status = $1;

-- name: payment_screens_card
SELECT t.*, u.telegram_id, u.first_name, u.last_name, u.username, u.stripe_customer_id,
       p.code AS product_code, p.name AS product_name
FROM transactions t
LEFT JOIN users u ON u.id = t.user_id
LEFT JOIN products p ON p.id = t.product_id
WHERE t.id = $1;

-- name: payment_screens_find
-- A payment by the provider's id: session, intent, charge, invoice, or Telegram charge.
SELECT id FROM transactions
WHERE external_id = $1 OR stripe_payment_intent = $1 OR stripe_charge = $1 OR stripe_invoice = $1
ORDER BY id DESC
LIMIT 1;

-- name: payment_screens_timeline
SELECT at, kind, amount, note FROM (
    SELECT created_at AS at, 'opened' AS kind, NULL::bigint AS amount, kind || ' on ' || rail AS note
    FROM transactions WHERE id = $1
    UNION ALL
    SELECT paid_at, 'paid', NULL, NULL FROM transactions WHERE id = $1 AND paid_at IS NOT NULL
    UNION ALL
    SELECT (f ->> 'at')::timestamptz, 'failed', NULL, f ->> 'reason'
    FROM transactions, jsonb_array_elements(coalesce(details -> 'failures', '[]'::jsonb)) f
    WHERE id = $1
    UNION ALL
    SELECT coalesce(e.created_at, e.received_at), 'event', NULL, e.type || ': ' || e.outcome || coalesce(' (' || e.note || ')', '')
    FROM stripe_events e
    WHERE e.transaction_id = $1
       OR (e.payment_intent IS NOT NULL AND e.payment_intent = (SELECT stripe_payment_intent FROM transactions WHERE id = $1))
    UNION ALL
    SELECT created_at, 'credits', delta, reason FROM credit_ledger WHERE transaction_id = $1
    UNION ALL
    SELECT created_at, 'pass', seconds, reason FROM pass_grants WHERE transaction_id = $1
    UNION ALL
    SELECT r.created_at, 'refund_asked', r.amount,
           coalesce(nullif(trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), ''),
                    r.operator_id::text)
    FROM refund_requests r LEFT JOIN users u ON u.telegram_id = r.operator_id
    WHERE r.transaction_id = $1
    UNION ALL
    SELECT completed_at, 'refund_answer', amount, status || coalesce(' — ' || failure, '')
    FROM refund_requests WHERE transaction_id = $1 AND completed_at IS NOT NULL
    UNION ALL
    SELECT at, 'refunded', amount, NULL FROM payment_refunds WHERE transaction_id = $1
) events
ORDER BY at, kind
LIMIT 30;

-- name: payment_screens_summary
-- The Billing screen's head: the last 30 days, and what needs attention.
SELECT (SELECT count(*) FROM transactions WHERE status = 'pending') AS pending,
       (SELECT count(*) FROM transactions WHERE status = 'failed'
                                          AND updated_at > now() - interval '30 days') AS failed,
       (SELECT count(*) FROM transactions WHERE status = 'disputed') AS disputed,
       (SELECT count(*) FROM refund_requests WHERE status = 'requested') AS refunds_open;

-- name: payment_screens_recent_revenue
SELECT currency, sum(payments)::integer AS payments, sum(gross)::bigint AS gross,
       sum(refunds)::bigint AS refunds
FROM revenue_days
WHERE day > (now() AT TIME ZONE 'UTC')::date - 30
GROUP BY currency
ORDER BY currency;

-- name: payment_screens_names
-- The product's code and the user's name a filter names, for the list's title.
SELECT (SELECT code FROM products WHERE id = $1) AS product,
       (SELECT coalesce(nullif(trim(first_name || ' ' || coalesce(last_name, '')), ''), telegram_id::text)
        FROM users WHERE id = $2) AS user_name;
