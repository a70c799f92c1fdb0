#!/usr/bin/env bash
# Checks docker-compose.yml and deploy/ without a Docker engine:
#   1. every file parses, and the compose file's references (depends_on, commands) are sound;
#   2. the commands the compose services run are run here, as real processes on loopback:
#      the sandbox, migrate, and a worker that must become ready and stop cleanly on SIGTERM.
# Needs: a built qbsync (swift build) and QBSYNC_TEST_DATABASE_URL (scripts/test.sh sets both).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bin="$(swift build --show-bin-path)/qbsync"
[ -x "$bin" ] || { echo "check-deploy: build qbsync first (swift build)" >&2; exit 1; }
: "${QBSYNC_TEST_DATABASE_URL:?set QBSYNC_TEST_DATABASE_URL (scripts/test.sh does)}"

python3 - "$bin" <<'PY'
import subprocess, sys, glob, yaml
qbsync = sys.argv[1]
# The variables the worker reads, from the worker itself.
known = set(subprocess.run([qbsync, "config", "variables", "--names"], capture_output=True, text=True, check=True).stdout.split())
def reads(variable):
    return variable in known or variable.startswith("QBSYNC_KAFKA_PROPERTY_") or variable.startswith("QBSYNC_SANDBOX_")
compose = yaml.safe_load(open("docker-compose.yml"))
services = compose["services"]
problems = []
drain_ms, deployment_grace = 30000, None
for name, service in services.items():
    for dependency in (service.get("depends_on") or {}):
        if dependency not in services:
            problems.append(f"{name} depends on unknown service {dependency}")
    build = service.get("build")
    command = service.get("command")
    if build and build.get("dockerfile") == "deploy/Dockerfile" and command:
        # the image's entrypoint is qbsync: the command must be a subcommand it knows
        result = subprocess.run([qbsync, command[0], "--help"], capture_output=True, text=True)
        if result.returncode != 0:
            problems.append(f"{name}: 'qbsync {command[0]}' is not a qbsync command")
    for variable in (service.get("environment") or {}):
        if variable.startswith("QBSYNC_") and not reads(variable):
            problems.append(f"{name}: {variable} is not a variable qbsync reads (qbsync config variables)")
