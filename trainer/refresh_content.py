"""`python -m trainer content`: a new version of a signed bundle with today's names and advice translations
(packages/bundle/content) and the same models, metrics, thresholds and advice, without retraining.

A translation fix or a reviewed translation should reach phones without a training run; the models keep their
sha256, so a phone that has them downloads only the changed content files.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trainer.bundle import SigningKey, TrustedKey, load_or_create_local_key, verify_bundle, write_bundle
from trainer.bundle.content import NAMES_FILE, TRANSLATION_FILE
from trainer.bundle.errors import BundleError
from trainer.bundle.signing import leafcheck_home
from trainer.bundle_content import write_content
from trainer.errors import DataError
from trainer.make_bundle import trusted_keys, verify


def _version_tuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("-")[0].split("."))
    except ValueError as err:
        raise DataError(f"not a bundle version: {version!r} (use MAJOR.MINOR.PATCH)") from err


def _card(card: str, old: str, new: str) -> str:
    """The model card with its title on the new version and a line saying what changed."""
    lines = card.splitlines()
    if not lines or not lines[0].startswith("# "):
        raise DataError("model-card.md does not start with its '# ' title")
    note = (
        f"Bundle {new} has the models, metrics, thresholds and English advice of bundle {old}; it adds the class names "
        f"and advice translations ({NAMES_FILE}, advice.<language>.json) to the signed bundle (`python -m trainer content`)."
    )
    return "\n".join([lines[0].replace(old, new), "", note, *lines[1:]]) + "\n"


def refresh_content(
    bundle_dir: Path, out_dir: Path, version: str, key: SigningKey | None = None, trusted: list[TrustedKey] | None = None
) -> dict[str, Any]:
    """Writes the new bundle into out_dir, signed by `key` (default: this machine's), and verifies it.

    The source bundle must verify against packages/bundle/trusted-keys.json, the signing key or `trusted`.
    """
    keys = [*trusted_keys(), *(trusted or [])]
    local = leafcheck_home() / "signing-key.json"
    key = key or load_or_create_local_key(local)
    try:
        source = verify_bundle(bundle_dir, [*keys, key.trusted()])
    except BundleError as err:
        raise DataError(f"{bundle_dir} does not verify: {err}") from err
    old = source.manifest["bundleVersion"]
    if _version_tuple(version) <= _version_tuple(old):
        raise DataError(f"the new version {version} must be above {old} (phones refuse a downgrade)")
    manifest = json.loads(json.dumps(source.manifest))
    manifest["bundleVersion"] = version
    manifest["createdAt"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with tempfile.TemporaryDirectory(prefix="leafcheck-content-") as tmp:
        work = Path(tmp)
        # Models first copied aside: out_dir may be bundle_dir, and write_bundle removes files the new one drops.
        model_files: dict[str, Path] = {}
        for kind, model in manifest["models"].items():
            copy = work / model["file"]
            if not copy.exists():
                shutil.copyfile(bundle_dir / model["file"], copy)
            model_files[kind] = copy
        extra: dict[str, Path] = {}
        for name in manifest["files"]:
            if name == NAMES_FILE or TRANSLATION_FILE.match(name):
                continue  # replaced below
            extra[name] = work / name
            shutil.copyfile(bundle_dir / name, extra[name])
        card = extra.get("model-card.md")
        if card is not None:
            card.write_text(_card(card.read_text(encoding="utf-8"), old, version), encoding="utf-8")
        extra.update(write_content(manifest, work / "content"))
        signed = write_bundle(out_dir, manifest, model_files, extra, key)
    checked = verify(out_dir, extra=[key.trusted()])
    files = sorted(signed["files"])
    return {"bundleVersion": signed["bundleVersion"], "from": old, "files": files, "signedBy": checked["signedBy"]}
