"""The farmer-facing content a bundle ships besides advice.json, from packages/bundle/content (where people edit it):
names.json (every class's human name per language) and advice.<lang>.json (translations of the advice, each entry with
its review status), cut to the bundle's classes and checked by the same rules the app verifies them with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trainer.bundle.content import NAMES_FILE, check_content
from trainer.bundle.errors import BundleError
from trainer.errors import DataError

CONTENT = Path(__file__).resolve().parents[1] / "packages" / "bundle" / "content"


def write_content(manifest: dict[str, Any], out_dir: Path, content: Path = CONTENT) -> dict[str, Path]:
    """Writes the bundle's content files into out_dir (a work folder) and returns bundle file name -> path.

    A class of the bundle without a name in every language stops the bundle here, naming what is missing: the app
    would otherwise show a made-up name.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    answerable = {*manifest["models"]["disease"]["output"]["labels"], manifest["taxonomy"]["notALeaf"]}
    files: dict[str, Path] = {}
    names = out_dir / NAMES_FILE
    names.write_bytes((content / NAMES_FILE).read_bytes())
    files[NAMES_FILE] = names
    for source in sorted((content / "advice").glob("*.json")):
        doc = json.loads(source.read_text(encoding="utf-8"))
        doc["entries"] = {label: entry for label, entry in doc["entries"].items() if label in answerable}
        target = out_dir / f"advice.{source.stem}.json"
        target.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        files[target.name] = target
    try:
        check_content(manifest, {name: path.read_bytes() for name, path in files.items()})
    except BundleError as err:
        raise DataError(f"{err} (edit {content})") from err
    return files
