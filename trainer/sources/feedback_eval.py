"""The `feedback` slice: the candidate and the served bundle on the same held-out reviewed field photos.

The gated metrics (evaluate's eval-test) stay on the base test split, so the promotion gate compares a candidate
with the served bundle on the photos both were tested on; the feedback photos are scored here, separately. A photo
of a class the served bundle does not know counts as wrong for it: that is what farmers got.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

from trainer.data import Sample, load_arrays
from trainer.evaluate import Models
from trainer.sources import FEEDBACK_PREFIX
from trainer.split import read_splits
from trainer.taxonomy import NOT_A_LEAF


def base_splits(run_dir: Path) -> Path:
    """A folder whose splits.csv is the run's split without the feedback photos (what the gated metrics use)."""
    out = run_dir / "base-split"
    out.mkdir(parents=True, exist_ok=True)
    rows = [r for r in read_splits(run_dir) if not r["path"].startswith(FEEDBACK_PREFIX)]
    with (out / "splits.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["path", "label", "sha256", "group", "split"])
        w.writeheader()
        w.writerows(rows)
    return out


def top1(models: Models, data: Path, samples: list[Sample]) -> dict[str, Any]:
    images = load_arrays(data, samples, models.size, 0)[0]
    logits = models.logits(images)
    nal = models.species_labels.index(NOT_A_LEAF)
    said = [
        NOT_A_LEAF if int(np.argmax(ls)) == nal else models.disease_labels[int(np.argmax(ld))]
        for ls, ld in zip(logits["species"], logits["disease"], strict=True)
    ]
    right = np.array([a == s.label for a, s in zip(said, samples, strict=True)])
    known = np.array([s.label in models.disease_labels or s.label == NOT_A_LEAF for s in samples])
    return {
        "top1": float(right.mean()),
        "knownClassImages": int(known.sum()),
        "top1KnownClasses": float(right[known].mean()) if known.any() else None,
    }


def feedback_slice(run_dir: Path, data: Path, out_dir: Path, served_bundle: Path | None, split: str = "test") -> dict[str, Any]:
    rows = [r for r in read_splits(run_dir) if r["split"] == split and r["path"].startswith(FEEDBACK_PREFIX)]
    samples = [Sample(r["path"], r["label"], r["sha256"]) for r in rows]
    res: dict[str, Any] = {"split": split, "images": len(samples), "candidate": None, "served": None, "servedBundle": None}
    if samples:
        candidate = Models.load(run_dir)
        res["candidate"] = top1(candidate, data, samples)
        if served_bundle is not None:
            res["served"] = top1(Models.load(served_bundle), data, samples)
            res["servedBundle"] = json.loads((served_bundle / "manifest.json").read_text())["bundleVersion"]
            res["newClassImages"] = len(samples) - res["served"]["knownClassImages"]  # photos of classes farmers never got
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n")
    return res


def feedback_metrics(res: dict[str, Any]) -> dict[str, float]:
    """The manifest metrics of the slice: the candidate's and the served bundle's top-1 on the same photos."""
    if not res.get("candidate"):
        return {}
    m = {"feedback.top1": res["candidate"]["top1"], "feedback.images.n": float(res["images"])}
    if res.get("served"):
        m["feedback.top1.served"] = res["served"]["top1"]
    return m
