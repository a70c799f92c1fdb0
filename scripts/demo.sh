#!/usr/bin/env bash
# The newcomer's demo: sets up what qbsync needs (system libraries, a private PostgreSQL),
# builds it, and runs the worker on embedded defaults (Kafka mock cluster, QuickBooks sandbox)
# with sample traffic, printing the QuickBooks column as it changes.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

url=$("$repo/scripts/setup.sh" | tail -n 1)
export QBSYNC_DATABASE_URL="${QBSYNC_DATABASE_URL:-$url}"
echo "Building qbsync-dev (the first build takes several minutes)…"
swift build --product qbsync-dev 2>&1 | grep -E 'error|warning: unre|Compiling qbsync|Build complete' || true
exec "$(swift build --show-bin-path)/qbsync-dev" demo "$@"
