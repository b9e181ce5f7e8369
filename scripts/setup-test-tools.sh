#!/usr/bin/env bash
# What the browser and QGIS tests need: Debian's chromium (never a downloaded browser),
# python3-qgis (headless PyQGIS), poppler-utils (pdftotext reads the QGIS layout's PDF) and acl (setfacl/getfacl:
# a rebuild keeps a folder's POSIX ACLs), plus local copies of the maps' CDN JavaScript/CSS from the
# npm registry (tests/browser/node_modules). Installing Debian packages needs root or sudo;
# without them those tests skip and say why (in CI they fail instead).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
/usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1 || missing+=(python3-qgis qgis-providers)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v setfacl >/dev/null 2>&1 || missing+=(acl)
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if [ -z "$SUDO" ] || command -v sudo >/dev/null 2>&1; then
    echo "installing Debian packages for the browser and QGIS tests: ${missing[*]}..."
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
if command -v npm >/dev/null 2>&1 && [ ! -d tests/browser/node_modules ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
