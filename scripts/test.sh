#!/usr/bin/env bash
# Install jisrgeo with its pinned test extras, plus what the browser tests need, then run every test.
# Extra arguments go to pytest (e.g. scripts/test.sh -k timeline).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -c constraints.txt ".[test]"
bash scripts/setup-test-tools.sh
python3 -m pytest "$@"
