#!/usr/bin/env bash
# Runs every test of budgetpoint on a fresh machine: installs what the browser
# tests need (Debian's chromium and CJK fonts) and the test of the README's
# nginx recipe needs (Debian's nginx) when it is missing, then runs
# go test over the whole module: with the race detector for the packages
# where goroutines meet (the group-committing writer, the syncer, the hub,
# the HTTP handlers), without it for the rest, after staticcheck; then the
# hub's tests again with the hub on PostgreSQL (Debian's postgresql, installed
# when missing, a throw-away cluster started by scripts/postgres.sh). All
# always run; the script exits non-zero, closing with a FAIL line, if any failed.
# Arguments (for example -run X or -short) go to both runs.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "noto.*cjk" || missing+=(fonts-noto-cjk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing ${missing[*]} for the browser tests, the nginx recipe's test and the hub on PostgreSQL…"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "${missing[*]} missing and not root: run 'sudo apt-get install ${missing[*]}'" >&2
  fi
fi
race_pkgs=(./db/ ./syncer/ ./hub/ ./handlers/)
mapfile -t other_pkgs < <(go list ./... | grep -vxF -f <(go list "${race_pkgs[@]}"))
if [ "${#other_pkgs[@]}" -eq 0 ]; then
  echo "go list found no packages besides ${race_pkgs[*]}" >&2
  exit 1
fi
# staticcheck, pinned, installed into GOPATH/bin through the Go module proxy.
staticcheck_version=v0.8.2
staticcheck="$(go env GOPATH)/bin/staticcheck"
if ! "$staticcheck" -version 2>/dev/null | grep -qF "${staticcheck_version#v}"; then
  echo "installing staticcheck $staticcheck_version…" >&2
  go install "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version"
fi
# A throw-away PostgreSQL cluster (scripts/postgres.sh) for the hub's tests
# on PostgreSQL, removed when this script ends.
if ! pgenv=$(./scripts/postgres.sh start); then
  echo "PostgreSQL could not be started for the hub's tests on it" >&2
  echo "FAIL"
  exit 1
fi
eval "$pgenv"
trap './scripts/postgres.sh stop "$BUDGETPOINT_TEST_PG_DIR"' EXIT
# The tests that need the cluster fail rather than skip without it.
export CI="${CI:-true}"
status=0
echo "== staticcheck ./..." >&2
"$staticcheck" ./... || status=1
echo "== go test -race ${race_pkgs[*]}" >&2
go test -race -count=1 -timeout 28m "$@" "${race_pkgs[@]}" || status=1
echo "== go test, without -race, of the other ${#other_pkgs[@]} packages" >&2
go test -count=1 -timeout 28m "$@" "${other_pkgs[@]}" || status=1
# The hub's tests again, each test hub on a database of its own in PostgreSQL.
echo "== go test -race ./hub/, and ./web/committee/, with each test hub on PostgreSQL" >&2
BUDGETPOINT_TEST_HUB_ENGINE=postgres go test -race -count=1 -timeout 28m "$@" ./hub/ || status=1
BUDGETPOINT_TEST_HUB_ENGINE=postgres go test -count=1 -timeout 28m "$@" ./web/committee/ || status=1
echo "== the sync drills (e2e TestDrills) with two hub processes on PostgreSQL" >&2
BUDGETPOINT_TEST_HUB_ENGINE=postgres go test -count=1 -timeout 28m -run 'TestDrills$' "$@" ./e2e/ || status=1
if [ "$status" -ne 0 ]; then
  echo "FAIL"
fi
exit "$status"
