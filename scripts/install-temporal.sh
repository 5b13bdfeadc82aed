#!/usr/bin/env bash
# Provides the real `temporal` CLI (dev server, Web UI, ops commands) and prints its path.
# Order: $TEMPORAL_CLI_PATH, a `temporal` on PATH, the project's .tools/bin (cached), a build
# from the Go module proxy, the official release archive. Idempotent: a second run is instant.
set -euo pipefail
VERSION=v1.5.1
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools/bin"
stamp="$tools/temporal.version"

if [ -n "${TEMPORAL_CLI_PATH:-}" ] && [ -x "$TEMPORAL_CLI_PATH" ]; then echo "$TEMPORAL_CLI_PATH"; exit 0; fi
if command -v temporal >/dev/null 2>&1 && [ "${TEMPORAL_IGNORE_PATH:-}" != 1 ]; then command -v temporal; exit 0; fi
if [ -x "$tools/temporal" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$VERSION" ]; then echo "$tools/temporal"; exit 0; fi

mkdir -p "$tools"
start=$(date +%s)
if command -v go >/dev/null 2>&1; then
  echo "building temporal CLI $VERSION from the Go module proxy (first time: several minutes)..." >&2
  GOBIN="$tools" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$VERSION" >&2
else
  os=$(uname -s | tr '[:upper:]' '[:lower:]'); arch=$(uname -m)
  case "$arch" in x86_64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; esac
  url="https://github.com/temporalio/cli/releases/download/$VERSION/temporal_cli_${VERSION#v}_${os}_${arch}.tar.gz"
  echo "downloading $url" >&2
  curl -fsSL "$url" | tar -xz -C "$tools" temporal >&2
fi
echo "$VERSION" > "$stamp"
echo "temporal CLI ready in $(( $(date +%s) - start ))s" >&2
echo "$tools/temporal"
