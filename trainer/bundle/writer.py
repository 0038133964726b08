"""Write a bundle directory: copy the files in, fill sizes and hashes, validate, sign."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from trainer.bundle.manifest import validate_manifest
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
) -> dict[str, Any]:
    """`manifest` holds everything but file hashes and the signature; those are computed here.

    model_files maps "species"/"disease" to the ONNX file; extra_files maps bundle file names
    (advice.json, model-card.md, ...) to their sources.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    full = json.loads(json.dumps(manifest))
    full.pop("signature", None)
    for kind, src in model_files.items():
        name = full["models"][kind]["file"]
        if src.resolve() != (out_dir / name).resolve():
            shutil.copyfile(src, out_dir / name)
        full["models"][kind].update(_ref(out_dir / name))
    full["files"] = {}
    for name, src in extra_files.items():
        if src.resolve() != (out_dir / name).resolve():
            shutil.copyfile(src, out_dir / name)
        full["files"][name] = _ref(out_dir / name)
    signed = sign_manifest(validate_manifest(full), key)
    (out_dir / "manifest.json").write_text(json.dumps(signed, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return signed
