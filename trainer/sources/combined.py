"""One data root for a run: the base imagefolder plus the ingested feedback export, without copying the base.

`<run_dir>/data/` holds a symlink per top-level entry of the base root, `feedback/` (the ingested export, see
feedback.py) and a `manifest.csv` listing both, so every later step (validate, split, train, evaluate) reads one
root and the feedback photos are the `feedback` source in evaluate's per-source slices.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

from trainer.data import parallel_map, scan
from trainer.errors import DataError
from trainer.sources import FEEDBACK_PREFIX
from trainer.sources.feedback import ingest, pixel_hash

MANIFEST_COLUMNS = ["relative_path", "class", "sha256", "leaf_group"]


def _pixel_hash_or_empty(path: str) -> str:
    try:
        return pixel_hash(Path(path))
    except DataError:
        return ""  # a corrupt base image is validate's to report, not a duplicate of anything


def base_pixel_hashes(base: Path, cache_dir: Path, workers: int = 2) -> set[str]:
    """Pixel hashes of every base image, cached by the base's file hashes (decoding 10k photos takes a minute)."""
    samples = scan(base)
    key = hashlib.sha256("\n".join(sorted(s.sha256 for s in samples)).encode()).hexdigest()[:16]
    cache = cache_dir / f"base-pixels-{key}.json"
    if cache.is_file():
        return set(json.loads(cache.read_text()))
    paths = [str(base / s.path) for s in samples]
    hashes = parallel_map(_pixel_hash_or_empty, paths, workers)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_text(json.dumps(sorted(h for h in hashes if h)))
    tmp.replace(cache)
    return {h for h in hashes if h}


def prepare_run_data(
    base: Path, export: Path, run_dir: Path, known_labels: set[str], cache_dir: Path, min_side: int, workers: int = 2
) -> tuple[Path, dict[str, Any]]:
    """(the run's data root, ingest report). Re-running with the same export reuses the ingested folder."""
    base = base.resolve()
    root = run_dir / "data"
    feedback = root / FEEDBACK_PREFIX.rstrip("/")
    report_path = feedback / "ingest.json"
    if report_path.is_file():
        report: dict[str, Any] = json.loads(report_path.read_text())
        if report["exportSha256"] != hashlib.sha256(export.read_bytes()).hexdigest():
            raise DataError(f"{root} was made from another feedback export; use a new run_dir")
    else:
        samples = scan(base)
        known = known_labels | {s.label for s in samples}
        report = ingest(export, feedback, known, base_pixel_hashes(base, cache_dir, workers), min_side)
    for entry in sorted(base.iterdir()):
        if entry.name == "manifest.csv":
            continue
        if entry.name == feedback.name:
            raise DataError(f"the base data root {base} has its own {entry.name}/ folder; that name is the feedback source's")
        link = root / entry.name
        if not link.is_symlink():
            link.symlink_to(entry, target_is_directory=entry.is_dir())
    rows = [{"relative_path": s.path, "class": s.label, "sha256": s.sha256, "leaf_group": s.group} for s in scan(base)]
    with (feedback / "manifest.csv").open(newline="") as f:
        rows += [{**r, "relative_path": FEEDBACK_PREFIX + r["relative_path"]} for r in csv.DictReader(f)]
    tmp = root / "manifest.csv.tmp"
    with tmp.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=MANIFEST_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    tmp.replace(root / "manifest.csv")
    return root, report
