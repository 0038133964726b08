"""Validation without ground truth: the candidate against the served bundle on recent photos nobody labelled.

Each model answers each photo the way the app does with no crop chosen (`metrics.decide`: not a leaf, or a crop and
its disease, confident or not). Agreement is the share of photos where both give the same answer (overall and per
crop the served bundle saw); `confidentDisagreement` is the share of the served bundle's *confident* answers the
candidate contradicts: answers farmers act on that would change. The disagreeing photo ids go back to the API, which
puts them at the front of the review queue; the promotion gate holds a candidate whose confident disagreement is
over its limit.

Input: a folder of `<feedback id>.jpg` (the API snapshots it beside the export when the run starts).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from trainer.calibrate import crop_members
from trainer.data import app_preprocess, open_rgb
from trainer.errors import DataError
from trainer.evaluate import Models
from trainer.metrics import decide, softmax
from trainer.taxonomy import NOT_A_LEAF


def answers(models: Models, photos: list[Path]) -> tuple[list[str], np.ndarray, list[str]]:
    """(answer per photo: a disease label or not-a-leaf, confident per photo, crop per photo)."""
    images = np.stack([app_preprocess(open_rgb(p), models.size) for p in photos])
    logits = models.logits(images)
    ps = softmax(logits["species"], models.temperature["species"])
    pd = softmax(logits["disease"], models.temperature["disease"])
    nal = models.species_labels.index(NOT_A_LEAF)
    dec = decide(ps, pd, crop_members(models.taxonomy, models.disease_labels), nal, models.thresholds)
    said = [NOT_A_LEAF if r else models.disease_labels[int(d)] for r, d in zip(dec.rejected, dec.disease, strict=True)]
    crops = [NOT_A_LEAF if r else models.species_labels[int(c)] for r, c in zip(dec.rejected, dec.crop, strict=True)]
    return said, dec.confident | dec.rejected, crops


def agreement(candidate_dir: Path, served_dir: Path, photos_dir: Path, out_dir: Path) -> dict[str, Any]:
    photos = sorted(photos_dir.glob("*.jpg"))
    readable: list[Path] = []
    for p in photos:
        try:
            open_rgb(p)
            readable.append(p)
        except DataError:
            continue  # a photo that does not decode says nothing about either model
    res: dict[str, Any] = {"photos": len(readable), "unreadable": len(photos) - len(readable)}
    if readable:
        cand, cand_conf, _ = answers(Models.load(candidate_dir), readable)
        served, served_conf, served_crop = answers(Models.load(served_dir), readable)
        same = np.array([a == b for a, b in zip(cand, served, strict=True)])
        by_crop: dict[str, list[bool]] = defaultdict(list)
        for crop, s in zip(served_crop, same, strict=True):
            by_crop[crop].append(bool(s))
        conf = np.asarray(served_conf, dtype=bool)
        res.update(
            {
                "rate": float(same.mean()),
                "byCrop": {c: {"n": len(v), "rate": float(np.mean(v))} for c, v in sorted(by_crop.items())},
                "servedConfident": int(conf.sum()),
                "confidentDisagreement": float((~same[conf]).mean()) if conf.any() else 0.0,
                "disagreements": [
                    {"id": p.stem, "served": s, "candidate": c, "servedConfident": bool(sc), "candidateConfident": bool(cc)}
                    for p, s, c, sc, cc, ok in zip(readable, served, cand, conf, cand_conf, same, strict=True)
                    if not ok
                ],
            }
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n")
    return res


def agreement_metrics(res: dict[str, Any]) -> dict[str, float]:
    if not res.get("photos"):
        return {}
    return {
        "agreement.rate": res["rate"],
        "agreement.confidentDisagreement": res["confidentDisagreement"],
        "agreement.photos.n": float(res["photos"]),
    }
