#!/usr/bin/env python3
"""Checks the event contract in contract/ and the messages the test suite recorded against it.

Usage: check_contract.py [SAMPLES_DIR]   (scripts/check-contract.sh installs what it needs)

1. The AsyncAPI document: version 3.0.0, every channel's and operation's references resolve,
   every message's payload and headers name a schema file that exists, the six topics are the
   worker's defaults, every event type the decoder knows (IngressEvent.knownTypes) has a schema
   and a message, and the dead-letter headers and reasons are those the code writes.
2. Every schema is valid JSON Schema 2020-12, every $ref in it resolves, its examples conform.
3. With SAMPLES_DIR (the QBSYNC_CONTRACT_SAMPLES of a test run):
   - ingress/: each message a test sent, with the decoder's verdict. One the decoder accepts
     must conform to the schema of its `type`, carry data.firm_id as its key and come on the
     topic of its type; one the decoder refuses must be refused by the contract too (not JSON,
     a key twice, no schema for its type, a schema violation, or the wrong key), unless the rule
     it breaks is one JSON Schema cannot state (BEYOND_SCHEMA).
   - status/: each status event a test observed conforms to quickbooks.sync_status_changed, with
     the key <firm_id>:<entity>:<entity_id> as subject.
   - dead-letter/: each dead letter a test read has the documented headers and is, key and value,
     a message a test sent.
Every violation names the file and the JSON path; the exit status is 1 if there is any.
"""
import base64
import json
import pathlib
import re
import sys

import yaml
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

REPO = pathlib.Path(__file__).resolve().parent.parent
CONTRACT = REPO / "contract"
SCHEMAS = CONTRACT / "schemas"
STATUS_TYPE = "quickbooks.sync_status_changed"

# Decoder rules that compare two fields, which JSON Schema cannot express: a message refused for
# one of these may conform to its schema. Matched against the decoder's error message.
BEYOND_SCHEMA = [
    (re.compile(r"^data\.total is .* but the line amounts add up to"), "total is the sum of the line amounts"),
    (re.compile(r"^data\.due_date .* is before data\.issue_date"), "due_date is not before issue_date"),
    (re.compile(r"^data\.applied_to adds up to .* more than the payment's amount"), "applied_to adds up to at most amount"),
    (re.compile(r"^data\.applied_to names the same invoice more than once"), "each invoice once in applied_to"),
    (re.compile(r"^the message is [0-9]+ bytes; the limit is"), "the size limit is the worker's configuration"),
]

problems = []


def problem(where, what):
    problems.append(f"{where}: {what}")


def rel(path):
    try:
        return str(pathlib.Path(path).relative_to(REPO))
    except ValueError:
        return str(path)


# --- JSON as the decoder reads it ---------------------------------------------------------------

class DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(f"the key {key!r} appears twice in one object")
        seen[key] = value
    return seen


def _no_constants(name):
    raise ValueError(f"{name} is not JSON")


def strict_json(raw):
    """Parses bytes as the decoder does (UTF-8, no NaN, no key twice); raises ValueError otherwise."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 ({error.reason} at byte {error.start})") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except RecursionError:
        raise ValueError("nested too deeply to read") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON ({error.msg} at {error.pos})") from None


# --- JSON Schema with ECMA-262 `$` ------------------------------------------------------------

def _ecma(pattern):
    """JSON Schema patterns are ECMA-262: `$` is the end of the string, where Python's `$` also
    matches before a final line feed ("450.00\\n"). Rewrites an unescaped `$` outside a class as `\\Z`."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "$":
            c = r"\Z"
        out.append(c)
        i += 1
    return "".join(out)


_compiled = {}


def _pattern(validator, pattern, instance, schema):
    if not validator.is_type(instance, "string"):
        return
    regex = _compiled.get(pattern) or _compiled.setdefault(pattern, re.compile(_ecma(pattern)))
    if not regex.search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# Registered for the 2020-12 meta-schema, so that it also validates inside the files a $ref enters
# (each declares "$schema"), not only at the top.
Validator = validators.validates("draft2020-12")(validators.extend(Draft202012Validator, {"pattern": _pattern}))


def load_schemas():
    schemas, resources = {}, []
    for path in sorted(SCHEMAS.glob("*.json")):
        try:
            contents = strict_json(path.read_bytes())
        except ValueError as error:
            problem(rel(path), str(error))
            continue
        try:
            Draft202012Validator.check_schema(contents)
        except Exception as error:  # SchemaError
            problem(rel(path), f"not a valid JSON Schema 2020-12: {getattr(error, 'message', error)}")
            continue
        name = path.name[: -len(".json")]
        schemas[name] = contents
        resources.append((path.as_uri(), Resource.from_contents(contents, default_specification=DRAFT202012)))
    return schemas, Registry().with_resources(resources)


