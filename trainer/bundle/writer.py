"""Write a bundle directory: copy the files in, fill sizes and hashes, validate, sign."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from trainer.bundle.manifest import validate_manifest
from trainer.bundle.self_test import record_self_test
from trainer.bundle.signing import SigningKey, sign_manifest


def _ref(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def write_bundle(
    out_dir: Path,
    manifest: dict[str, Any],
    model_files: dict[str, Path],
    extra_files: dict[str, Path],
    key: SigningKey,
    self_test: bool = True,
) -> dict[str, Any]:
    """`manifest` holds everything but file hashes and the signature; those are computed here.

    model_files maps "species"/"disease" (and "backbone" in the chained layout) to the ONNX file (both models to the
    same one when the manifest entries share a graph or a heads file);
    extra_files maps bundle file names (advice.json, model-card.md, ...) to their sources. Files that a
    bundle previously written to out_dir listed and this one does not are removed. manifest.selfTest is recorded
    here from the models (trainer/bundle/self_test.py).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = _listed(out_dir)
    full = json.loads(json.dumps(manifest))
    full.pop("signature", None)
    sources: dict[str, Path] = {}
    for kind, src in model_files.items():
        name = full["models"][kind]["file"]
        if name in sources and sources[name].resolve() != src.resolve():
            raise ValueError(f"{name} is named by two models but given two sources: {sources[name]} and {src}")
        if name not in sources and src.resolve() != (out_dir / name).resolve():
            shutil.copyfile(src, out_dir / name)
        sources[name] = src
        full["models"][kind].update(_ref(out_dir / name))
    # What these models answer on fixed images, for the phone's self-test (always recomputed: never stale).
    # self_test=False only for tests that write a deliberately broken bundle the runtime cannot run.
    full.pop("selfTest", None)
    if self_test:
        full["selfTest"] = record_self_test(full, {kind: out_dir / full["models"][kind]["file"] for kind in full["models"]})
    full["files"] = {}
    for name, src in extra_files.items():
        if src.resolve() != (out_dir / name).resolve():
            shutil.copyfile(src, out_dir / name)
        full["files"][name] = _ref(out_dir / name)
    signed = sign_manifest(validate_manifest(full), key)
    (out_dir / "manifest.json").write_text(json.dumps(signed, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for stale in previous - _listed(out_dir):
        (out_dir / stale).unlink(missing_ok=True)
    return signed


def _listed(directory: Path) -> set[str]:
    """The file names a bundle's manifest.json lists (none when there is no readable manifest)."""
    try:
        m = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        names = {model["file"] for model in m["models"].values()} | set(m["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    return {n for n in names if isinstance(n, str) and n == Path(n).name}
