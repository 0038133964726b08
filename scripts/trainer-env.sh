#!/usr/bin/env bash
# Prints the path of the trainer's Python virtualenv, creating it when its lock file changed.
# The venv lives outside the clone, keyed by the lock's hash, so CI and fresh clones reuse it.
#
# One lock (trainer/requirements.lock, the CUDA build of torch that PyPI serves; the Modal image uses it whole),
# two flavours:
#   cuda  where an NVIDIA GPU is present: the whole lock (5.9 GB).
#   cpu   elsewhere: the same pins without the CUDA packages torch never loads on a CPU (4.5 GB). PyPI has no
#         CPU-only torch for Linux x86_64, and the PyPI wheel links (DT_NEEDED) cudart, cublas, cudnn, cufft,
#         cusparse(Lt), cufile, cupti, nccl, nvrtc and nvshmem, so those stay; triton, cusolver (dlopened only by
#         torch's CUDA linalg), nvjitlink, nvtx, cccl and cuda-bindings/-toolkit/-pathfinder go.
# LEAFCHECK_TORCH=cpu|cuda overrides the detection.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
lock="$root/trainer/requirements.lock"
cache="${LEAFCHECK_VENV_CACHE:-$HOME/.cache/leafcheck}"

flavour="${LEAFCHECK_TORCH:-}"
if [ -z "$flavour" ]; then
  if [ -e /dev/nvidiactl ] || command -v nvidia-smi >/dev/null 2>&1; then flavour=cuda; else flavour=cpu; fi
fi
cpu_skip="triton nvidia-cusolver nvidia-cuda-cccl nvidia-nvtx nvidia-nvjitlink cuda-bindings cuda-toolkit cuda-pathfinder"

case "$flavour" in
  cuda)
    key="$(sha256sum "$lock" | cut -c1-16)"
    venv="$cache/venv-py311-$key"
    ;;
  cpu)
    key="$({ cat "$lock"; echo "cpu-skip: $cpu_skip"; } | sha256sum | cut -c1-16)"
    venv="$cache/venv-py311-cpu-$key"
    ;;
  *)
    echo "trainer-env: LEAFCHECK_TORCH must be cpu or cuda, not '$flavour'" >&2
    exit 2
    ;;
esac

if [ ! -f "$venv/.complete" ]; then
  echo "trainer-env: creating $venv ($flavour torch) from trainer/requirements.lock (first run takes a few minutes)" >&2
  rm -rf "$venv"
  mkdir -p "$cache"
  python3.11 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip >&2
  if [ "$flavour" = cuda ]; then
    "$venv/bin/python" -m pip install -q -r "$lock" >&2
  else
    # The lock pins the whole tree, so --no-deps installs exactly it, less the skipped packages.
    pattern="^($(echo "$cpu_skip" | tr ' ' '|'))=="
    grep -v -E "$pattern" "$lock" >"$venv/requirements-cpu.txt"
    "$venv/bin/python" -m pip install -q --no-deps -r "$venv/requirements-cpu.txt" >&2
  fi
  # Never mark a venv complete whose torch cannot load.
  "$venv/bin/python" -c 'import torch, torchvision; torch.ones(2, requires_grad=True).sum().backward()' >&2
  touch "$venv/.complete"
fi
echo "$venv"
