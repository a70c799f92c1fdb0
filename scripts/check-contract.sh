#!/usr/bin/env bash
# Checks the event contract in contract/ (AsyncAPI 3.0 document, JSON Schemas 2020-12) and, given
# a directory of samples recorded by a test run (QBSYNC_CONTRACT_SAMPLES), that every message the
# tests sent, observed and dead-lettered conforms to it, and that the bad ones the tests send on
# purpose are refused by it. Part of scripts/test.sh; scripts/check_contract.py says what it checks.
#
#   scripts/check-contract.sh [SAMPLES_DIR]     (default: $QBSYNC_CONTRACT_SAMPLES, if set)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
samples=${1:-${QBSYNC_CONTRACT_SAMPLES:-}}

# jsonschema (a maintained JSON Schema 2020-12 validator) and PyYAML, from PyPI when missing.
if ! python3 -c 'import jsonschema, referencing, yaml' 2>/dev/null; then
    echo "installing jsonschema and pyyaml for the contract check" >&2
    python3 -m pip install --quiet --disable-pip-version-check 'jsonschema>=4.18' pyyaml \
        || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages 'jsonschema>=4.18' pyyaml
fi
exec python3 "$repo/scripts/check_contract.py" ${samples:+"$samples"}
