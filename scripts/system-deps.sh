#!/usr/bin/env bash
# The Debian packages the tests need beyond Node 20 and Python 3.11: Chromium (browser tests, packages/test-browser)
# and PostgreSQL 15 (the API tests' PostgreSQL run, scripts/postgres-test-server.sh).
#   bash scripts/system-deps.sh missing   -> the missing packages' names, one line (empty when nothing is missing)
#   bash scripts/system-deps.sh install   -> installs what is missing with apt-get when root, or prints the exact
#                                            command to run once and exits 1
# LEAFCHECK_NO_INSTALL=1 makes install only tell (npm test then reports the suites that need them as skipped).
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
pg_bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"

missing=()
[ -x "$chromium" ] || missing+=(chromium)
[ -x "$pg_bin/initdb" ] || missing+=(postgresql-15)

case "${1:-}" in
  missing)
    echo "${missing[*]}"
    ;;
  install)
    [ "${#missing[@]}" -eq 0 ] && exit 0
    cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    if [ "${LEAFCHECK_NO_INSTALL:-}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "system-deps: installing ${missing[*]} (Debian packages; once per machine)" >&2
      apt-get update -qq >&2 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        { echo "system-deps: apt-get failed; run: sudo sh -c '$cmd'" >&2; exit 1; }
    else
      echo "system-deps: missing ${missing[*]}; install once with: sudo sh -c '$cmd'" >&2
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 missing|install" >&2
    exit 2
    ;;
esac
