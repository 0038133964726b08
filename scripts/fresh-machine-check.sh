#!/usr/bin/env bash
# Issue #14's acceptance check: on a fresh Debian bookworm machine with only Node 20 and Python 3.11, `npm start`
# then `npm test` pass with no other step. Not part of `npm test`; run it by hand, as root, on a Debian host:
#   sudo bash scripts/fresh-machine-check.sh
#
# What it does (every step logged to $FRESH_LOG):
#   1. a minimal Debian bookworm root (debootstrap --variant=minbase) at $FRESH_ROOT, built when missing, holding
#      only: python3 (3.11), ca-certificates, and this host's Node 20 (node, npm, corepack, its headers) copied in,
#      since bookworm's apt has Node 18. No git, no Chromium, no PostgreSQL, no fonts, no python3-venv: those must
#      come from the repo's own scripts (scripts/system-deps.sh, called by scripts/test-all.sh).
#   2. the machine's registry configuration, copied from this host because it is the machine's, not the repo's:
#      resolv.conf, the extra CA certificates in /usr/local/share/ca-certificates (a TLS-intercepting egress proxy's
#      CA, where there is one), ~/.npmrc, /etc/pip.conf, and the NODE_EXTRA_CA_CERTS / PIP_* variables of this shell.
#   3. a `git clone` of this repo's HEAD (made here, copied in: the root has no git) at /work/fresh/main, with
#      ../shared (read-only data) bind-mounted read-only at /work/fresh/shared; proc, sys and dev (with /dev/shm)
#      mounted for Chromium.
#   4. inside, as root: `npm start` until the PWA and the API's /healthz answer, then stopped; then `CI=true npm test`.
#   5. always (trap): stops what runs in the root, unmounts everything and deletes the root (FRESH_KEEP_ROOT=1 keeps
#      it, and a later run reuses it; the clone and the caches in it are then not fresh any more).
# Environment: FRESH_ROOT (default /tmp/fresh-root-leafcheck), FRESH_LOG (default /tmp/fresh-check-<time>.log),
# DEBIAN_MIRROR (default http://deb.debian.org/debian), FRESH_KEEP_ROOT=1, FRESH_TEST_TIMEOUT (seconds, default 7200),
# FRESH_API_PORT / FRESH_WEB_PORT (default 18787 / 14173, so a dev server on this host does not clash).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
root_dir="${FRESH_ROOT:-/tmp/fresh-root-leafcheck}"
log="${FRESH_LOG:-/tmp/fresh-check-$(date -u +%Y%m%dT%H%M%SZ).log}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
test_timeout="${FRESH_TEST_TIMEOUT:-7200}"
api_port="${FRESH_API_PORT:-18787}"
web_port="${FRESH_WEB_PORT:-14173}"
clone=/work/fresh/main # inside the root; ../shared next to it

say() { echo "fresh-check $(date -u +%H:%M:%S): $*" | tee -a "$log" >&2; }
die() { say "FAILED: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot, mounts)"
[ -d "$repo/../shared" ] || die "$repo/../shared is missing (the tests read their data there)"
shared="$(cd "$repo/../shared" && pwd)"
node_bin="$(command -v node)" || die "no node on this host (its Node 20 is copied into the root)"
node_bin="$(readlink -f "$node_bin")"
[ "$("$node_bin" -p 'process.versions.node.split(".")[0]')" = 20 ] || die "this host's node is not Node 20"
node_prefix="$(dirname "$(dirname "$node_bin")")"
[ -d "$node_prefix/lib/node_modules/npm" ] || die "no npm at $node_prefix/lib/node_modules/npm"
command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >>"$log" 2>&1; } ||
  die "debootstrap is missing and could not be installed"
for port in "$api_port" "$web_port"; do
  ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || die "port $port is in use here (set FRESH_API_PORT/FRESH_WEB_PORT)"
done

start_all=$SECONDS
in_root() { chroot "$root_dir" /usr/bin/env -i "${root_env[@]}" "$@"; }

