#!/usr/bin/env bash
# Checks docker-compose.yml and deploy/ without a Docker engine:
#   1. every file parses, and the compose file's references (depends_on, commands) are sound;
#      images are pinned (no `latest`, no missing tag: compose, Kubernetes after kustomization.yaml
#      `images:`, Dockerfile FROM lines); compose's Kafka keeps its log in a named volume;
#   2. Kubernetes: probes (a startupProbe long enough for the migrations), every volumeMount has a
#      volume and every file the configuration names (Kafka CA, sslrootcert…) is in a mounted one,
#      the migration Job's name carries the image version (re-appliable), the KEDA ScaledObject
#      targets the worker Deployment with the ConfigMap's brokers and group, the ingress topics,
#      the worker's Secrets and at most as many replicas as partitions;
#   3. monitoring: the Prometheus rules pass `promtool check rules` and their unit tests
#      (`promtool test rules`; every alert shown firing and not firing), and the rules and the
#      Grafana dashboard use only metric names the worker exports (METRICS below);
#   4. the commands the compose services run are run here, as real processes on loopback:
#      the sandbox, migrate, and a worker that must become ready and stop cleanly on SIGTERM.
# Needs: a built qbsync (swift build), promtool (scripts/setup.sh installs Debian's prometheus
# package) and QBSYNC_TEST_DATABASE_URL (scripts/test.sh sets all three).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bin="$(swift build --show-bin-path)/qbsync"
dev_bin="$(swift build --show-bin-path)/qbsync-dev"
[ -x "$bin" ] && [ -x "$dev_bin" ] || { echo "check-deploy: build qbsync and qbsync-dev first (swift build)" >&2; exit 1; }
: "${QBSYNC_TEST_DATABASE_URL:?set QBSYNC_TEST_DATABASE_URL (scripts/test.sh does)}"
command -v promtool >/dev/null || { echo "check-deploy: promtool is missing (scripts/setup.sh installs Debian's prometheus package)" >&2; exit 1; }

python3 - "$bin" "$dev_bin" <<'PY'
import base64, glob, json, os, re, subprocess, sys, tempfile, yaml
qbsync, qbsync_dev = sys.argv[1], sys.argv[2]
problems = []

# The metric names the alert rules and the dashboard may use: those README.md's "GET /metrics"
# bullet lists. Each must be listed there and registered by the worker's sources (both checked
# below), so a metric renamed there fails this check until the rules and the dashboard follow.
METRICS = {
    "qbsync_events_total": "counter",
    "qbsync_dead_letters_total": "counter",
    "qbsync_rejected_toggles_total": "counter",
    "qbsync_qbo_requests_total": "counter",
    "qbsync_qbo_request_duration_seconds": "histogram",
    "qbsync_qbo_throttled_total": "counter",
    "qbsync_parked_accounts": "gauge",
    "qbsync_document_writes_total": "counter",
    "qbsync_parked_document_queues": "gauge",
    "qbsync_outbox_published_total": "counter",
    "qbsync_outbox_set_aside_total": "counter",
    "qbsync_consumer_lag": "gauge",
    "qbsync_outbox_pending": "gauge",
    "qbsync_outbox_oldest_pending_seconds": "gauge",
    "qbsync_firms_disconnected": "gauge",
    "qbsync_outbox_set_aside": "gauge",
    "qbsync_figures_reporter": "gauge",
}
RULES, RULE_TESTS, DASHBOARD = "deploy/prometheus/qbsync-alerts.yaml", "deploy/prometheus/qbsync-alerts.test.yaml", "deploy/grafana/qbsync-dashboard.json"
# The worker applies migrations before /healthz answers: the startupProbe must allow this long.
STARTUP_BUDGET_S = 300
MIGRATE_JOB_PREFIX = "qbsync-migrate-"

