#!/usr/bin/env bash
# Sets up everything the test suite needs (system libraries, a private PostgreSQL) and runs
# the whole suite: unit tests of the sync core and integration tests against the real
# PostgreSQL, librdkafka's embedded mock cluster and the QuickBooks sandbox over HTTP.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

url=$("$repo/scripts/setup.sh" | tail -n 1)
export QBSYNC_TEST_DATABASE_URL="$url"
export QBSYNC_PG_SCRIPT="$repo/scripts/postgres.sh"
swift build --build-tests "$@"
swift test --skip-build "$@"
