#!/usr/bin/env bash
# Starts (or reuses) a private PostgreSQL server for development, tests and the demo.
#
#   scripts/postgres.sh start   # init if needed, start, create role+db, print the URL
#   scripts/postgres.sh stop
#   scripts/postgres.sh url     # print the connection URL
#
# PostgreSQL refuses to run as root, so when invoked as root the server runs as the
# unprivileged `postgres` user (created by Debian's package) or QBSYNC_PG_OS_USER.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${QBSYNC_PG_DIR:-$repo/.local/postgres}
port=${QBSYNC_PG_PORT:-55432}
db=${QBSYNC_PG_DATABASE:-qbsync}
role=${QBSYNC_PG_ROLE:-qbsync}
bin=${QBSYNC_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}

die() { echo "postgres.sh: $*" >&2; exit 1; }
[ -x "$bin/pg_ctl" ] || die "no PostgreSQL server binaries found (install Debian's 'postgresql' package, or set QBSYNC_PG_BIN)"

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    local user=${QBSYNC_PG_OS_USER:-postgres}
    id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

url() { echo "postgresql://$role@127.0.0.1:$port/$db?sslmode=disable"; }

start() {
  mkdir -p "$data"
  if [ "$(id -u)" -eq 0 ]; then
    chown "${QBSYNC_PG_OS_USER:-postgres}" "$data"
    # the server user must be able to reach the data directory
    d=$(dirname "$data"); while [ "$d" != "/" ]; do chmod o+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done
  fi
  chmod 700 "$data"
  if [ ! -f "$data/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$data" -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
max_connections = 300
shared_buffers = 256MB
fsync = ${QBSYNC_PG_FSYNC:-on}
synchronous_commit = ${QBSYNC_PG_SYNCHRONOUS_COMMIT:-on}
CONF
  fi
  if ! as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null \
      || { tail -n 20 "$data/server.log" >&2; die "the server did not start (log above)"; }
  fi
  psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }
  psql -d postgres -tAc "select 1 from pg_roles where rolname = '$role'" | grep -q 1 \
    || psql -d postgres -c "create role \"$role\" login createdb"
  psql -d postgres -tAc "select 1 from pg_database where datname = '$db'" | grep -q 1 \
    || psql -d postgres -c "create database \"$db\" owner \"$role\""
  url
}

stop() {
  [ -f "$data/PG_VERSION" ] || return 0
  as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  url) url ;;
  *) die "usage: scripts/postgres.sh start|stop|restart|url" ;;
esac