# The variables the worker reads, from the worker itself (with their defaults).
variables = subprocess.run([qbsync, "config", "variables"], capture_output=True, text=True, check=True).stdout
known = set(subprocess.run([qbsync, "config", "variables", "--names"], capture_output=True, text=True, check=True).stdout.split())
defaults = dict(re.findall(r"^(QBSYNC_[A-Z0-9_]+) \[([^\]]*)\]", variables, re.M))
def reads(variable):
    return variable in known or variable.startswith("QBSYNC_KAFKA_PROPERTY_") or variable.startswith("QBSYNC_SANDBOX_")
def is_command(words, executable=None):
    """Whether `qbsync WORDS…` names a (sub)command: each word is listed under SUBCOMMANDS in its
    parent's help (`--help` itself exits 0 even after an unknown word)."""
    for depth, word in enumerate(words):
        usage = subprocess.run([executable or qbsync, *words[:depth], "--help"], capture_output=True, text=True).stdout
        listed = re.findall(r"^  ([a-z][a-z-]*)(?: \(default\))?(?:\s|$)", usage.partition("SUBCOMMANDS:")[2], re.M)
        if word not in listed: return False
    return True
def pinned(image):
    """An image reference with a digest, or a tag that names a version (not `latest`, not a bare
    release name such as `bookworm-slim`)."""
    if "@sha256:" in image: return True
    name = image.rsplit("/", 1)[-1]
    tag = name.split(":", 1)[1] if ":" in name else ""
    return bool(tag) and tag != "latest" and bool(re.search(r"\d", tag))

# --- docker-compose.yml ---------------------------------------------------------------------------
compose = yaml.safe_load(open("docker-compose.yml"))
services = compose["services"]
drain_ms, deployment_grace = 30000, None
for name, service in services.items():
    for dependency in (service.get("depends_on") or {}):
        if dependency not in services:
            problems.append(f"{name} depends on unknown service {dependency}")
    build = service.get("build")
    command = service.get("command")
    if build and build.get("dockerfile") == "deploy/Dockerfile" and command:
        # the production image's entrypoint is qbsync, the dev target's qbsync-dev: the command
        # must be a subcommand of that one (the sandbox is not in the production binary)
        target = build.get("target", "runtime")
        if target not in ("runtime", "dev"):
            problems.append(f"{name}: deploy/Dockerfile has no target '{target}' (runtime or dev)")
        executable = qbsync_dev if target == "dev" else qbsync
        if not is_command(command[:1], executable):
            problems.append(f"{name}: '{os.path.basename(executable)} {command[0]}' is not a command of the {target} image's entrypoint")
    for variable in (service.get("environment") or {}):
        if variable.startswith("QBSYNC_") and not reads(variable):
            problems.append(f"{name}: {variable} is not a variable qbsync reads (qbsync config variables)")
    if "image" in service:
        if not pinned(service["image"]):
            problems.append(f"docker-compose.yml: {name}'s image {service['image']} is not pinned to a version tag")
    elif not build:
        problems.append(f"docker-compose.yml: {name} has neither an image nor a build")
# The broker keeps its log in a named volume, where KAFKA_LOG_DIRS points.
kafka = services.get("kafka") or {}
kafka_mounts = {}
for volume in kafka.get("volumes") or []:
    source, _, target = (volume if isinstance(volume, str) else f"{volume.get('source')}:{volume.get('target')}").partition(":")
    if source in (compose.get("volumes") or {}):
        kafka_mounts[target.split(":")[0]] = source
if not kafka_mounts:
    problems.append("docker-compose.yml: the kafka service has no named data volume (declared under top-level volumes:)")
else:
    log_dirs = str((kafka.get("environment") or {}).get("KAFKA_LOG_DIRS", "/tmp/kraft-combined-logs"))
    for log_dir in log_dirs.split(","):
        if not any(log_dir == m or log_dir.startswith(m.rstrip("/") + "/") for m in kafka_mounts):
            problems.append(f"docker-compose.yml: KAFKA_LOG_DIRS {log_dir} is not in the kafka service's volume ({', '.join(kafka_mounts)})")
