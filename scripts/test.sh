#!/usr/bin/env bash
# Runs every test of budgetpoint on a fresh machine: installs what the browser
# tests need (Debian's chromium and CJK fonts) when it is missing, then runs
# go test over the whole module.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing chromium and fonts-noto-cjk for the browser tests…"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "chromium or fonts-noto-cjk missing and not root: run 'sudo apt-get install chromium fonts-noto-cjk'" >&2
  fi
fi
exec go test -count=1 -timeout 28m "$@" ./...
