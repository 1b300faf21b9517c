#!/usr/bin/env bash
# Apply sql/migrations/*.sql in order, each in its own transaction together
# with the row that records it. Needs only psql and DATABASE_URL; running it
# again applies nothing new.
#
# --sandbox then applies sql/sandbox/*.sql, the tables of the stand-ins for
# Telegram and Stripe (core/sandbox), recorded as sandbox/NAME. Production
# never runs them: only sandbox mode (no BOT_TOKEN) and the tests need them.
set -euo pipefail
usage="usage: bash sql/migrate.sh [--sandbox]"
sandbox=false
for arg in "$@"; do
    case "$arg" in
        --sandbox) sandbox=true ;;
        -h | --help) echo "$usage"; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; echo "$usage" >&2; exit 2 ;;
    esac
done
: "${DATABASE_URL:?DATABASE_URL must be set to the database to migrate}"
sql="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
psql_() { psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 "$@"; }

psql_ -c "CREATE TABLE IF NOT EXISTS schema_migrations (
    name text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now())" >/dev/null

applied="$(psql_ -At -c "SELECT name FROM schema_migrations")"
count=0

# apply DIR PREFIX: every DIR/NNNN_*.sql not yet recorded, as PREFIX + its name.
apply() {
    local file name formerly
    for file in "$1"/[0-9]*.sql; do
        name="$2$(basename "$file")"
        if grep -qxF "$name" <<<"$applied"; then
            continue
        fi
        # The sandbox's files used to be production migrations: a database that
        # applied one under its old name ("-- formerly: NAME" on its first line)
        # has its schema already, and running it again would fail.
        formerly="$(sed -n '1s/^-- formerly: \([0-9A-Za-z_.]*\.sql\)$/\1/p' "$file")"
        if [ -n "$formerly" ] && grep -qxF "$formerly" <<<"$applied"; then
            psql_ -c "INSERT INTO schema_migrations (name) VALUES ('$name')" >/dev/null
            echo "recorded $name (applied before as $formerly)"
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
}

apply "$sql/migrations" ""
if [ "$sandbox" = true ]; then
    apply "$sql/sandbox" "sandbox/"
fi
echo "migrations up to date ($count applied)"
