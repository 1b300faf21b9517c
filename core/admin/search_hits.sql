-- name: search_hits_settings
SELECT array_agg(current_setting(name) ORDER BY n) FROM unnest($1::text[]) WITH ORDINALITY AS s(name, n);

-- name: search_hits_configure
-- For the rest of the transaction (or of the savepoint, when it is rolled back).
SELECT set_config(name, value, true) FROM unnest($1::text[], $2::text[]) AS s(name, value);
