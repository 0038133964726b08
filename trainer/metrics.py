"""Classification metrics, calibration error, temperature fitting and the app's "not sure" rule."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


def ece(probs: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error of the top-1 probability, equal-width bins."""
    conf, pred = probs.max(1), probs.argmax(1)
    correct = (pred == y).astype(np.float64)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            total += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(total)


def nll(probs: np.ndarray, y: np.ndarray) -> float:
    return float(-np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, 1)).mean())


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Temperature minimising the validation NLL (optimised in log space so it stays positive)."""
    z, t = torch.from_numpy(logits).double(), torch.from_numpy(y)
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(z / log_t.exp(), t)
        loss.backward()
        return loss

    opt.step(closure)
    return float(np.clip(log_t.exp().item(), 0.05, 100.0))


def per_class(y: np.ndarray, pred: np.ndarray, labels: list[str]) -> tuple[dict[str, dict[str, float]], np.ndarray]:
    n = len(labels)
    cm = np.bincount(y * n + pred, minlength=n * n).reshape(n, n)
    out: dict[str, dict[str, float]] = {}
    for i, name in enumerate(labels):
        tp, support, predicted = cm[i, i], cm[i].sum(), cm[:, i].sum()
        if support == 0:
            continue
        p = tp / predicted if predicted else 0.0
        r = tp / support
        out[name] = {
            "precision": float(p),
            "recall": float(r),
            "f1": float(2 * p * r / (p + r)) if p + r else 0.0,
            "support": int(support),
        }
    return out, cm


def summary(y: np.ndarray, probs: np.ndarray, labels: list[str]) -> dict[str, Any]:
    pred = probs.argmax(1)
    classes, cm = per_class(y, pred, labels)
    return {
        "n": len(y),
        "accuracy": float((pred == y).mean()) if len(y) else 0.0,
        "macroF1": float(np.mean([c["f1"] for c in classes.values()])) if classes else 0.0,
        "ece": ece(probs, y) if len(y) else 0.0,
        "perClass": classes,
        "confusion": cm.tolist(),
    }


@dataclass(frozen=True)
class Thresholds:
    notALeaf: float
    crop: float
    disease: float
    margin: float


@dataclass
class Decisions:
    rejected: np.ndarray  # not-a-leaf
    confident: np.ndarray  # a diagnosis is shown (not "not sure")
    crop: np.ndarray  # predicted crop index (species label index)
    disease: np.ndarray  # predicted disease index within the crop, as a disease label index


def decide(
    p_species: np.ndarray, p_disease: np.ndarray, crop_members: list[list[int]], not_a_leaf: int, t: Thresholds
) -> Decisions:
    """The app's rule with no crop chosen: reject not-a-leaf, pick the top crop, read diseases within it."""
    rejected = p_species[:, not_a_leaf] >= t.notALeaf
    crops = p_species.copy()
    crops[:, not_a_leaf] = -1
    crop = crops.argmax(1)
    crop_ok = p_species[np.arange(len(crop)), crop] >= t.crop
    disease = np.zeros(len(crop), np.int64)
    top1 = np.zeros(len(crop))
    top2 = np.zeros(len(crop))
    for c, members in enumerate(crop_members):
        rows = np.nonzero(crop == c)[0]
        if len(rows) == 0 or not members:
            continue
        within = p_disease[np.ix_(rows, np.asarray(members, dtype=np.int64))]
        within = within / within.sum(1, keepdims=True)
        order = np.argsort(-within, axis=1)
        disease[rows] = np.array(members)[order[:, 0]]
        top1[rows] = within[np.arange(len(rows)), order[:, 0]]
        top2[rows] = within[np.arange(len(rows)), order[:, 1]] if len(members) > 1 else 0.0
    confident = ~rejected & crop_ok & (top1 >= t.disease) & (top1 - top2 >= t.margin)
    return Decisions(rejected, confident, crop, disease)
