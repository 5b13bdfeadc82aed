#!/bin/sh
# One-shot: creates Temporal's two databases on PostgreSQL and brings their schemas to the version
# of the schema files given. Used by compose `temporal-schema` (image temporalio/admin-tools,
# defaults below) and by scripts/temporal-server.sh on the host (the tool and the schema files
# from scripts/install-temporal-server.sh). Safe to re-run: existing databases are kept, schemas
# only move up.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${POSTGRES_PWD:?}"
DB_PORT=${DB_PORT:-5432}
SQL_TOOL=${TEMPORAL_SQL_TOOL:-temporal-sql-tool}
SCHEMA_DIR=${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema}
TEMPORAL_DB=${TEMPORAL_DB:-temporal}
TEMPORAL_VISIBILITY_DB=${TEMPORAL_VISIBILITY_DB:-temporal_visibility}
sql() { "$SQL_TOOL" --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"; }

for db in "$TEMPORAL_DB" "$TEMPORAL_VISIBILITY_DB"; do
  sql --db "$db" create 2>/dev/null || echo "database $db exists"
done
sql --db "$TEMPORAL_DB" setup-schema -v 0.0
sql --db "$TEMPORAL_DB" update-schema -d "$SCHEMA_DIR/postgresql/v12/temporal/versioned"
sql --db "$TEMPORAL_VISIBILITY_DB" setup-schema -v 0.0
sql --db "$TEMPORAL_VISIBILITY_DB" update-schema -d "$SCHEMA_DIR/postgresql/v12/visibility/versioned"
echo 'temporal schema ready'
