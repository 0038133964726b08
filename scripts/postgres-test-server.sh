#!/usr/bin/env bash
# Throwaway PostgreSQL for the API tests, from Debian's postgresql-15 binaries.
#   bash scripts/postgres-test-server.sh start DIR   -> prints postgres://... on stdout (logs go to DIR/log)
#   bash scripts/postgres-test-server.sh stop DIR    -> stops the cluster and deletes DIR
# Listens on 127.0.0.1 only, on a free port; trust auth (loopback, test data only); fsync off for speed.
set -euo pipefail
cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"
[ -x "$bin/initdb" ] || { echo "no PostgreSQL binaries in $bin" >&2; exit 1; }

# initdb refuses to run as root: run the server as the postgres system user then.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    data="$dir/data"
    as_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
    as_owner "$bin/pg_ctl" -D "$data" -l "$dir/log" -w -t 30 \
      -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >&2 ||
      { cat "$dir/log" >&2; exit 1; }
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres leafcheck_test >&2
    echo "$port" >"$dir/port"
    echo "postgres://postgres@127.0.0.1:$port/leafcheck_test"
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >&2 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
