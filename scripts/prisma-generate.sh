#!/usr/bin/env sh
# Generates the Prisma client offline: generation is WASM; the native schema engine that the
# CLI would download is replaced by a stub that fails loudly if anything really needs it.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${PRISMA_SCHEMA_ENGINE_BINARY:-}" ]; then
  PRISMA_SCHEMA_ENGINE_BINARY="$root/scripts/bin/no-schema-engine"
  export PRISMA_SCHEMA_ENGINE_BINARY
fi
cd "$root" && node node_modules/prisma/build/index.js generate
