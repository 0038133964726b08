#!/usr/bin/env bash
# The one test command (`npm test`): lint, types, TS unit, browser, Python. Runs every suite, exits non-zero on any failure.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# A fresh clone has no node_modules yet: install exactly what the lock file says.
[ -d node_modules ] || npm ci --no-audit --no-fund || exit 1

venv="$(bash scripts/trainer-env.sh)" || { echo "could not create the trainer environment"; exit 1; }
py="$venv/bin/python"

# A throwaway PostgreSQL so the API tests also run against it (skipped where no server binaries exist).
if [ -z "${TEST_DATABASE_URL:-}" ] && [ -f scripts/postgres-test-server.sh ]; then
  pg_dir="$(mktemp -d /tmp/leafcheck-pg.XXXXXX)"
  if TEST_DATABASE_URL="$(bash scripts/postgres-test-server.sh start "$pg_dir")"; then
    export TEST_DATABASE_URL
    trap 'bash scripts/postgres-test-server.sh stop "$pg_dir" >/dev/null 2>&1' EXIT
  else
    echo "warning: PostgreSQL test server did not start; API tests run on SQLite only"
    unset TEST_DATABASE_URL
  fi
fi

passed=0
failed=0
failures=()
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

suite "ts-lint" npx biome check .
suite "ts-types" npx tsc -p tsconfig.json --noEmit
suite "ts-unit" npx vitest run --project unit
suite "ts-browser" npx vitest run --project browser
suite "py-lint" bash -c "cd trainer && '$py' -m ruff check . && '$py' -m ruff format --check ."
suite "py-tests" bash -c "cd trainer && '$py' -m pytest"

echo
[ "$failed" -eq 0 ] || echo "failed suites: ${failures[*]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
