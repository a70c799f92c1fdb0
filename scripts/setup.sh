#!/usr/bin/env bash
# Prepares a fresh Debian/Ubuntu machine that has the Swift toolchain: installs the system
# libraries qbsync links (librdkafka, libpq), PostgreSQL and promtool (Debian's prometheus package;
# scripts/check-deploy.sh checks and unit-tests the alert rules with it), then starts a private server.
# Prints the PostgreSQL URL on its last line. Safe to run again.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

need=()
for pkg in librdkafka-dev libpq-dev postgresql postgresql-client pkg-config python3 python3-yaml python3-pip; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
command -v promtool >/dev/null || need+=(prometheus)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
command -v swift >/dev/null || { echo "setup: the Swift toolchain is not on PATH (https://swift.org/install)" >&2; exit 1; }

"$repo/scripts/postgres.sh" start