# The ingress topics and their partition count, as the kafka-topics service creates them.
ingress_topics = [defaults[v] for v in ("QBSYNC_TOPIC_INVOICES", "QBSYNC_TOPIC_PAYMENTS", "QBSYNC_TOPIC_ACCOUNT_TOGGLES", "QBSYNC_TOPIC_ACCOUNT_LIFECYCLE")]
topics_script = "\n".join((services.get("kafka-topics") or {}).get("command") or [])
created = re.search(r"for topic in ([^;]+); do\s*\n[^\n]*--partitions (\d+)", topics_script)
compose_partitions = None
if not created:
    problems.append("docker-compose.yml: kafka-topics does not create the ingress topics in a `for topic in …; do … --partitions N` loop")
else:
    compose_partitions = int(created.group(2))
    if sorted(created.group(1).split()) != sorted(ingress_topics):
        problems.append(f"docker-compose.yml: kafka-topics creates {created.group(1).split()}, the ingress topics are {ingress_topics}")
compose_workers = ((services.get("worker") or {}).get("deploy") or {}).get("replicas", 1)

# --- deploy/kubernetes ---------------------------------------------------------------------------
documents = []  # (path, document)
for path in sorted(glob.glob("deploy/kubernetes/*.yaml")):
    for document in yaml.safe_load_all(open(path)):
        if not document: continue
        documents.append((path, document))
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
def find(kind, name=None):
    return [(p, d) for p, d in documents if d.get("kind") == kind and (name is None or d["metadata"].get("name") == name)]
def values(document):
    return {k: str(v) for k, v in ((document.get("data") or {}) | (document.get("stringData") or {})).items()}
configmaps = {d["metadata"]["name"]: values(d) for _, d in find("ConfigMap")}
secrets = {d["metadata"]["name"]: values(d) for _, d in find("Secret")}  # secret.example.yaml
kustomization = find("Kustomization")[0][1]
listed = set(kustomization.get("resources") or [])
for path in glob.glob("deploy/kubernetes/*.yaml"):
    base = os.path.basename(path)
    if base not in ("kustomization.yaml", "secret.example.yaml") and base not in listed:
        problems.append(f"deploy/kubernetes/kustomization.yaml: {base} is not in resources")
images = {entry["name"]: entry for entry in kustomization.get("images") or []}
for entry in images.values():
    if "digest" not in entry and not pinned(f"{entry['name']}:{entry.get('newTag', '')}"):
        problems.append(f"deploy/kubernetes/kustomization.yaml: image {entry['name']} needs a version newTag (or a digest), not {entry.get('newTag')!r}")
def effective_image(image):
    """The image as `kubectl apply -k` sets it (kustomization.yaml `images:`)."""
    name, tag = (image.rsplit(":", 1) if ":" in image.rsplit("/", 1)[-1] else (image, ""))
    entry = images.get(name)
    if not entry: return image
    name, tag = entry.get("newName", name), entry.get("newTag", tag)
    return f"{name}@{entry['digest']}" if "digest" in entry else (f"{name}:{tag}" if tag else name)

def pod_specs():
    for path, document in documents:
        kind = document.get("kind")
        if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            yield path, document, document["spec"]["template"]["spec"]
        elif kind == "CronJob":
            yield path, document, document["spec"]["jobTemplate"]["spec"]["template"]["spec"]
def container_env(container):
    env = {}
    for source in container.get("envFrom") or []:
        if "configMapRef" in source: env.update(configmaps.get(source["configMapRef"]["name"], {}))
        if "secretRef" in source: env.update(secrets.get(source["secretRef"]["name"], {}))
    for variable in container.get("env") or []:
        if "value" in variable: env[variable["name"]] = str(variable["value"])
    return env
def file_paths(env):
    """The files the configuration names: TLS files, *_FILE secrets, libpq's ssl files."""
    paths = {k: v for k, v in env.items() if k.startswith("QBSYNC_") and (k.endswith("_LOCATION") or k.endswith("_FILE")) and v}
    for parameter, value in re.findall(r"\b(sslrootcert|sslcert|sslkey)=([^&\s]+)", env.get("QBSYNC_DATABASE_URL", "")):
        paths[f"QBSYNC_DATABASE_URL {parameter}"] = value
    return paths
