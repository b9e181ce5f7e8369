#!/usr/bin/env bash
# What the browser tests need: Debian's chromium (never a downloaded browser) and local
# copies of the maps' CDN JavaScript/CSS from the npm registry (tests/browser/node_modules).
# Installing chromium needs root or sudo; without them the browser tests skip and say why
# (in CI they fail instead).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if [ -z "$SUDO" ] || command -v sudo >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser tests..."
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  fi
fi
if command -v npm >/dev/null 2>&1 && [ ! -d tests/browser/node_modules ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
