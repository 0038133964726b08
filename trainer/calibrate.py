"""calibrate: temperature per model on the validation split, ECE before/after, reliability diagrams,
and the manifest thresholds.

Thresholds, on validation images with calibrated probabilities:
- notALeaf: the probability cut in [0.3, 0.9] that maximises balanced accuracy (background rejected vs
  leaves kept), ties broken toward 0.5 (an extreme cut fit on clean validation photos would not survive the field);
- crop, disease, margin: on a grid (crop and disease from 0.5, since a diagnosis below even odds is not
  shown as confident), the combination with the highest coverage whose confident answers are at least
  `target` accurate (crop and disease both right); if none reaches it, the most accurate one.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from trainer.dataset import labels_from_splits, load_split
from trainer.metrics import Thresholds, decide, ece, fit_temperature, nll, softmax
from trainer.model import Normalisation
from trainer.plots import reliability_diagram
from trainer.train import load_checkpoint, to_input


@torch.no_grad()
def logits_of(net: Any, images: np.ndarray, norm: Normalisation, batch: int = 128) -> tuple[np.ndarray, np.ndarray]:
    s, d = [], []
    for i in range(0, len(images), batch):
        f = net.features(to_input(images[i : i + batch], norm, torch.device("cpu")))
        s.append(net.species(f).numpy())
        d.append(net.disease(f).numpy())
    return np.concatenate(s), np.concatenate(d)


def crop_members(taxonomy: dict[str, list[str]], disease_labels: list[str]) -> list[list[int]]:
    """Per species label index: the disease label indices of that crop (empty for not-a-leaf)."""
    return [[disease_labels.index(d) for d in ds] for ds in taxonomy.values()] + [[]]


def pick_not_a_leaf(p_nal: np.ndarray, is_nal: np.ndarray) -> float:
    best, best_t = -1.0, 0.5
    for t in sorted(np.round(np.arange(0.3, 0.91, 0.05), 2), key=lambda v: abs(v - 0.5)):
        score = ((p_nal[is_nal] >= t).mean() if is_nal.any() else 1.0) + (p_nal[~is_nal] < t).mean()
        if score > best + 1e-9:
            best, best_t = score, float(t)
    return best_t


def pick_thresholds(
    ps: np.ndarray, pd: np.ndarray, ys: np.ndarray, yd: np.ndarray, members: list[list[int]], nal: int, target: float
) -> tuple[Thresholds, dict[str, float]]:
    t_nal = pick_not_a_leaf(ps[:, nal], ys == nal)
    leaf = ys != nal
    ps, pd, ys, yd = ps[leaf], pd[leaf], ys[leaf], yd[leaf]
    grid = itertools.product(np.arange(0.5, 0.96, 0.05), np.arange(0.5, 0.96, 0.05), np.arange(0.0, 0.41, 0.05))
    best_key: tuple[int, float, float] | None = None
    best, chosen = Thresholds(t_nal, 0.5, 0.5, 0.0), {"coverage": 0.0, "selectiveAccuracy": 0.0}
    for c, d, m in grid:  # ascending, and only a strictly better key replaces: ties keep the lower thresholds
        t = Thresholds(t_nal, round(float(c), 2), round(float(d), 2), round(float(m), 2))
        dec = decide(ps, pd, members, nal, t)
        cov = float(dec.confident.mean())
        acc = float(((dec.crop == ys) & (dec.disease == yd))[dec.confident].mean()) if dec.confident.any() else 0.0
        key = (1, cov, acc) if acc >= target else (0, acc, cov)
        if best_key is None or key > best_key:
            best_key, best, chosen = key, t, {"coverage": cov, "selectiveAccuracy": acc}
    return best, {"target": target, **chosen}


def calibrate(run_dir: Path, data: Path, checkpoint: Path | None = None, target: float = 0.99) -> dict[str, Any]:
    net, meta = load_checkpoint(checkpoint or run_dir / "checkpoints" / "final.pt")
    labels = labels_from_splits(run_dir)
    val = load_split(run_dir, data, "val", meta["size"], meta["config"]["store"], labels)
    ls, ld = logits_of(net, val.eval_images, Normalisation(tuple(meta["mean"]), tuple(meta["std"])))
    leaf = val.y_disease >= 0
    out: dict[str, Any] = {"temperature": {}, "ece": {}}
    probs: dict[str, np.ndarray] = {}
    for kind, logits, y in (("species", ls, val.y_species), ("disease", ld[leaf], val.y_disease[leaf])):
        t = fit_temperature(logits, y)
        probs[kind] = softmax(logits, t)
        out["temperature"][kind] = t
        out["ece"][kind] = {"before": ece(softmax(logits), y), "after": ece(probs[kind], y)}
        out.setdefault("nll", {})[kind] = {"before": nll(softmax(logits), y), "after": nll(probs[kind], y)}
        reliability_diagram(softmax(logits), probs[kind], y, run_dir / f"reliability-{kind}.png", kind)
    pd_all = softmax(ld, out["temperature"]["disease"])
    nal = len(labels.species) - 1
    members = crop_members(labels.taxonomy, labels.disease)
    th, sel = pick_thresholds(probs["species"], pd_all, val.y_species, val.y_disease, members, nal, target)
    out["thresholds"] = asdict(th)
    out["thresholdSelection"] = sel
    out["valImages"] = len(val.labels)
    (run_dir / "calibration.json").write_text(json.dumps(out, indent=2) + "\n")
    return out
