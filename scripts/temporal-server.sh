#!/usr/bin/env bash
# The production-shaped Temporal server on a host: the server built by
# scripts/install-temporal-server.sh, on PostgreSQL, with the config of deploy/temporal (the same
# files docker-compose.yml mounts). Creates/updates the schemas, starts the server in the
# foreground and, once it answers, creates the namespace and the search attributes.
#   POSTGRES_SEEDS=127.0.0.1 POSTGRES_USER=temporal POSTGRES_PWD=... TEMPORAL_NAMESPACE=cardbridge \
#     bash scripts/temporal-server.sh
# Other settings: see deploy/temporal/config/production.yaml (ports, database names).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(bash "$root/scripts/install-temporal-server.sh")
export TEMPORAL_SQL_TOOL="$dir/temporal-sql-tool" TEMPORAL_SCHEMA_DIR="$dir/schema"
export DYNAMIC_CONFIG_FILE_PATH=${DYNAMIC_CONFIG_FILE_PATH:-$root/deploy/temporal/dynamicconfig/production-sql.yaml}
sh "$root/deploy/temporal/setup-schema.sh"
"$dir/temporal-server" --root "$root" --config deploy/temporal/config --env production --allow-no-auth start &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server' INT TERM
TEMPORAL_ADDRESS=${TEMPORAL_ADDRESS:-127.0.0.1:${FRONTEND_GRPC_PORT:-7233}} \
  TEMPORAL_NAMESPACE=${TEMPORAL_NAMESPACE:-cardbridge} TEMPORAL_CLI=$(bash "$root/scripts/install-temporal.sh") \
  sh "$root/deploy/temporal/setup-namespace.sh"
wait $server
