#!/usr/bin/env bash
# Sets up everything the test suite needs (system libraries, a private PostgreSQL) and runs
# the whole suite: unit tests of the sync core, and integration tests against the real
# PostgreSQL, librdkafka's embedded mock cluster and the QuickBooks sandbox over HTTP.
#
# The PostgreSQL restart test and the fault harness restart the shared test server, so they run
# on their own after everything else.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

# The formatter ships with the toolchain; `swift format --in-place --recursive --parallel Sources
# Tests Package.swift` fixes what this reports.
swift format lint --strict --recursive --parallel Sources Tests Package.swift
url=$("$repo/scripts/setup.sh" | tail -n 1)
export QBSYNC_TEST_DATABASE_URL="$url"
swift build --build-tests "$@"
# The integration tests wait on real servers far more than they compute; 16 at a time keeps two
# cores, one PostgreSQL server and the mock Kafka clusters responsive (unbounded, a few hundred
# librdkafka threads and PostgreSQL sessions at once starve the timing-sensitive ones).
width=(--experimental-maximum-parallelization-width 16)
# The tests record every message they send, observe and read from the dead-letter topic here;
# scripts/check-contract.sh then checks them against the event contract in contract/.
samples="$repo/.build/contract-samples"
rm -rf "$samples"
QBSYNC_CONTRACT_SAMPLES="$samples" swift test --skip-build --skip 'ServerRestartTests|ShutdownDuringOutage|FaultHarness' "${width[@]}" "$@"
scripts/check-contract.sh "$samples"
# docker-compose.yml and deploy/ cannot start here (no Docker engine): check them and run their commands.
scripts/check-deploy.sh
# These restart or stop the shared PostgreSQL server, so they run alone: the restart test, SIGTERM
# while PostgreSQL is down, then the fault harness (three worker processes killed with SIGKILL,
# PostgreSQL restarted, a broker down, QuickBooks out and throttling; scripts/fault-harness.sh
# runs a larger one).
swift test --skip-build --filter ServerRestartTests "$@"
swift test --skip-build --filter ShutdownDuringOutage "$@"
swift test --skip-build --filter FaultHarness "$@"