def mounted_file(spec, container, path):
    """(volume, source name, key) of the file at `path` in the container, or None if no volume has it."""
    volumes = {v["name"]: v for v in spec.get("volumes") or []}
    for mount in container.get("volumeMounts") or []:
        root = mount["mountPath"].rstrip("/")
        if mount.get("subPath"):
            if path != root: continue
            relative = mount["subPath"]
        elif path.startswith(root + "/"):
            relative = path[len(root) + 1:]
        else:
            continue
        volume = volumes.get(mount["name"]) or {}
        source = volume.get("secret") or volume.get("configMap")
        if source is None: return (mount["name"], None, relative)  # emptyDir, CSI…: cannot look inside
        source_name = source.get("secretName") or source.get("name")
        items = source.get("items")
        if items is not None:
            keys = [item["key"] for item in items if item["path"] == relative]
            if not keys: return None
            relative = keys[0]
        examples = secrets if "secret" in volume else configmaps
        if source_name in examples and relative not in examples[source_name]:
            return None
        return (mount["name"], source_name, relative)
    return None

worker = None  # (path, document, spec, container)
for path, document, spec in pod_specs():
    where = f"{path} ({document['kind']} {document['metadata'].get('name') or document['metadata'].get('generateName')})"
    volumes = [v["name"] for v in spec.get("volumes") or []]
    containers = (spec.get("initContainers") or []) + spec["containers"]
    mounted = set()
    for container in containers:
        image = effective_image(container.get("image", ""))
        if not pinned(image):
            problems.append(f"{where}: container {container['name']} runs image {image!r}: pin a version (kustomization.yaml images: newTag)")
        for mount in container.get("volumeMounts") or []:
            mounted.add(mount["name"])
            if mount["name"] not in volumes:
                problems.append(f"{where}: container {container['name']} mounts {mount['name']}, which is not one of the pod's volumes")
        env = container_env(container)
        for variable, file in file_paths(env).items():
            if mounted_file(spec, container, file) is None:
                problems.append(f"{where}: {variable} names {file}, which no volume mounted in container {container['name']} provides")
    for volume in volumes:
        if volume not in mounted:
            problems.append(f"{where}: volume {volume} is not mounted by any container")
    if document["kind"] == "Deployment":
        grace = spec.get("terminationGracePeriodSeconds", 30)
        deployment_grace = (path, grace)
        container = spec["containers"][0]
        worker = (path, document, spec, container)
        if container["args"][0] != "worker": problems.append(f"{path}: the Deployment must run 'qbsync worker'")
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            if probe not in container: problems.append(f"{path}: missing {probe}")
        startup = container.get("startupProbe")
        if startup:
            budget = startup.get("periodSeconds", 10) * startup.get("failureThreshold", 3)
            if (startup.get("httpGet") or {}).get("path") != "/healthz":
                problems.append(f"{path}: the startupProbe must ask /healthz (the worker listens once migrated)")
            if budget < STARTUP_BUDGET_S:
                problems.append(f"{path}: the startupProbe allows {budget} s (periodSeconds × failureThreshold); migrations need up to {STARTUP_BUDGET_S} s")
    if document["kind"] == "Job" and any((c.get("args") or [None])[0] == "migrate" for c in spec["containers"]):
        # Re-appliable: a Job's pod template is immutable, so the name changes with the image version.
        metadata = document["metadata"]
        image = effective_image(spec["containers"][0]["image"])
        tag = image.split("@")[0].rsplit(":", 1)[1] if ":" in image.split("@")[0].rsplit("/", 1)[-1] else ""
        expected = MIGRATE_JOB_PREFIX + re.sub(r"[^a-z0-9-]", "-", tag.lower())
        if "generateName" in metadata:
            problems.append(f"{path}: generateName does not work with kubectl apply; name the Job {expected}")
        elif metadata.get("name") != expected:
            problems.append(f"{path}: the migration Job is {metadata.get('name')!r} but its image is {image}: name it {expected} (a Job's pod template cannot change, so each version needs its own Job)")
        if "ttlSecondsAfterFinished" not in document["spec"]:
            problems.append(f"{path}: set ttlSecondsAfterFinished so the Jobs of old versions are removed")
