#!/usr/bin/env bash
# The fault harness at a larger scale than the test suite's step: more firms, more accounts and
# more SIGKILLs, against the same real parts (worker processes, PostgreSQL restarted, a mock
# Kafka broker taken down, the QuickBooks sandbox in an outage and throttling). It prints what
# it injected and what it verified.
#
#   scripts/fault-harness.sh                 # 60 firms × 8 accounts, 8 kills
#   QBSYNC_HARNESS_SEED=123 scripts/fault-harness.sh   # replay a run
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
url=$("$repo/scripts/setup.sh" | tail -n 1)
export QBSYNC_TEST_DATABASE_URL="$url"
export QBSYNC_HARNESS_FIRMS="${QBSYNC_HARNESS_FIRMS:-60}"
export QBSYNC_HARNESS_ACCOUNTS="${QBSYNC_HARNESS_ACCOUNTS:-8}"
export QBSYNC_HARNESS_KILLS="${QBSYNC_HARNESS_KILLS:-8}"
swift build --build-tests
swift test --skip-build --filter FaultHarness
