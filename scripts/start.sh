#!/usr/bin/env bash
# `npm start`: the API (SQLite, embedded default bundle) and the built PWA, on this machine.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# A fresh clone has no node_modules yet. better-sqlite3 may have to compile (make, g++): installed when missing (as
# root), else the command is printed and npm ci tries anyway (a prebuilt binary needs neither).
if [ ! -d node_modules ]; then
  bash scripts/system-deps.sh install build || true
  npm ci --no-audit --no-fund
fi

api_port="${API_PORT:-8787}"
web_port="${WEB_PORT:-4173}"
mkdir -p .leafcheck
# One device token for this local setup, shared by the API (registered at start) and the PWA build.
token_file=.leafcheck/local-device-token
[ -s "$token_file" ] || (umask 077 && node -e "console.log(require('node:crypto').randomBytes(24).toString('base64url'))" > "$token_file")
token="$(cat "$token_file")"

echo "start: building the PWA (bundle: bundles/default)"
VITE_API_BASE="http://127.0.0.1:$api_port" VITE_DEVICE_TOKEN="$token" npm run build -w @leafcheck/web --silent >/dev/null

echo "start: API on http://127.0.0.1:$api_port (SQLite at .leafcheck/leafcheck.db)"
LEAFCHECK_DEV_DEVICE_TOKEN="$token" PORT="$api_port" npx tsx apps/api/src/server.ts &
api_pid=$!
trap 'kill "$api_pid" 2>/dev/null || true' EXIT INT TERM

echo "start: Leafcheck on http://127.0.0.1:$web_port  (Ctrl-C stops both)"
npm run preview -w @leafcheck/web -- --port "$web_port" --strictPort
