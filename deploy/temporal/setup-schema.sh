#!/bin/sh
# One-shot (compose `temporal-schema`, image temporalio/admin-tools): creates Temporal's two
# databases on PostgreSQL and brings their schemas to the version this admin-tools image ships.
# Safe to re-run on every `docker-compose up`: existing databases are kept, schemas only move up.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${POSTGRES_PWD:?}"
DB_PORT=${DB_PORT:-5432}
sql() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"; }

for db in temporal temporal_visibility; do
  sql --db "$db" create 2>/dev/null || echo "database $db exists"
done
sql --db temporal setup-schema -v 0.0
sql --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned
sql --db temporal_visibility setup-schema -v 0.0
sql --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned
echo 'temporal schema ready'
