#!/usr/bin/env bash
# Install jisrgeo with its pinned test extras, plus what the browser tests need, then run every test;
# then the library's tests once more against the oldest supported versions (constraints-min.txt).
# Extra arguments go to the main pytest run (e.g. scripts/test.sh -k timeline); JISRGEO_SKIP_MIN=1 skips
# the minimum-versions run.
set -euo pipefail
cd "$(dirname "$0")/.."

# A Python whose pip refuses to install outside a virtual environment (Debian's: PEP 668,
# "externally-managed-environment") gets one, .venv; an active virtual environment is used as it is.
PYTHON=python3
if [ -z "${VIRTUAL_ENV:-}" ] && python3 - <<'EOF'
import os, sys, sysconfig
sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")) else 1)
EOF
then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  PYTHON=.venv/bin/python
fi

"$PYTHON" -m pip install --quiet --disable-pip-version-check -c constraints.txt ".[test]"
bash scripts/setup-test-tools.sh
# Lint first (seconds): a finding stops CI here, with its file and line (configured in pyproject.toml).
"$PYTHON" -m ruff check src tests scripts benchmarks
# One pytest worker per core (pytest-xdist; CI has 2). Each worker starts on its own run of whole test
# files (so a module's fixtures are mostly made once) and an idle one takes half of the other's queue, so no
# core idles while a long file finishes (--dist loadfile did: ~100 s at the end). Extra arguments come later
# and win: scripts/test.sh -n 0 runs in one process; PYTEST_XDIST_AUTO_NUM_WORKERS=N sets the count.
WORKERS=(-n logical --dist worksteal)
"$PYTHON" -m pytest "${WORKERS[@]}" "$@"

if [ -z "${JISRGEO_SKIP_MIN:-}" ]; then
  # The floors in pyproject.toml are promises: the library's tests on exactly those versions.
  [ -x .venv-min/bin/python ] || python3 -m venv .venv-min
  .venv-min/bin/python -m pip install --quiet --disable-pip-version-check -c constraints-min.txt \
    . pytest hypothesis jsonschema $(grep -E '^(pytest-xdist|execnet)==' constraints.txt)
  # From outside the checkout, so the installed package (not src/) is what is tested.
  (cd tests && ../.venv-min/bin/python -m pytest -q -p no:cacheprovider -m "not browser" "${WORKERS[@]}" \
    --rootdir=.. -c ../pyproject.toml \
    test_window.py test_timeline.py test_geo.py test_load.py test_columnar.py test_dataset_facts.py \
    test_areas.py test_claims.py test_export.py test_api.py test_second_battle.py test_validate.py test_cli_data.py)
fi
