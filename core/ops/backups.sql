-- name: backups_relations
-- Tables, views and sequences outside Postgres' own schemas: an empty database has none.
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%';

-- name: backups_server_version
SELECT current_setting('server_version');

-- name: backups_server_major
SELECT current_setting('server_version_num')::int / 10000;

-- name: backups_summary
SELECT (SELECT count(*) FROM users) AS users,
       (SELECT coalesce(sum(credits), 0) FROM users) AS credits,
       (SELECT count(*) FROM credit_ledger) AS ledger_rows,
       (SELECT count(*) FROM transactions) AS payments,
       (SELECT max(name) FROM schema_migrations WHERE name NOT LIKE 'sandbox/%') AS migration;
