#!/usr/bin/env bash
# Prints the path of the trainer's Python virtualenv, creating it when its lock file changed.
# The venv lives outside the clone, keyed by the lock's hash, so CI and fresh clones reuse it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
lock="$root/trainer/requirements.lock"
key="$(sha256sum "$lock" | cut -c1-16)"
cache="${LEAFCHECK_VENV_CACHE:-$HOME/.cache/leafcheck}"
venv="$cache/venv-py311-$key"
if [ ! -f "$venv/.complete" ]; then
  echo "trainer-env: creating $venv from trainer/requirements.lock (first run takes a few minutes)" >&2
  rm -rf "$venv"
  mkdir -p "$cache"
  python3.11 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip >&2
  "$venv/bin/python" -m pip install -q -r "$lock" >&2
  touch "$venv/.complete"
fi
echo "$venv"