def walk_refs(node, pointer=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield pointer, value
            else:
                yield from walk_refs(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk_refs(value, f"{pointer}/{index}")


def check_schemas(schemas, registry):
    validators_by_name = {}
    for name, contents in schemas.items():
        uri = (SCHEMAS / f"{name}.json").as_uri()
        resolver = registry.resolver(base_uri=uri)
        for pointer, ref in walk_refs(contents):
            try:
                resolver.lookup(ref)
            except Unresolvable:
                problem(f"contract/schemas/{name}.json", f"#{pointer}: $ref {ref!r} does not resolve")
        validator = Validator({"$ref": uri}, registry=registry, format_checker=FormatChecker())
        validators_by_name[name] = validator
        for index, example in enumerate(contents.get("examples", [])):
            error = best_match(validator.iter_errors(example))
            if error is not None:
                problem(f"contract/schemas/{name}.json", f"examples[{index}] {error.json_path}: {error.message}")
    return validators_by_name


# --- What the code says ---------------------------------------------------------------------------

def source(path):
    return (REPO / path).read_text()


def known_types():
    text = source("Sources/SyncCore/Events/IngressEvent.swift")
    match = re.search(r"knownTypes: \[String\] = \[(.*?)\]", text, re.S)
    return re.findall(r'"([^"]+)"', match.group(1)) if match else []


def default_topics():
    text = source("Sources/SyncWorker/Configuration/WorkerConfiguration.swift")
    match = re.search(r"struct Topics\b.*?\{(.*?)public init", text, re.S)
    return dict(re.findall(r'public var (\w+) = "([^"]+)"', match.group(1))) if match else {}


def dead_letter_headers():
    text = source("Sources/SyncWorker/DeadLetters/DeadLetter.swift")
    match = re.search(r"enum Header \{(.*?)\}", text, re.S)
    return set(re.findall(r'static let \w+ = "([^"]+)"', match.group(1))) if match else set()


def rejection_reasons():
    text = source("Sources/SyncCore/Events/EventRejection.swift")
    match = re.search(r"enum Reason\b.*?\{(.*?)\n    \}", text, re.S)
    reasons = []
    for case, raw in re.findall(r'case (\w+)(?: = "([^"]+)")?', match.group(1) if match else ""):
        reasons.append(raw or case)
    return set(reasons)


# --- The AsyncAPI document ---------------------------------------------------------------------------

def pointer_lookup(document, ref):
    if not ref.startswith("#/"):
        return None
    node = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def resolve(document, node, where):
    """Follows a local $ref (one level at a time); reports one that does not resolve."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and str(node["$ref"]).startswith("#"):
        target = pointer_lookup(document, node["$ref"])
        if target is None:
            problem("contract/asyncapi.yaml", f"{where}: $ref {node['$ref']!r} does not resolve")
            return None
        node, seen = target, seen + 1
        if seen > 10:
            problem("contract/asyncapi.yaml", f"{where}: $ref cycle")
            return None
    return node


def schema_file(document, multi, where, referenced):
    """The schema file a payload or headers object names (./schemas/<name>.json)."""
    if not isinstance(multi, dict):
        problem("contract/asyncapi.yaml", f"{where}: missing")
        return None
    schema = multi.get("schema", multi)
    fmt = multi.get("schemaFormat")
    if "schema" in multi and not (isinstance(fmt, str) and fmt.startswith("application/schema+json")):
        problem("contract/asyncapi.yaml", f"{where}.schemaFormat: expected a JSON Schema format, got {fmt!r}")
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if ref is None:
        return None
    match = re.fullmatch(r"\./schemas/([A-Za-z0-9_.-]+)\.json", ref)
    if not match or not (SCHEMAS / f"{match.group(1)}.json").is_file():
        problem("contract/asyncapi.yaml", f"{where}: $ref {ref!r} is not a schema file in contract/schemas/")
        return None
    referenced.add(match.group(1))
    return match.group(1)


def check_asyncapi(schemas):
    """Returns {event type: channel address} for the messages of every channel, and the document."""
    path = CONTRACT / "asyncapi.yaml"
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        problem("contract/asyncapi.yaml", f"not YAML: {error}")
        return {}, {}
    where = "contract/asyncapi.yaml"
    if not isinstance(document, dict):
        problem(where, "not a YAML mapping")
        return {}, {}
    if document.get("asyncapi") != "3.0.0":
        problem(where, f"$.asyncapi must be 3.0.0, got {document.get('asyncapi')!r}")
    info = document.get("info") or {}
    if not info.get("title"):
        problem(where, "$.info.title is missing")
    if not re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", str(info.get("version", ""))):
        problem(where, f"$.info.version must be a semantic version, got {info.get('version')!r}")
    unknown = set(document) - {"asyncapi", "id", "info", "servers", "defaultContentType", "channels", "operations", "components"}
    if {key for key in unknown if not key.startswith("x-")}:
        problem(where, f"$: fields AsyncAPI 3.0 does not have: {sorted(unknown)}")

    referenced = set()
    channels = document.get("channels") or {}
    channel_of_type = {}
    addresses = {}
    for channel_id, channel in channels.items():
        at = f"$.channels.{channel_id}"
        channel = resolve(document, channel, at)
        if not isinstance(channel, dict):
            continue
        address = channel.get("address")
        if not isinstance(address, str) or not address:
            problem(where, f"{at}.address is missing")
            continue
        addresses[channel_id] = address
        messages = channel.get("messages") or {}
        if not messages:
            problem(where, f"{at}.messages: a channel without messages")
        for message_id, message in messages.items():
            mat = f"{at}.messages.{message_id}"
            message = resolve(document, message, mat)
            if not isinstance(message, dict):
                continue
            name = message.get("name")
            payload = schema_file(document, message.get("payload"), f"{mat}.payload", referenced)
            if "headers" in message:
                schema_file(document, message.get("headers"), f"{mat}.headers", referenced)
            if "bindings" in message:
                resolve(document, message["bindings"], f"{mat}.bindings")
            if payload is not None:
                if payload != name:
                    problem(where, f"{mat}: the message {name!r} has the schema {payload}.json; name and schema must agree")
                const = ((schemas.get(payload) or {}).get("properties") or {}).get("type", {}).get("const")
                if const != payload:
                    problem(f"contract/schemas/{payload}.json", f"$.properties.type.const must be {payload!r}, got {const!r}")
                if name in channel_of_type and channel_of_type[name] != address:
                    problem(where, f"{mat}: {name} is on two channels")
                channel_of_type[name] = address

    used_channels = set()
    for operation_id, operation in (document.get("operations") or {}).items():
        at = f"$.operations.{operation_id}"
        if not isinstance(operation, dict):
            problem(where, f"{at}: not a mapping")
            continue
        if operation.get("action") not in ("send", "receive"):
            problem(where, f"{at}.action must be send or receive, got {operation.get('action')!r}")
        ref = (operation.get("channel") or {}).get("$ref", "")
        if not ref.startswith("#/channels/") or resolve(document, operation.get("channel"), f"{at}.channel") is None:
            problem(where, f"{at}.channel must be a $ref to a channel")
            continue
        channel_id = ref[len("#/channels/"):]
        used_channels.add(channel_id)
        for index, message in enumerate(operation.get("messages") or []):
            mref = (message or {}).get("$ref", "")
            if not mref.startswith(f"#/channels/{channel_id}/messages/") or resolve(document, message, f"{at}.messages[{index}]") is None:
                problem(where, f"{at}.messages[{index}]: must be a $ref to a message of {channel_id}")
        if "bindings" in operation:
            resolve(document, operation["bindings"], f"{at}.bindings")
    for channel_id in set(addresses) - used_channels:
        problem(where, f"$.channels.{channel_id}: no operation sends or receives on it")

    topics = default_topics()
    if len(topics) != 6:
        problem("Sources/SyncWorker/Configuration/WorkerConfiguration.swift", f"could not read the six default topics (found {topics})")
    if set(addresses.values()) != set(topics.values()):
        problem(where, f"channel addresses {sorted(addresses.values())} are not the worker's default topics {sorted(topics.values())}")
    types = known_types()
    if not types:
        problem("Sources/SyncCore/Events/IngressEvent.swift", "could not read IngressEvent.knownTypes")
    ingress_topics = {topics.get(name) for name in ("invoices", "payments", "accountToggles", "accountLifecycle")}
    for event_type in types + [STATUS_TYPE]:
        if event_type not in schemas:
            problem("contract/schemas", f"no schema {event_type}.json for the event type {event_type}")
        if event_type not in channel_of_type:
            problem(where, f"no message named {event_type} on any channel")
    for event_type in types:
        if event_type in channel_of_type and channel_of_type[event_type] not in ingress_topics:
            problem(where, f"{event_type} is on {channel_of_type[event_type]}, not an ingress topic")
    if STATUS_TYPE in channel_of_type and channel_of_type[STATUS_TYPE] != topics.get("syncStatus"):
        problem(where, f"{STATUS_TYPE} is not on {topics.get('syncStatus')}")
    for name in set(schemas) - referenced - {"common"}:
        problem(f"contract/schemas/{name}.json", "not referenced by the AsyncAPI document")

    headers_schema = schemas.get("dead-letter.headers") or {}
    documented = set((headers_schema.get("properties") or {}))
    written = dead_letter_headers()
    if documented != written:
        problem("contract/schemas/dead-letter.headers.json",
                f"documents the headers {sorted(documented)}, the code (DeadLetter.Header) writes {sorted(written)}")
    allowed = set((((headers_schema.get("propertyNames") or {}).get("then") or {}).get("enum")) or [])
    if allowed != written:
        problem("contract/schemas/dead-letter.headers.json", f"$.propertyNames lists {sorted(allowed)}, the code writes {sorted(written)}")
    reasons = set(((headers_schema.get("properties") or {}).get("qbsync-dlq-reason") or {}).get("enum") or [])
    if reasons != rejection_reasons():
        problem("contract/schemas/dead-letter.headers.json",
                f"qbsync-dlq-reason lists {sorted(reasons)}, EventRejection.Reason has {sorted(rejection_reasons())}")
    return channel_of_type, topics


# --- Samples -----------------------------------------------------------------------------------------

def sample_bytes(record, name):
    if record.get(f"{name}_base64") is not None:
        return base64.b64decode(record[f"{name}_base64"])
    value = record.get(name)
    return None if value is None else value.encode("utf-8")


def read_samples(folder):
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            yield path, json.loads(path.read_text())
        except (ValueError, OSError) as error:
            problem(rel(path), f"unreadable sample: {error}")


def describe(path, record):
    return f"{rel(path)} (recorded by {record.get('recorded_by', '?')})"


def contract_verdict(key, value, validators_by_name, channel_of_type):
    """None when the message conforms to the contract, else why not (with the JSON path)."""
    if value is None or value == b"":
        return "the message has no value", None
    try:
        event = strict_json(value)
    except ValueError as error:
        return str(error), None
    if not isinstance(event, dict):
        return "the value is not a JSON object", None
    event_type = event.get("type")
    if event_type not in channel_of_type or event_type == STATUS_TYPE or event_type not in validators_by_name:
        return f"$.type: no schema for the event type {event_type!r}", event_type
    error = best_match(validators_by_name[event_type].iter_errors(event))
    if error is not None:
        return f"{error.json_path}: {error.message}", event_type
    firm = (event.get("data") or {}).get("firm_id")
    if key is None:
        return "the Kafka key is missing; it must be data.firm_id", event_type
    if key != str(firm).encode("utf-8"):
        return f"the Kafka key {key[:64]!r} is not data.firm_id {firm!r}", event_type
    return None, event_type


def check_ingress(folder, validators_by_name, channel_of_type, stats):
    sent = set()
    seen = {}
    for path, record in read_samples(folder):
        key, value = sample_bytes(record, "key"), sample_bytes(record, "value")
        sent.add((key, value))
        decoder = record.get("decoder") or {}
        signature = (key, value, record.get("topic"), decoder.get("accepted"))
        if signature in seen:
            stats["ingress duplicates"] = stats.get("ingress duplicates", 0) + 1
            continue
        seen[signature] = path
        why, event_type = contract_verdict(key, value, validators_by_name, channel_of_type)
        if decoder.get("accepted"):
            stats["ingress valid"] = stats.get("ingress valid", 0) + 1
            stats.setdefault("types", set()).add(event_type)
            if why is not None:
                problem(describe(path, record), f"the decoder accepts it, the contract does not (too strict?): {why}")
            elif record.get("topic") is not None and record["topic"] != channel_of_type.get(event_type):
                problem(describe(path, record), f"{event_type} sent on {record['topic']}; the contract puts it on {channel_of_type.get(event_type)}")
            continue
        error = decoder.get("error", "")
        stats.setdefault("reasons", set()).add(decoder.get("reason"))
        if why is not None:
            stats["ingress invalid, refused by the contract"] = stats.get("ingress invalid, refused by the contract", 0) + 1
            continue
        beyond = next((rule for pattern, rule in BEYOND_SCHEMA if pattern.search(error)), None)
        if beyond is not None:
            stats["ingress invalid by a rule beyond JSON Schema"] = stats.get("ingress invalid by a rule beyond JSON Schema", 0) + 1
            continue
        problem(describe(path, record),
                f"the decoder refuses it ({decoder.get('reason')}: {error}), but it conforms to the schema of {event_type} (too loose?)")
    return sent


def check_status(folder, validators_by_name, status_topic, stats):
    seen = set()
    validator = validators_by_name.get(STATUS_TYPE)
    for path, record in read_samples(folder):
        key, value = sample_bytes(record, "key"), sample_bytes(record, "value")
        if (key, value) in seen:
            continue
        seen.add((key, value))
        stats["status events"] = stats.get("status events", 0) + 1
        where = describe(path, record)
        if record.get("topic") != status_topic:
            problem(where, f"read from {record.get('topic')}, not {status_topic}")
        try:
            event = strict_json(value or b"")
        except ValueError as error:
            problem(where, str(error))
            continue
        if validator is None:
            continue
        error = best_match(validator.iter_errors(event))
        if error is not None:
            problem(where, f"{error.json_path}: {error.message}")
            continue
        data = event["data"]
        expected = f"{data['firm_id']}:{data['entity']}:{data['entity_id']}"
        if key != expected.encode("utf-8"):
            problem(where, f"the Kafka key {key!r} is not <firm_id>:<entity>:<entity_id> ({expected!r})")
        if event["subject"] != expected:
            problem(where, f"$.subject {event['subject']!r} is not the key {expected!r}")
        if data["entity"] == "firm" and data["entity_id"] != data["firm_id"]:
            problem(where, "$.data.entity_id of a firm status must be its firm_id")
        if data["entity"] == "account" and data["account_id"] != data["entity_id"]:
            problem(where, "$.data.account_id of an account status must be its entity_id")


def check_dead_letters(folder, validators_by_name, topics, sent, stats):
    validator = validators_by_name.get("dead-letter.headers")
    ingress = {topics.get(name) for name in ("invoices", "payments", "accountToggles", "accountLifecycle")}
    for path, record in read_samples(folder):
        stats["dead letters"] = stats.get("dead letters", 0) + 1
        where = describe(path, record)
        if record.get("topic") != topics.get("deadLetter"):
            problem(where, f"read from {record.get('topic')}, not {topics.get('deadLetter')}")
        headers = {}
        for header in record.get("headers") or []:
            name = header.get("name")
            if name in headers and str(name).startswith("qbsync-dlq-"):
                problem(where, f"the header {name} appears twice")
            headers[name] = header.get("value")
        if validator is not None:
            error = best_match(validator.iter_errors(headers))
            if error is not None:
                problem(where, f"headers {error.json_path}: {error.message}")
        if headers.get("qbsync-dlq-original-topic") not in ingress:
            problem(where, f"qbsync-dlq-original-topic {headers.get('qbsync-dlq-original-topic')!r} is not an ingress topic")
        key, value = sample_bytes(record, "key"), sample_bytes(record, "value")
        if sent and (key, value) not in sent:
            problem(where, "its key and value are not those of any message the tests sent: a dead letter must be the message unchanged")


def main():
    samples = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] else None
    schemas, registry = load_schemas()
    validators_by_name = check_schemas(schemas, registry)
    channel_of_type, topics = check_asyncapi(schemas)
    stats = {}
    if samples is not None:
        if not (samples / "ingress").is_dir() or not any((samples / "ingress").glob("*.json")):
            problem(str(samples), "no recorded ingress messages: was QBSYNC_CONTRACT_SAMPLES set for the test run?")
        sent = check_ingress(samples / "ingress", validators_by_name, channel_of_type, stats)
        check_status(samples / "status", validators_by_name, topics.get("syncStatus"), stats)
        check_dead_letters(samples / "dead-letter", validators_by_name, topics, sent, stats)
        missing = sorted(set(known_types()) - stats.get("types", set()))
        if missing:
            print(f"note: no test sent a valid {', '.join(missing)}", file=sys.stderr)
    if problems:
        shown = problems[:60]
        print(f"event contract: {len(problems)} violation(s)", file=sys.stderr)
        for line in shown:
            print(f"  {line}", file=sys.stderr)
        if len(problems) > len(shown):
            print(f"  … and {len(problems) - len(shown)} more", file=sys.stderr)
        return 1
    summary = f"event contract: asyncapi.yaml and {len(schemas)} schemas valid"
    if samples is not None:
        counts = ", ".join(f"{value} {name}" for name, value in stats.items() if isinstance(value, int))
        reasons = ", ".join(sorted(str(reason) for reason in stats.get("reasons", set())))
        summary += f"; samples conform: {counts} (refusals seen: {reasons})"
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
