#!/usr/bin/env bash
# Measures qbsync end to end in release mode and prints the figures: a worker process draining a
# backlog of invoices from the embedded Kafka cluster into a zero-latency QuickBooks sandbox
# (throughput, CPU per event for the worker and for PostgreSQL, memory), then one firm's backlog
# against QuickBooks' own limits, time-compressed (pace, 429s). Options: qbsync-bench --help.
#
#   scripts/bench.sh                         # 40 firms x 10 accounts x 25 invoices, then the pace run
#   scripts/bench.sh --invoices 100          # a larger backlog
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
url=$("$repo/scripts/setup.sh" | tail -n 1)
echo "Building qbsync and the benchmark in release mode (the first build takes several minutes)…" >&2
swift build -c release --product qbsync >&2
swift build -c release --product qbsync-bench >&2
QBSYNC_DATABASE_URL="$url" exec "$(swift build -c release --show-bin-path)/qbsync-bench" "$@"