cleanup() {
  local status=$?
  set +e
  # Whatever still runs with its root in ours (npm start's servers, PostgreSQL, Chromium): stop it, by pid.
  local pids=() p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root_dir" ] && pids+=("${p#/proc/}")
  done
  if [ "${#pids[@]}" -gt 0 ]; then
    say "stopping ${#pids[@]} processes left in the root"
    kill "${pids[@]}" 2>/dev/null
    sleep 3
    kill -9 "${pids[@]}" 2>/dev/null
  fi
  for m in $(awk -v r="$root_dir" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r); do
    umount -R "$m" 2>/dev/null || umount -l "$m"
  done
  if awk -v r="$root_dir" '$2 == r || index($2, r "/") == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
    say "something is still mounted under $root_dir; not deleting it"
  elif [ "${FRESH_KEEP_ROOT:-}" = 1 ]; then
    say "kept $root_dir (FRESH_KEEP_ROOT=1)"
  else
    rm -rf --one-file-system "$root_dir"
    say "deleted $root_dir"
  fi
  say "done in $((SECONDS - start_all)) s, exit $status; log: $log"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. The root.
if [ ! -f "$root_dir/.fresh-root-complete" ]; then
  say "building a minbase bookworm root at $root_dir from $mirror"
  if [ ! -f "$root_dir/.debootstrap-complete" ]; then
    rm -rf --one-file-system "$root_dir"
    t=$SECONDS
    debootstrap --variant=minbase bookworm "$root_dir" "$mirror" >>"$log" 2>&1 || die "debootstrap (see $log)"
    touch "$root_dir/.debootstrap-complete"
    say "debootstrap took $((SECONDS - t)) s"
  fi
  cp /etc/resolv.conf "$root_dir/etc/resolv.conf"
  # The host's apt sources (its mirror and snapshot pins), so the root installs what this machine would.
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    rm -f "$root_dir/etc/apt/sources.list"
    cp /etc/apt/sources.list.d/debian.sources "$root_dir/etc/apt/sources.list.d/debian.sources"
  fi
  t=$SECONDS
  chroot "$root_dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 ca-certificates' >>"$log" 2>&1 ||
    die "apt-get install python3 ca-certificates in the root (see $log)"
  say "python3 and ca-certificates installed in $((SECONDS - t)) s"
  # Node 20 with npm and corepack from this host's prefix (bookworm's apt has Node 18).
  mkdir -p "$root_dir/usr/local/bin" "$root_dir/usr/local/lib/node_modules" "$root_dir/usr/local/include"
  cp "$node_bin" "$root_dir/usr/local/bin/node"
  cp -a "$node_prefix/lib/node_modules/npm" "$root_dir/usr/local/lib/node_modules/"
  [ -d "$node_prefix/lib/node_modules/corepack" ] && cp -a "$node_prefix/lib/node_modules/corepack" "$root_dir/usr/local/lib/node_modules/"
  [ -d "$node_prefix/include/node" ] && cp -a "$node_prefix/include/node" "$root_dir/usr/local/include/"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root_dir/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root_dir/usr/local/bin/npx"
  touch "$root_dir/.fresh-root-complete"
fi

# 2. The machine's registry configuration.
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$root_dir/usr/local/share/ca-certificates/"
  chroot "$root_dir" /usr/sbin/update-ca-certificates >>"$log" 2>&1 || die "update-ca-certificates in the root"
  say "copied CA certificates: $(cd /usr/local/share/ca-certificates && echo *.crt)"
fi
copied=()
if [ -f "$HOME/.npmrc" ]; then
  # nodedir points at the host's Node headers; in the root they are under /usr/local.
  sed "s|^nodedir *=.*|nodedir=/usr/local|" "$HOME/.npmrc" >"$root_dir/root/.npmrc"
  copied+=("~/.npmrc (nodedir -> /usr/local)")
fi
[ -f /etc/pip.conf ] && cp /etc/pip.conf "$root_dir/etc/pip.conf" && copied+=(/etc/pip.conf)
root_env=(HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb)
for var in NODE_EXTRA_CA_CERTS PIP_CERT PIP_DEFAULT_TIMEOUT PIP_DISABLE_PIP_VERSION_CHECK PIP_INDEX_URL \
  PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST npm_config_registry HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
  if [ -n "${!var:-}" ]; then
    root_env+=("$var=${!var}")
    copied+=("\$$var")
  fi
done
say "copied the registry configuration: resolv.conf ${copied[*]}"
say "the root has: $(in_root sh -c 'echo "node $(node -v), npm $(npm -v), $(python3 -V)"; for c in git chromium gcc make curl; do command -v $c >/dev/null && echo "UNEXPECTED: $c"; done; ls /usr/lib/postgresql 2>/dev/null; python3 -c "import ensurepip" 2>/dev/null && echo "python3-venv present" || echo "no python3-venv"' | tr '\n' ' ')"

# 3. Mounts and the clone.
mount -t proc proc "$root_dir/proc"
mount --rbind /sys "$root_dir/sys" && mount --make-rslave "$root_dir/sys"
mount --rbind /dev "$root_dir/dev" && mount --make-rslave "$root_dir/dev"
mkdir -p "$root_dir/work/fresh/shared"
mount --bind "$shared" "$root_dir/work/fresh/shared" && mount -o remount,bind,ro "$root_dir/work/fresh/shared"
rm -rf "$root_dir$clone"
git clone -q --no-hardlinks "file://$repo" "$root_dir$clone" >>"$log" 2>&1 || die "git clone of $repo"
say "cloned $(git -C "$root_dir$clone" log -1 --format='%h %s' | cut -c1-100)"

# 4a. npm start: the PWA and the API answer, then stop it.
say "npm start (API :$api_port, PWA :$web_port)"
t=$SECONDS
start_log="$(mktemp /tmp/fresh-check-start.XXXXXX)"
setsid chroot "$root_dir" /usr/bin/env -i "${root_env[@]}" API_PORT="$api_port" WEB_PORT="$web_port" \
  sh -c "cd $clone && exec npm start" >"$start_log" 2>&1 &
start_pid=$!
up=""
for _ in $(seq 1 900); do
  if ! kill -0 "$start_pid" 2>/dev/null; then break; fi
  if curl -fsS "http://127.0.0.1:$api_port/healthz" >/dev/null 2>&1 && curl -fsS "http://127.0.0.1:$web_port/" >/dev/null 2>&1; then
    up=1
    break
  fi
  sleep 1
done
if [ -n "$up" ]; then
  healthz="$(curl -fsS "http://127.0.0.1:$api_port/healthz")"
  page="$(curl -fsS "http://127.0.0.1:$web_port/" | grep -o '<title>[^<]*</title>' || true)"
  manifest="$(curl -fsS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$web_port/manifest.webmanifest" || true)"
  say "npm start up after $((SECONDS - t)) s: healthz $healthz; PWA $page, manifest.webmanifest HTTP $manifest"
fi
kill -TERM -- "-$start_pid" 2>/dev/null || true
wait "$start_pid" 2>/dev/null || true
sed 's/^/  [npm start] /' "$start_log" >>"$log"
rm -f "$start_log"
[ -n "$up" ] || die "npm start did not serve the PWA and /healthz (see $log)"

# 4b. CI=true npm test.
say "CI=true npm test (timeout $test_timeout s)"
t=$SECONDS
set +e
timeout --kill-after=30 "$test_timeout" chroot "$root_dir" /usr/bin/env -i "${root_env[@]}" CI=true \
  sh -c "cd $clone && npm test" 2>&1 | sed 's/^/  [npm test] /' >>"$log"
test_status="${PIPESTATUS[0]}"
set -e
summary="$(grep -E '^  \[npm test\] (suites:|failed suites:|skipped )' "$log" | sed 's/^  \[npm test\] //' | tr '\n' ';')"
say "CI=true npm test exit $test_status after $((SECONDS - t)) s: $summary"
[ "$test_status" = 0 ] || die "CI=true npm test failed (see $log)"
say "PASSED: npm start and CI=true npm test on a fresh bookworm root"
