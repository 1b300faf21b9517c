#!/usr/bin/env bash
# Apply sql/migrations/*.sql in order, each in its own transaction together
# with the row that records it. Needs only psql and DATABASE_URL; running it
# again applies nothing new.
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL must be set to the database to migrate}"
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/migrations"
psql_() { psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 "$@"; }

psql_ -c "CREATE TABLE IF NOT EXISTS schema_migrations (
    name text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now())" >/dev/null

applied="$(psql_ -At -c "SELECT name FROM schema_migrations")"
count=0
for file in "$dir"/[0-9]*.sql; do
    name="$(basename "$file")"
    if grep -qxF "$name" <<<"$applied"; then
        continue
    fi
    # One transaction: a concurrent run fails on the primary key and rolls
    # its copy back instead of applying a migration twice.
    psql_ --single-transaction \
        -c "INSERT INTO schema_migrations (name) VALUES ('$name')" \
        -f "$file" >/dev/null
    echo "applied $name"
    count=$((count + 1))
done
echo "migrations up to date ($count applied)"
