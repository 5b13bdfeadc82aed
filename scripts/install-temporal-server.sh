#!/usr/bin/env bash
# Provides the real Temporal server for the production topology and prints its directory:
#   <dir>/temporal-server     go.temporal.io/server/cmd/server
#   <dir>/temporal-sql-tool   go.temporal.io/server/cmd/tools/sql (schema setup/update)
#   <dir>/schema/             the module's schema files (postgresql/v12/{temporal,visibility})
# Order: $TEMPORAL_SERVER_DIR (if it holds all three), the project's .tools cache (version
# stamp), a build from the Go module proxy. Idempotent: a second run is instant.
# The version is the server the `temporal` CLI v1.5.1 embeds (scripts/install-temporal.sh).
set -euo pipefail
VERSION=v1.29.1
MODULE=go.temporal.io/server
root=$(cd "$(dirname "$0")/.." && pwd)
complete() { [ -x "$1/temporal-server" ] && [ -x "$1/temporal-sql-tool" ] && [ -d "$1/schema/postgresql/v12" ]; }

if [ -n "${TEMPORAL_SERVER_DIR:-}" ] && complete "$TEMPORAL_SERVER_DIR"; then echo "$TEMPORAL_SERVER_DIR"; exit 0; fi
dir="$root/.tools/temporal-server-$VERSION"
if complete "$dir" && [ "$(cat "$dir/version" 2>/dev/null)" = "$VERSION" ]; then echo "$dir"; exit 0; fi

command -v go >/dev/null 2>&1 || { echo "install-temporal-server: Go is needed to build the Temporal server (https://go.dev/dl)" >&2; exit 1; }
start=$(date +%s)
echo "building Temporal server $VERSION from the Go module proxy (first time: several minutes)..." >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin"
if ! GOBIN="$tmp/bin" GOFLAGS=-mod=mod go install "$MODULE/cmd/server@$VERSION" "$MODULE/cmd/tools/sql@$VERSION" >&2; then
  # `go install module@version` refuses a go.mod with replace directives: build inside a copy.
  echo "go install refused; building inside a copy of the module" >&2
  src=$(go mod download -json "$MODULE@$VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  cp -r "$src" "$tmp/src" && chmod -R u+w "$tmp/src"
  (cd "$tmp/src" && go build -o "$tmp/bin/server" ./cmd/server && go build -o "$tmp/bin/sql" ./cmd/tools/sql) >&2
fi
src=$(go mod download -json "$MODULE@$VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
rm -rf "$dir" && mkdir -p "$dir"
mv "$tmp/bin/server" "$dir/temporal-server"
mv "$tmp/bin/sql" "$dir/temporal-sql-tool"
cp -r "$src/schema" "$dir/schema" && chmod -R u+w "$dir/schema"
echo "$VERSION" >"$dir/version"
echo "Temporal server $VERSION ready in $(( $(date +%s) - start ))s" >&2
echo "$dir"
