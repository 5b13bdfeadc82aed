#!/bin/sh
# One-shot: creates the namespace and registers cardbridge's custom search attributes (the
# Name=Type lines of search-attributes.txt next to this file, the list in src/shared/contract.ts
# SEARCH_ATTRIBUTE_REGISTRATIONS). Used by compose `temporal-setup` (image
# temporalio/admin-tools) and by scripts/temporal-server.sh on the host. Idempotent.
set -eu
: "${TEMPORAL_ADDRESS:?}" "${TEMPORAL_NAMESPACE:?}"
RETENTION=${TEMPORAL_NAMESPACE_RETENTION:-30d}
SEARCH_ATTRIBUTES_FILE=${SEARCH_ATTRIBUTES_FILE:-$(dirname "$0")/search-attributes.txt}
SEARCH_ATTRIBUTES=$(grep -v '^#' "$SEARCH_ATTRIBUTES_FILE" | tr '\n' ' ')
temporal() { "${TEMPORAL_CLI:-temporal}" "$@"; }

attempt=0
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
  attempt=$((attempt + 1))
  [ "$attempt" -lt 60 ] || { echo "Temporal at $TEMPORAL_ADDRESS did not become healthy"; exit 1; }
  sleep 2
done

temporal operator namespace describe -n "$TEMPORAL_NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 ||
  temporal operator namespace create -n "$TEMPORAL_NAMESPACE" --retention "$RETENTION" --address "$TEMPORAL_ADDRESS"

# A new namespace takes a few seconds to reach the frontend's cache.
attempt=0
until existing=$(temporal operator search-attribute list -n "$TEMPORAL_NAMESPACE" --address "$TEMPORAL_ADDRESS" 2>/dev/null); do
  attempt=$((attempt + 1))
  [ "$attempt" -lt 60 ] || { echo "namespace $TEMPORAL_NAMESPACE did not become available"; exit 1; }
  sleep 2
done
for sa in $SEARCH_ATTRIBUTES; do
  name=${sa%%=*}
  type=${sa#*=}
  if printf '%s\n' "$existing" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create -n "$TEMPORAL_NAMESPACE" --address "$TEMPORAL_ADDRESS" \
      --name "$name" --type "$type"
  fi
done
echo "namespace $TEMPORAL_NAMESPACE ready"