if deployment_grace:
    # The worker's shutdown budget: drain + commit (10 s) + publish and flush (15 s) + margin (5 s).
    budget = drain_ms / 1000 + 30
    if deployment_grace[1] <= budget:
        problems.append(f"{deployment_grace[0]}: terminationGracePeriodSeconds {deployment_grace[1]} must exceed the shutdown budget ({budget:.0f} s)")

# KEDA: scales the worker Deployment on the group's lag, up to the ingress partition count.
scaled = find("ScaledObject")
if not scaled:
    problems.append("deploy/kubernetes: no KEDA ScaledObject for the worker")
for path, document in scaled:
    spec = document["spec"]
    target = spec.get("scaleTargetRef") or {}
    if not worker or target.get("name") != worker[1]["metadata"]["name"] or target.get("kind", "Deployment") != "Deployment":
        problems.append(f"{path}: scaleTargetRef {target} does not name the worker Deployment")
    elif "replicas" in worker[1]["spec"]:
        problems.append(f"{worker[0]}: remove spec.replicas: the ScaledObject sets the count, and apply would reset it")
    declared = (document["metadata"].get("annotations") or {}).get("qbsync/ingress-partitions")
    if not declared or not declared.isdigit():
        problems.append(f"{path}: annotate the ingress partition count (qbsync/ingress-partitions)")
        continue
    partitions = int(declared)
    if compose_partitions is not None and partitions != compose_partitions:
        problems.append(f"{path}: qbsync/ingress-partitions is {partitions}, docker-compose.yml creates {compose_partitions} partitions per ingress topic")
    if not 1 <= spec.get("minReplicaCount", 0) <= spec.get("maxReplicaCount", 100) <= partitions:
        problems.append(f"{path}: need 1 <= minReplicaCount <= maxReplicaCount <= {partitions} partitions (more workers than partitions sit idle); got {spec.get('minReplicaCount')}..{spec.get('maxReplicaCount')}")
    if compose_workers > partitions:
        problems.append(f"docker-compose.yml: {compose_workers} workers but {partitions} partitions per ingress topic")
    config = (configmaps.get("qbsync") or {})
    protocol = config.get("QBSYNC_KAFKA_SECURITY_PROTOCOL", defaults.get("QBSYNC_KAFKA_SECURITY_PROTOCOL", "plaintext")).lower()
    mechanism = config.get("QBSYNC_KAFKA_SASL_MECHANISM", "")
    want = {
        "bootstrapServers": config.get("QBSYNC_KAFKA_BOOTSTRAP_SERVERS", defaults["QBSYNC_KAFKA_BOOTSTRAP_SERVERS"]),
        "consumerGroup": config.get("QBSYNC_KAFKA_GROUP", defaults["QBSYNC_KAFKA_GROUP"]),
        "sasl": mechanism.lower().replace("-", "_").replace("scram_sha_", "scram_sha") if protocol.startswith("sasl") else None,
        "tls": "enable" if protocol in ("ssl", "sasl_ssl") else None,
    }
    topics = []
    for trigger in spec.get("triggers") or []:
        metadata = {k: str(v) for k, v in (trigger.get("metadata") or {}).items()}
        if trigger.get("type") != "kafka":
            problems.append(f"{path}: trigger of type {trigger.get('type')}, expected kafka"); continue
        topics.append(metadata.get("topic"))
        for key, value in want.items():
            if metadata.get(key) != value and not (value is None and metadata.get(key) in (None, "none", "disable")):
                problems.append(f"{path}: trigger for {metadata.get('topic')}: {key} is {metadata.get(key)!r}, the worker's configuration (configmap.yaml) means {value!r}")
        if not metadata.get("lagThreshold", "").isdigit() or int(metadata["lagThreshold"]) < 1:
            problems.append(f"{path}: trigger for {metadata.get('topic')}: lagThreshold must be a positive integer")
        reference = (trigger.get("authenticationRef") or {}).get("name")
        if protocol != "plaintext":
            authentications = find("TriggerAuthentication", reference)
            if not authentications:
                problems.append(f"{path}: trigger for {metadata.get('topic')} needs an authenticationRef to a TriggerAuthentication (Kafka uses {protocol})"); continue
            refs = {ref["parameter"]: (ref["name"], ref["key"]) for ref in authentications[0][1]["spec"].get("secretTargetRef") or []}
            # The same Secrets, and keys, as the worker.
            if protocol.startswith("sasl"):
                for parameter, variable in (("username", "QBSYNC_KAFKA_SASL_USERNAME"), ("password", "QBSYNC_KAFKA_SASL_PASSWORD")):
                    sources = [s["secretRef"]["name"] for s in (worker[3].get("envFrom") or []) if "secretRef" in s] if worker else []
                    if refs.get(parameter) not in [(name, variable) for name in sources]:
                        problems.append(f"{authentications[0][0]}: {parameter} must come from {variable} of the worker's Secret ({', '.join(sources)}), not {refs.get(parameter)}")
            if protocol in ("ssl", "sasl_ssl") and "ca" in refs and worker:
                ca_file = container_env(worker[3]).get("QBSYNC_KAFKA_SSL_CA_LOCATION")
                found = mounted_file(worker[2], worker[3], ca_file) if ca_file else None
                if not found or found[1:] != refs["ca"]:
                    problems.append(f"{authentications[0][0]}: ca is {refs['ca']}, but the worker's QBSYNC_KAFKA_SSL_CA_LOCATION ({ca_file}) is {found[1:] if found else 'not a mounted Secret key'}")
    if sorted(t for t in topics if t) != sorted(ingress_topics):
        problems.append(f"{path}: triggers cover topics {topics}, the worker consumes {ingress_topics}")

