#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster for the tests and prints the
# environment to use it: sourced by scripts/test.sh, or run by hand as
#   eval "$(scripts/postgres.sh start)"   …   scripts/postgres.sh stop "$BUDGETPOINT_TEST_PG_DIR"
# The cluster lives in a temporary directory (0700), listens on a free
# loopback port, takes the superuser's generated password only (SCRAM), runs
# as an unprivileged user (postgres when we are root: PostgreSQL refuses to
# run as root) with fsync on, and is removed by stop.
set -euo pipefail
pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -n "$d" ]; then echo "$d"; else dirname "$(command -v initdb)"; fi
}
case "${1:-}" in
start)
  bin=$(pg_bin)
  dir=$(mktemp -d /tmp/budgetpoint-pg.XXXXXX)
  pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  printf '%s\n' "$pw" >"$dir/pwfile"
  run=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown -R postgres "$dir"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=scram-sha-256 --pwfile="$dir/pwfile" -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/pwfile"
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    port=$(shuf -i 20000-60000 -n 1)
    if "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on" start >/dev/null 2>&1; then
      echo "export BUDGETPOINT_TEST_POSTGRES='postgres://postgres:$pw@127.0.0.1:$port/postgres?sslmode=disable'"
      echo "export BUDGETPOINT_TEST_PG_DIR='$dir'"
      exit 0
    fi
  done
  cat "$dir/server.log" >&2
  exit 1
  ;;
restart)
  dir=${2:?give the cluster directory}
  run=()
  [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
  "${run[@]}" "$(pg_bin)/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -m fast restart >/dev/null
  ;;
stop)
  dir=${2:?give the cluster directory}
  run=()
  [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
  "${run[@]}" "$(pg_bin)/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start | restart DIR | stop DIR" >&2
  exit 2
  ;;
esac