for path in glob.glob("deploy/kubernetes/*.yaml"):
    for document in yaml.safe_load_all(open(path)):
        if not document: continue
        for key in ("apiVersion", "kind"):
            if key not in document: problems.append(f"{path}: missing {key}")
        if document.get("kind") not in ("Kustomization",) and "name" not in document.get("metadata", {}):
            problems.append(f"{path}: missing metadata.name")
        if document.get("kind") in ("ConfigMap", "Secret"):
            for variable in list((document.get("data") or {})) + list((document.get("stringData") or {})):
                if variable.startswith("QBSYNC_") and not reads(variable):
                    problems.append(f"{path}: {variable} is not a variable qbsync reads (qbsync config variables)")
        if document.get("kind") == "ConfigMap":
            drain_ms = int((document.get("data") or {}).get("QBSYNC_DRAIN_TIMEOUT_MS", "30000"))
        if document.get("kind") == "Deployment":
            grace = document["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30)
            deployment_grace = (path, grace)
            container = document["spec"]["template"]["spec"]["containers"][0]
            if container["args"][0] != "worker": problems.append(f"{path}: the Deployment must run 'qbsync worker'")
            for probe in ("livenessProbe", "readinessProbe"):
                if probe not in container: problems.append(f"{path}: missing {probe}")
if deployment_grace:
    # The worker's shutdown budget: drain + commit (10 s) + publish and flush (15 s) + margin (5 s).
    budget = drain_ms / 1000 + 30
    if deployment_grace[1] <= budget:
        problems.append(f"{deployment_grace[0]}: terminationGracePeriodSeconds {deployment_grace[1]} must exceed the shutdown budget ({budget:.0f} s)")
# The ConfigMap and example Secret must make a configuration the worker accepts.
env = {}
for path in ("deploy/kubernetes/configmap.yaml", "deploy/kubernetes/secret.example.yaml"):
    for document in yaml.safe_load_all(open(path)):
        if document: env.update({k: str(v) for k, v in ((document.get("data") or {}) | (document.get("stringData") or {})).items()})
import base64, os
env["QBSYNC_TOKEN_KEY"] = base64.b64encode(os.urandom(32)).decode()
env["QBSYNC_ADMIN_TOKEN"] = "an-admin-token-of-sixteen"
env["QBSYNC_DATABASE_URL"] = env["QBSYNC_DATABASE_URL"].replace("sslmode=verify-full&sslrootcert=/etc/qbsync/pg-ca.crt", "sslmode=require")
checked = subprocess.run([qbsync, "config", "check"], capture_output=True, text=True, env={"PATH": os.environ["PATH"], **env})
if checked.returncode != 0:
    problems.append(f"deploy/kubernetes: the ConfigMap and Secret do not make a valid configuration: {checked.stderr.strip()}")
for line in open("deploy/Dockerfile"):
    if line.startswith("HEALTHCHECK") and "qbsync" in line and "probe" not in line:
        problems.append("deploy/Dockerfile: the health check must use 'qbsync probe'")
if problems:
    print("check-deploy: " + "\n  ".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"check-deploy: docker-compose.yml ({len(services)} services) and deploy/kubernetes parse and reference real commands")
PY

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {  # url, seconds
  for _ in $(seq 1 $(( $2 * 10 ))); do "$bin" probe --url "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "check-deploy: $1 did not answer within $2 s" >&2; return 1
}

# A database of its own, like the compose postgres service.
db="qbsync_deploy_$$"
psql_url="$QBSYNC_TEST_DATABASE_URL"
psql "$psql_url" -qc "create database $db" >/dev/null
trap 'cleanup; psql "$psql_url" -qc "drop database if exists $db with (force)" >/dev/null 2>&1 || true' EXIT
QBSYNC_DATABASE_URL=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$psql_url" "$db")
export QBSYNC_DATABASE_URL

# The sandbox service: `qbsync sandbox --host … --port 8081`, health-checked as in compose.
sandbox_port=$(free_port)
"$bin" sandbox --host 127.0.0.1 --port "$sandbox_port" --log-level warning 2>"$work/sandbox.log" &
pids+=($!)
wait_for "http://127.0.0.1:$sandbox_port/admin/v1/health" 30

# The migrate service.
"$bin" migrate --log-level warning 2>"$work/migrate.log" | grep -q "applied migrations\|schema up to date" \
  || { echo "check-deploy: qbsync migrate failed:" >&2; cat "$work/migrate.log" >&2; exit 1; }

# Kafka: the mock cluster as its own process (compose uses a real broker).
"$bin" kafka-mock --bootstrap-file "$work/bootstrap" --log-level warning >/dev/null 2>"$work/kafka.log" &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
[ -s "$work/bootstrap" ] || { echo "check-deploy: the Kafka mock cluster did not start" >&2; exit 1; }

# A worker service with the compose environment, pointed at loopback.
worker_port=$(free_port)
QBSYNC_KAFKA_BOOTSTRAP_SERVERS=$(cat "$work/bootstrap") QBSYNC_KAFKA_MOCK_CLUSTER=1 \
QBSYNC_QBO_API_URL="http://127.0.0.1:$sandbox_port" QBSYNC_QBO_TOKEN_URL="http://127.0.0.1:$sandbox_port/oauth2/v1/tokens/bearer" \
QBSYNC_TOKEN_KEY="$(python3 -c 'import os,base64; print(base64.b64encode(os.urandom(32)).decode())')" \
QBSYNC_HTTP_HOST=127.0.0.1 QBSYNC_HTTP_PORT="$worker_port" QBSYNC_ADMIN_TOKEN=check-deploy-admin-token \
  "$bin" worker 2>"$work/worker.log" &
worker=$!
pids+=($worker)
wait_for "http://127.0.0.1:$worker_port/readyz" 60
"$bin" probe --url "http://127.0.0.1:$worker_port/metrics" >/dev/null
kill -TERM "$worker"
if ! wait "$worker"; then
  echo "check-deploy: the worker did not exit cleanly on SIGTERM; its log:" >&2; tail -n 20 "$work/worker.log" >&2; exit 1
fi
grep -q '"msg":"qbsync worker stopped"' "$work/worker.log" || { echo "check-deploy: no graceful-stop log line" >&2; exit 1; }
QBSYNC_KAFKA_BOOTSTRAP_SERVERS=$(cat "$work/bootstrap") QBSYNC_KAFKA_MOCK_CLUSTER=1 "$bin" dlq list --log-level warning 2>"$work/dlq.log" \
  | grep -q "^0 dead letter(s)$" || { echo "check-deploy: qbsync dlq list failed:" >&2; cat "$work/dlq.log" >&2; exit 1; }
echo "check-deploy: sandbox, migrate, kafka-mock, worker and dlq list ran as real processes; the worker became ready and stopped cleanly on SIGTERM"