# --- the ConfigMap and example Secret must make a configuration the worker accepts --------------
env = {**configmaps.get("qbsync", {}), **secrets.get("qbsync", {})}
env["QBSYNC_TOKEN_KEY"] = base64.b64encode(os.urandom(32)).decode()
env["QBSYNC_ADMIN_TOKEN"] = "an-admin-token-of-sixteen"
env["QBSYNC_QBO_WEBHOOK_VERIFIER_TOKEN"] = "a-webhook-verifier-of-sixteen"
env["QBSYNC_DATABASE_URL"] = env["QBSYNC_DATABASE_URL"].replace("sslmode=verify-full&sslrootcert=/etc/qbsync/pg-ca.crt", "sslmode=require")
placeholders_directory = tempfile.TemporaryDirectory()  # removed when the check exits
placeholders = placeholders_directory.name
for variable in [v for v in env if v.endswith("_LOCATION")]:
    # the mounted files are checked above; here they only need to be readable
    env[variable] = os.path.join(placeholders, os.path.basename(env[variable]))
    open(env[variable], "w").write("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
checked = subprocess.run([qbsync, "config", "check"], capture_output=True, text=True, env={"PATH": os.environ["PATH"], **env})
if checked.returncode != 0:
    problems.append(f"deploy/kubernetes: the ConfigMap and Secret do not make a valid configuration: {checked.stderr.strip()}")

# --- deploy/Dockerfile ----------------------------------------------------------------------------
arguments, stages = {}, set()
for line in open("deploy/Dockerfile"):
    if line.startswith("HEALTHCHECK") and "qbsync" in line and "probe" not in line:
        problems.append("deploy/Dockerfile: the health check must use 'qbsync probe'")
    words = line.split()
    if words[:1] == ["ARG"] and "=" in words[1] and not stages:
        key, _, value = words[1].partition("=")
        arguments[key] = value.strip('"')
    if words[:1] == ["FROM"]:
        words = [w for w in words[1:] if not w.startswith("--")]
        image = re.sub(r"\$\{?(\w+)\}?", lambda m: arguments.get(m.group(1), ""), words[0])
        if image not in stages and image != "scratch" and not pinned(image):
            problems.append(f"deploy/Dockerfile: FROM {words[0]} is {image}: pin a version tag")
        if len(words) >= 3 and words[1].upper() == "AS":
            stages.add(words[2])

# --- monitoring: alert rules, their tests, the dashboard ------------------------------------------
sources = "\n".join(open(p, encoding="utf-8").read() for p in glob.glob("Sources/**/*.swift", recursive=True))
documented = re.search(r"^- `GET /metrics`(.*?)(?=^- |^#|\Z)", open("README.md").read(), re.M | re.S)
documented = set(re.findall(r"`(qbsync_[a-z0-9_]+)", documented.group(1))) if documented else set()
for metric in METRICS:
    if f'"{metric}"' not in sources:
        problems.append(f"check-deploy.sh METRICS: {metric} is not a metric name in Sources/ (renamed?)")
    if metric not in documented:
        problems.append(f"check-deploy.sh METRICS: {metric} is not listed in README.md's GET /metrics bullet")
rules = yaml.safe_load(open(RULES))
recorded = {r["record"] for g in rules["groups"] for r in g["rules"] if "record" in r}
def metric_problems(where, expression):
    found = []
    for name in re.findall(r"\b(qbsync_[a-z0-9_]+)", expression):
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        if METRICS.get(name) == "histogram":
            found.append(f"{where}: {name} is a histogram: use {name}_bucket, _sum or _count")
        elif name not in METRICS and METRICS.get(base) != "histogram":
            found.append(f"{where}: {name} is not a metric qbsync exports (METRICS in scripts/check-deploy.sh)")
    for name in re.findall(r"\b(qbsync:[a-z0-9_:]+)", expression):
        if name not in recorded:
            found.append(f"{where}: {name} is not a recording rule in {RULES}")
    return found
alerts = {}
commands = set()
for group in rules["groups"]:
    for rule in group["rules"]:
        name = rule.get("alert") or rule.get("record")
        problems.extend(metric_problems(f"{RULES}: {name}", rule["expr"]))
        if not re.search(r"\bqbsync[_:]", rule["expr"]):
            problems.append(f"{RULES}: {name} uses no qbsync metric")
        if "alert" not in rule: continue
        alerts[name] = rule
        if "for" not in rule: problems.append(f"{RULES}: {name} has no for:")
        if (rule.get("labels") or {}).get("severity") not in ("info", "warning", "critical"):
            problems.append(f"{RULES}: {name} needs a severity label (info, warning or critical)")
        annotations = rule.get("annotations") or {}
        for key in ("summary", "description"):
            if not str(annotations.get(key, "")).strip(): problems.append(f"{RULES}: {name} has no {key} annotation")
        for text in annotations.values():
            problems.extend(metric_problems(f"{RULES}: {name} annotations", text))
            commands.update(re.findall(r"`qbsync ([a-z][a-z-]*(?: [a-z][a-z-]*)?)", text))
for command in sorted(commands):
    # the commands the runbook text names must exist
    if not is_command(command.split()):
        problems.append(f"{RULES}: the annotations name `qbsync {command}`, which is not a qbsync command")
# Every alert has a unit test where it fires and one where it does not.
tests = yaml.safe_load(open(RULE_TESTS))
if os.path.basename(RULES) not in [os.path.basename(f) for f in tests.get("rule_files") or []]:
    problems.append(f"{RULE_TESTS}: rule_files must name {os.path.basename(RULES)}")
fires, quiet = set(), set()
for test in tests.get("tests") or []:
    for case in test.get("alert_rule_test") or []:
        (fires if case.get("exp_alerts") else quiet).add(case["alertname"])
for name in alerts:
    if name not in fires: problems.append(f"{RULE_TESTS}: no test shows {name} firing")
    if name not in quiet: problems.append(f"{RULE_TESTS}: no test shows {name} not firing")
for name in (fires | quiet) - set(alerts):
    problems.append(f"{RULE_TESTS}: tests {name}, which is not an alert in {RULES}")
# The dashboard: JSON whose every query uses known metric names.
try:
    dashboard = json.load(open(DASHBOARD))
except (OSError, ValueError) as error:
    problems.append(f"{DASHBOARD}: not valid JSON: {error}")
    dashboard = {}
queries = 0
def walk(node, where):
    global queries
    if isinstance(node, dict):
        title = node.get("title", where)
        for key, value in node.items():
            if key in ("expr", "query") and isinstance(value, str):
                queries += key == "expr"
                problems.extend(metric_problems(f"{DASHBOARD}: {title}", value))
                if key == "expr" and not re.search(r"\bqbsync[_:]", value):
                    problems.append(f"{DASHBOARD}: {title}: {value!r} uses no qbsync metric")
            else:
                walk(value, title)
    elif isinstance(node, list):
        for item in node: walk(item, where)
walk(dashboard, "dashboard")
if dashboard and (not dashboard.get("uid") or not dashboard.get("title") or not queries):
    problems.append(f"{DASHBOARD}: needs a uid, a title and panels with queries")
ids = [p.get("id") for p in dashboard.get("panels", [])]
if len(ids) != len(set(ids)):
    problems.append(f"{DASHBOARD}: panel ids repeat")

if problems:
    print("check-deploy: " + "\n  ".join(dict.fromkeys(problems)), file=sys.stderr)
    sys.exit(1)
print(f"check-deploy: docker-compose.yml ({len(services)} services) and deploy/kubernetes parse and reference real commands; "
      f"images pinned; {len(alerts)} alerts tested; dashboard queries ({queries}) use known metrics")
PY

out=$(promtool check rules deploy/prometheus/qbsync-alerts.yaml 2>&1) \
  || { echo "check-deploy: promtool check rules failed:" >&2; echo "$out" >&2; exit 1; }
out=$(cd deploy/prometheus && promtool test rules qbsync-alerts.test.yaml 2>&1) \
  || { echo "check-deploy: promtool test rules failed:" >&2; echo "$out" >&2; exit 1; }
echo "check-deploy: promtool check rules and test rules pass on deploy/prometheus"

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

# The production binary carries no QuickBooks emulator (it is in qbsync-dev, the dev image's).
nm "$bin" >"$work/qbsync.symbols" 2>/dev/null && nm "$dev_bin" >"$work/qbsync-dev.symbols" 2>/dev/null \
  || { echo "check-deploy: cannot read the binaries' symbols (binutils' nm)" >&2; exit 1; }
if grep -q 'QuickBooksSandbox' "$work/qbsync.symbols"; then
  echo "check-deploy: $bin links the QuickBooks sandbox; it belongs in qbsync-dev only" >&2; exit 1
fi
grep -q 'QuickBooksSandbox' "$work/qbsync-dev.symbols" \
  || { echo "check-deploy: the sandbox's symbols are not found in qbsync-dev either: this check no longer sees them" >&2; exit 1; }

# The sandbox service: `qbsync-dev sandbox --host … --port 8081`, health-checked as in compose.
sandbox_port=$(free_port)
"$dev_bin" sandbox --host 127.0.0.1 --port "$sandbox_port" --log-level warning 2>"$work/sandbox.log" &
pids+=($!)
wait_for "http://127.0.0.1:$sandbox_port/admin/v1/health" 30

# The migrate service.
"$bin" migrate --log-level warning 2>"$work/migrate.log" | grep -q "applied migrations\|schema up to date" \
  || { echo "check-deploy: qbsync migrate failed:" >&2; cat "$work/migrate.log" >&2; exit 1; }

# Kafka: the mock cluster as its own process (compose uses a real broker).
"$dev_bin" kafka-mock --bootstrap-file "$work/bootstrap" --log-level warning >/dev/null 2>"$work/kafka.log" &
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
