"""split: deterministic train/val/test by hash, so re-runs and added data never move an image.

Rule per image, in order: a `group` (PlantVillage leaf_group) is hashed with its class, so a whole
leaf lands on one side; an official split folder (iBean train/validation/test) is kept; otherwise the
image's content hash decides. Hashing each image (or group) on its own is what keeps assignments
stable when data is added; per-class proportions follow the fractions in expectation (stratified).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from trainer.data import Sample, scan

SPLITS = ("train", "val", "test")


def bucket(key: str) -> float:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:13], 16) / 16**13


def assign(s: Sample, val: float = 0.15, test: float = 0.15) -> str:
    if s.group:
        u = bucket(f"group/{s.label}/{s.group}")
    elif s.official:
        return s.official
    else:
        u = bucket(f"content/{s.label}/{s.sha256}")
    return "train" if u < 1 - val - test else "val" if u < 1 - test else "test"


def split(root: Path, out_dir: Path, val: float = 0.15, test: float = 0.15) -> dict[str, Any]:
    samples = scan(root)
    report_path = out_dir / "validation.json"
    excluded: set[str] = set()
    if report_path.is_file():  # corrupt files were allowed through only with --skip-corrupt
        excluded = {c["path"] for c in json.loads(report_path.read_text())["corrupt"]}
    seen: set[str] = set()
    rows: list[dict[str, str]] = []
    dropped_dups = 0
    for s in sorted(samples, key=lambda x: x.path):
        if s.path in excluded:
            continue
        if s.sha256 in seen:  # an exact copy would leak across splits
            dropped_dups += 1
            continue
        seen.add(s.sha256)
        rows.append({"path": s.path, "label": s.label, "sha256": s.sha256, "group": s.group, "split": assign(s, val, test)})
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "splits.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["path", "label", "sha256", "group", "split"])
        w.writeheader()
        w.writerows(rows)
    counts: dict[str, dict[str, int]] = {}
    for (label, sp), n in sorted(Counter((r["label"], r["split"]) for r in rows).items()):
        counts.setdefault(label, dict.fromkeys(SPLITS, 0))[sp] = n
    summary = {"root": str(root), "images": len(rows), "droppedExactDuplicates": dropped_dups, "perClass": counts}
    summary["totals"] = {sp: sum(c[sp] for c in counts.values()) for sp in SPLITS}
    (out_dir / "splits.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return summary


def read_splits(out_dir: Path) -> list[dict[str, str]]:
    with (out_dir / "splits.csv").open(newline="") as f:
        return list(csv.DictReader(f))
