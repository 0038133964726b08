"""PNG figures: reliability diagrams, confusion matrices, coverage vs accuracy."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def _bins(probs: np.ndarray, y: np.ndarray, bins: int = 15) -> tuple[np.ndarray, np.ndarray]:
    conf, correct = probs.max(1), probs.argmax(1) == y
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(conf, edges[1:-1]), 0, bins - 1)
    acc = np.array([correct[idx == b].mean() if (idx == b).any() else np.nan for b in range(bins)])
    return (edges[:-1] + edges[1:]) / 2, acc


def reliability_diagram(before: np.ndarray, after: np.ndarray, y: np.ndarray, out: Path, title: str) -> None:
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], "k--", lw=0.8, label="perfect")
    for probs, name in ((before, "before (T=1)"), (after, "after temperature")):
        centres, acc = _bins(probs, y)
        ax.plot(centres, acc, "o-", label=name)
    ax.set(xlabel="confidence", ylabel="accuracy", title=f"{title} reliability", xlim=(0, 1), ylim=(0, 1))
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def confusion_png(cm: np.ndarray, labels: list[str], out: Path, title: str) -> None:
    n = len(labels)
    fig, ax = plt.subplots(figsize=(max(5, n * 0.3), max(5, n * 0.3)))
    norm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    short = [lab.split("___")[-1][:22] if "___" in lab else lab[:22] for lab in labels]
    ax.set_xticks(range(n), short, rotation=90, fontsize=6)
    ax.set_yticks(range(n), [f"{lab[:30]}" for lab in labels], fontsize=6)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def coverage_png(points: list[dict[str, float]], out: Path, current: dict[str, float]) -> None:
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.plot([p["coverage"] for p in points], [p["accuracy"] for p in points], ".-", label="disease threshold sweep")
    ax.plot([current["coverage"]], [current["accuracy"]], "r*", ms=12, label="bundle thresholds")
    ax.set(xlabel="coverage (confident answers)", ylabel="accuracy of confident answers", title="'not sure' rule")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
