#!/usr/bin/env bash
# The one test command (`npm test`): lint, types, TS unit, browser, Python. Runs every suite, exits non-zero on any failure.
# A suite that cannot run here (no Chromium, no PostgreSQL) is reported as skipped with its reason; with CI=true a
# skipped suite fails the run.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# A fresh clone has no node_modules yet: install exactly what the lock file says (make and g++ first, in case
# better-sqlite3 has to compile; see scripts/system-deps.sh).
if [ ! -d node_modules ]; then
  bash scripts/system-deps.sh install build
  npm ci --no-audit --no-fund || exit 1
fi

# Chromium, PostgreSQL 15 and python3.11-venv from Debian: installed when missing (as root), else the exact command
# is printed once.
bash scripts/system-deps.sh install test

venv="$(bash scripts/trainer-env.sh)" || { echo "could not create the trainer environment"; exit 1; }
py="$venv/bin/python"

passed=0
failed=0
failures=()
skipped=()
skip() { skipped+=("$1: $2"); echo; echo "=== $1 SKIPPED: $2"; }

# A throwaway PostgreSQL so the API tests also run against it.
pg_skip=""
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  pg_dir="$(mktemp -d /tmp/leafcheck-pg.XXXXXX)"
  if TEST_DATABASE_URL="$(bash scripts/postgres-test-server.sh start "$pg_dir")"; then
    export TEST_DATABASE_URL
    trap 'bash scripts/postgres-test-server.sh stop "$pg_dir" >/dev/null 2>&1' EXIT
  else
    rm -rf "$pg_dir"
    unset TEST_DATABASE_URL
    pg_skip="the PostgreSQL test server did not start (needs Debian's postgresql-15: apt-get install -y postgresql-15)"
  fi
fi

suite() {
  local name="$1"
  shift
  echo
  echo "=== $name: $*"
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    echo "=== $name passed in $((SECONDS - start)) s"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "=== $name FAILED after $((SECONDS - start)) s"
  fi
}

# Every suite's temp files go to one folder of this run, so a test or bench that leaves its temp folder behind is
# caught (see "temp-cleanup" below) instead of filling /tmp; the folder itself is removed at the end.
run_tmp="$(mktemp -d /tmp/leafcheck-test-run.XXXXXX)"
export TMPDIR="$run_tmp"

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"

suite "ts-lint" npx biome check .
suite "ts-types" npx tsc -p tsconfig.json --noEmit
suite "ts-unit" npx vitest run --project unit
# ts-unit ran the API suites on SQLite; their PostgreSQL run is reported as skipped by vitest too.
[ -z "$pg_skip" ] || skip "ts-unit-postgres" "$pg_skip"
if [ -x "$chromium" ]; then
  suite "ts-browser" npx vitest run --project browser
else
  skip "ts-browser" "no Chromium at $chromium (needs Debian's chromium: apt-get install -y chromium)"
fi
suite "py-lint" bash -c "cd trainer && '$py' -m ruff check . ../bench && '$py' -m ruff format --check . ../bench"
suite "py-tests" bash -c "cd trainer && '$py' -m pytest"

# Ours only (leafcheck-*): third-party caches (tsx, torch, pytest's own numbered folders) are not ours to clean.
leftovers() {
  local found
  found="$(find "$run_tmp" -mindepth 1 -maxdepth 1 -name 'leafcheck-*' -printf '%f\n' | sort)"
  [ -z "$found" ] || { echo "left behind in \$TMPDIR by a test or bench:"; echo "$found"; return 1; }
}
suite "temp-cleanup" leftovers
rm -rf "$run_tmp"

echo
for line in "${skipped[@]}"; do echo "skipped $line"; done
if [ "${#skipped[@]}" -gt 0 ] && [ "${CI:-}" = true ]; then
  echo "CI=true: a skipped suite fails the run (every suite is required in CI)"
  failed=$((failed + ${#skipped[@]}))
  for line in "${skipped[@]}"; do failures+=("${line%%:*}"); done
fi
[ "$failed" -eq 0 ] || echo "failed suites: ${failures[*]}"
echo "suites: $passed passed, $failed failed, ${#skipped[@]} skipped"
[ "$failed" -eq 0 ]
