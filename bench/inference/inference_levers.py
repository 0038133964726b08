"""Inference-time levers on a bundle, without retraining: how the photo is cropped before the model, and test-time
mirroring. Chosen on validation (PlantVillage val + iBean validation, and their field proxy); iBean test is reported
beside it. The PlantVillage test split is not read, so nothing here is tuned on it.

usage (from the repo root): PYTHONPATH=. python bench/inference/inference_levers.py [BUNDLE_DIR]

Policies (each gives the model a size x size uint8 RGB image):
  centre   the app's own (manifest input.resize = center-crop-bilinear): the central square, resized
  full     the whole photo squashed to a square (nothing cut off, leaf shapes distorted)
  zoom     the central 87.5% of that square (a closer look, as the training crops sometimes give)
  leaf     a square around the leaf: pixels that differ from the photo's border colour or are green, their 2nd-98th
           percentile box, 15% margin; the centre square where that finds under 2% of the photo
  mirror   centre, averaged with its mirror image (two model runs per photo)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from trainer.calibrate import crop_members
from trainer.data import Sample, app_preprocess, open_rgb
from trainer.evaluate import Models, field_proxy, samples_for
from trainer.metrics import decide, softmax
from trainer.split import split
from trainer.taxonomy import NOT_A_LEAF, crop_of

DATA = Path("../shared/data")
Policy = Callable[[Image.Image, int], np.ndarray]


def _square(img: Image.Image, box: tuple[int, int, int, int], size: int) -> np.ndarray:
    return np.asarray(img.crop(box).resize((size, size), Image.Resampling.BILINEAR), dtype=np.uint8)


def full(img: Image.Image, size: int) -> np.ndarray:
    return np.asarray(img.resize((size, size), Image.Resampling.BILINEAR), dtype=np.uint8)


def zoom(img: Image.Image, size: int) -> np.ndarray:
    w, h = img.size
    s = round(min(w, h) * 0.875)
    left, top = (w - s) // 2, (h - s) // 2
    return _square(img, (left, top, left + s, top + s), size)


def leaf_box(img: Image.Image) -> tuple[int, int, int, int] | None:
    """The square around the leaf, in the photo's pixels, or None when no leaf stands out from the background."""
    w, h = img.size
    small = np.asarray(img.resize((64, 64), Image.Resampling.BILINEAR), dtype=np.float32) / 255
    chroma = small / np.maximum(small.sum(2, keepdims=True), 1e-6)
    border = np.concatenate([small[0], small[-1], small[:, 0], small[:, -1]])
    distance = np.abs(small - np.median(border, axis=0)).sum(2)
    green = 2 * chroma[..., 1] - chroma[..., 0] - chroma[..., 2]
    mask = (distance > 0.25) | (green > 0.1)
    if mask.mean() < 0.02:
        return None
    ys, xs = np.nonzero(mask)
    y0, y1 = np.percentile(ys, [2, 98]) * h / 64
    x0, x1 = np.percentile(xs, [2, 98]) * w / 64
    side = min(max((x1 - x0), (y1 - y0)) * 1.15, min(w, h))
    side = max(side, min(w, h) * 0.5)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left = int(np.clip(cx - side / 2, 0, w - side))
    top = int(np.clip(cy - side / 2, 0, h - side))
    return left, top, left + int(side), top + int(side)


def leaf(img: Image.Image, size: int) -> np.ndarray:
    box = leaf_box(img)
    return app_preprocess(img, size) if box is None else _square(img, box, size)


POLICIES: dict[str, Policy] = {"centre": app_preprocess, "full": full, "zoom": zoom, "leaf": leaf}


def probabilities(models: Models, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    logits = models.logits(images)
    return softmax(logits["species"], models.temperature["species"]), softmax(logits["disease"], models.temperature["disease"])


def score(models: Models, samples: list[Sample], ps: np.ndarray, pd: np.ndarray) -> dict[str, tuple[float, float, float, int]]:
    """Per source: disease top-1 within the leaf photos, and the app rule's confident coverage and accuracy."""
    nal = models.species_labels.index(NOT_A_LEAF)
    ys = np.array([models.species_labels.index(crop_of(s.label)) for s in samples])
    yd = np.array([models.disease_labels.index(s.label) if s.label != NOT_A_LEAF else -1 for s in samples])
    source = np.array([s.path.split("/")[0] for s in samples])
    dec = decide(ps, pd, crop_members(models.taxonomy, models.disease_labels), nal, models.thresholds)
    right = (dec.crop == ys) & (dec.disease == yd)
    out = {}
    for src in sorted(set(source)):
        sel = (source == src) & (ys != nal)
        conf = dec.confident[sel]
        top1 = float((pd[sel].argmax(1) == yd[sel]).mean())
        out[src] = (top1, float(conf.mean()), float(right[sel][conf].mean()) if conf.any() else 0.0, int(sel.sum()))
    return out


def run_set(models: Models, name: str, samples: list[Sample], proxy: bool) -> list[str]:
    size = models.size
    if proxy:  # the field proxy is already a square view; the policies then act on that view
        photos = [Image.fromarray(a) for a in field_proxy(DATA, samples, size)]
    else:
        photos = [open_rgb(DATA / s.path) for s in samples]
    rows = []
    for policy, fn in [*POLICIES.items(), ("mirror", app_preprocess)]:
        images = np.stack([fn(p, size) for p in photos])
        ps, pd = probabilities(models, images)
        if policy == "mirror":
            ms, md = probabilities(models, np.ascontiguousarray(images[:, :, ::-1]))
            ps, pd = (ps + ms) / 2, (pd + md) / 2
        for src, (top1, cov, acc, n) in score(models, samples, ps, pd).items():
            rows.append(f"| {name} | {src} ({n}) | {policy} | {top1:.1%} | {cov:.1%} | {acc:.1%} |")
    return rows


def main() -> None:
    bundle = Path(sys.argv[1] if len(sys.argv) > 1 else "bundles/default")
    models = Models.load(bundle)
    with tempfile.TemporaryDirectory(prefix="leafcheck-levers-") as tmp:
        split(DATA, Path(tmp))
        by_split = {sp: samples_for(DATA, Path(tmp), sp) for sp in ("val", "test")}
    ibean_test = [s for s in by_split["test"] if s.path.startswith("ibean/")]
    start, load = time.time(), os.getloadavg()
    print(f"bundle {bundle} ({models.size} px); validation {len(by_split['val'])} photos, iBean test {len(ibean_test)}")
    print("| set | source (leaf photos) | policy | disease top-1 | confident coverage | confident accuracy |")
    print("| --- | --- | --- | ---: | ---: | ---: |")
    for name, samples, proxy in (
        ("validation", by_split["val"], False),
        ("validation, field proxy", by_split["val"], True),
        ("iBean test", ibean_test, False),
        ("iBean test, field proxy", ibean_test, True),
    ):
        for row in run_set(models, name, samples, proxy):
            print(row, flush=True)
    print(f"{time.time() - start:.0f} s; load average {load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
