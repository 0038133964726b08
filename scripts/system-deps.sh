#!/usr/bin/env bash
# The Debian packages Leafcheck needs beyond Node 20 and Python 3.11, in two groups:
#   build  make, g++: `npm ci` compiles better-sqlite3 with node-gyp when its prebuilt binary cannot be downloaded
#          (it comes from github.com; a machine that reaches only the npm registry builds it from source).
#          Checked by `npm start` and `npm test` before their `npm ci`.
#   test   Chromium (browser tests, packages/test-browser), PostgreSQL 15 (the API tests' PostgreSQL run,
#          scripts/postgres-test-server.sh) and python3.11-venv (Debian's `python3.11 -m venv` needs it;
#          scripts/trainer-env.sh), and a Devanagari font (fonts-lohit-deva) so the Hindi screens the browser tests
#          photograph into apps/web/docs show letters, not boxes.
#   bash scripts/system-deps.sh missing [build|test|all]  -> the missing packages' names, one line (empty: none)
#   bash scripts/system-deps.sh install [build|test|all]  -> installs what is missing with apt-get when root, or
#                                                            prints the exact command to run once and exits 1
# The group defaults to all. LEAFCHECK_NO_INSTALL=1 makes install only tell (npm test then reports the suites that
# need them as skipped).
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
pg_bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"
group="${2:-all}"

missing=()
if [ "$group" = build ] || [ "$group" = all ]; then
  command -v make >/dev/null || missing+=(make)
  command -v g++ >/dev/null || missing+=(g++)
fi
if [ "$group" = test ] || [ "$group" = all ]; then
  [ -x "$chromium" ] || missing+=(chromium)
  [ -x "$pg_bin/initdb" ] || missing+=(postgresql-15)
  # Debian keeps ensurepip (which `python3.11 -m venv` runs) out of python3.11, in python3.11-venv.
  python3.11 -c 'import ensurepip' 2>/dev/null || missing+=(python3.11-venv)
  [ -e /usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf ] || missing+=(fonts-lohit-deva)
fi
case "$group" in
  build | test | all) ;;
  *)
    echo "system-deps: unknown group '$group' (build, test or all)" >&2
    exit 2
    ;;
esac

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
    echo "usage: $0 missing|install [build|test|all]" >&2
    exit 2
    ;;
esac
