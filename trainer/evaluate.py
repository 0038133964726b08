"""evaluate: score the exported graph (ONNX, as the app runs it) on any labelled imagefolder.

Accuracy, macro-F1, per-class precision/recall/F1, confusion matrices (JSON + PNG), ECE, not-a-leaf
rejection, and coverage vs accuracy of the "not sure" rule at the bundle's thresholds.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from trainer.augment import augment
from trainer.calibrate import crop_members
from trainer.data import Sample, load_arrays, scan
from trainer.errors import DataError
from trainer.export import run_onnx
from trainer.metrics import Thresholds, decide, softmax, summary
from trainer.onnx_session import session
from trainer.plots import confusion_png, coverage_png
from trainer.sources import is_lab_photo
from trainer.split import read_splits
from trainer.taxonomy import NOT_A_LEAF, crop_of


@dataclass
class Models:
    files: dict[str, Path]  # head -> ONNX file; both heads name the same file when they share one graph
    outputs: dict[str, str]  # head -> output name in that file
    size: int
    species_labels: list[str]
    disease_labels: list[str]
    taxonomy: dict[str, list[str]]
    temperature: dict[str, float]
    thresholds: Thresholds

    @staticmethod
    def load(directory: Path, int8: bool = False) -> Models:
        """A bundle folder (manifest.json) or a run folder (export/export.json + calibration.json; int8: its int8 graph)."""
        if (directory / "manifest.json").is_file():
            m = json.loads((directory / "manifest.json").read_text())
            sp, di = m["models"]["species"], m["models"]["disease"]
            return Models(
                {"species": directory / sp["file"], "disease": directory / di["file"]},
                {"species": sp["output"]["name"], "disease": di["output"]["name"]},
                sp["input"]["height"],
                sp["output"]["labels"],
                di["output"]["labels"],
                m["taxonomy"]["crops"],
                {"species": sp["temperature"], "disease": di["temperature"]},
                Thresholds(**m["thresholds"]),
            )
        ex = json.loads((directory / "export" / "export.json").read_text())
        cal = json.loads((directory / "calibration.json").read_text())
        meta = ex["meta"]
        graph = ex["file"].replace(".onnx", ".int8.onnx") if int8 else ex["file"]
        return Models(
            dict.fromkeys(ex["outputs"], directory / "export" / graph),
            dict(ex["outputs"]),
            ex["size"],
            meta["speciesLabels"],
            meta["diseaseLabels"],
            meta["taxonomy"],
            cal["temperature"],
            Thresholds(**cal["thresholds"]),
        )

    def graphs(self) -> dict[Path, dict[str, str]]:
        """Each distinct ONNX file -> {head: output name} it answers: one session and one run per batch per file."""
        out: dict[Path, dict[str, str]] = {}
        for head, path in self.files.items():
            out.setdefault(path, {})[head] = self.outputs[head]
        return out

    def logits(self, images: np.ndarray) -> dict[str, np.ndarray]:
        res: dict[str, np.ndarray] = {}
        for path, outputs in self.graphs().items():
            res.update(run_onnx(session(path), images, outputs))
        return res

    def size_bytes(self) -> int:
        return sum(path.stat().st_size for path in self.graphs())


def samples_for(data: Path, splits_dir: Path | None, split: str) -> list[Sample]:
    if splits_dir is not None:
        rows = [r for r in read_splits(splits_dir) if r["split"] == split]
        if not rows:
            raise DataError(f"no images in split {split} of {splits_dir / 'splits.csv'}")
        return [Sample(r["path"], r["label"], r["sha256"]) for r in rows]
    return scan(data)


def latency_ms(models: Models, image: np.ndarray, runs: int = 200) -> dict[str, float]:
    """Batch 1, native onnxruntime: the median time of one full diagnosis (one run of the shared graph gives both heads)."""
    graphs = [(session(path), list(outputs.values())) for path, outputs in models.graphs().items()]
    x = {"image": image[None]}
    for _ in range(10):
        for sess, names in graphs:
            sess.run(names, x)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        for sess, names in graphs:
            sess.run(names, x)
        times.append((time.perf_counter() - t) * 1000)
    load = os.getloadavg()[0]  # the machine is shared: say how busy it was while timing
    return {
        "median": float(np.median(times)),
        "p90": float(np.percentile(times, 90)),
        "runs": runs,
        "graphRunsPerDiagnosis": len(graphs),
        "loadAverage1m": load,
    }


def field_proxy(data: Path, samples: list[Sample], size: int, seed: int = 0) -> np.ndarray:
    """The images with fixed, seeded field-like changes (procedural backgrounds behind lab leaves, crops, rotation,
    light, blur, shadow, occlusion). A proxy only: it is the training augmentation family, so it flatters augmented models."""
    _, store = load_arrays(data, samples, size, round(size * 1.25))
    rng = np.random.default_rng(seed)
    lab = [is_lab_photo(s.path, s.label) for s in samples]
    return np.stack([augment(store[i], size, rng, lab[i], None, 1.0) for i in range(len(samples))])


def evaluate(
    model_dir: Path,
    data: Path,
    out_dir: Path,
    splits_dir: Path | None = None,
    split: str = "test",
    measure_latency: bool = True,
    perturb: bool = False,
    int8: bool = False,
) -> dict[str, Any]:
    m = Models.load(model_dir, int8)
    samples = samples_for(data, splits_dir, split)
    unknown = sorted({s.label for s in samples} - {*m.disease_labels, NOT_A_LEAF})
    if unknown:
        raise DataError(f"classes the models do not know: {', '.join(unknown)}")
    images = field_proxy(data, samples, m.size) if perturb else load_arrays(data, samples, m.size, 0)[0]
    logits = m.logits(images)
    ps = softmax(logits["species"], m.temperature["species"])
    pd = softmax(logits["disease"], m.temperature["disease"])
    nal = m.species_labels.index(NOT_A_LEAF)
    ys = np.array([m.species_labels.index(crop_of(s.label)) for s in samples])
    leaf = ys != nal
    yd = np.array([m.disease_labels.index(s.label) if s.label != NOT_A_LEAF else -1 for s in samples])
    source = np.array([s.path.split("/")[0] if "/" in s.path else "" for s in samples])
    out_dir.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {
        "data": str(data),
        "split": split if splits_dir else "all",
        "images": len(samples),
        "fieldProxy": perturb,
        "graph": "int8" if int8 else "fp32",
    }
    res["species"] = summary(ys, ps, m.species_labels)
    res["disease"] = summary(yd[leaf], pd[leaf], m.disease_labels)
    members = crop_members(m.taxonomy, m.disease_labels)
    by_source: dict[str, Any] = {}
    for src in sorted(set(source[leaf])):
        sel = leaf & (source == src)
        within = np.array([members[ys[i]][int(np.argmax(pd[i, members[ys[i]]]))] for i in np.nonzero(sel)[0]])
        by_source[src] = {
            "n": int(sel.sum()),
            "top1": float((pd[sel].argmax(1) == yd[sel]).mean()),
            "top1WithinTrueCrop": float((within == yd[sel]).mean()),
        }
    res["diseaseBySource"] = by_source
    t = m.thresholds
    if (~leaf).any():
        res["notALeaf"] = {"n": int((~leaf).sum()), "rejected": float((ps[~leaf, nal] >= t.notALeaf).mean())}
    res["leafWronglyRejected"] = float((ps[leaf, nal] >= t.notALeaf).mean()) if leaf.any() else 0.0
    dec = decide(ps[leaf], pd[leaf], members, nal, t)
    right = (dec.crop == ys[leaf]) & (dec.disease == yd[leaf])
    cur = {
        "coverage": float(dec.confident.mean()),
        "accuracy": float(right[dec.confident].mean()) if dec.confident.any() else 0.0,
    }
    sweep = []
    for d in np.round(np.arange(0.0, 1.0, 0.05), 2):
        dd = decide(ps[leaf], pd[leaf], members, nal, Thresholds(t.notALeaf, t.crop, float(d), t.margin))
        sweep.append(
            {
                "disease": float(d),
                "coverage": float(dd.confident.mean()),
                "accuracy": float(right_of(dd, ys[leaf], yd[leaf])[dd.confident].mean()) if dd.confident.any() else 0.0,
            }
        )
    res["notSure"] = {"thresholds": t.__dict__, **cur, "sweep": sweep}
    res["confidentBySource"] = confident_by_source(dec.confident, right, source[leaf])
    coverage_png(sweep, out_dir / "coverage.png", cur)
    for kind, labels in (("species", m.species_labels), ("disease", m.disease_labels)):
        cm = res[kind].pop("confusion")
        (out_dir / f"confusion-{kind}.json").write_text(json.dumps({"labels": labels, "matrix": cm}) + "\n")
        confusion_png(np.array(cm), labels, out_dir / f"confusion-{kind}.png", f"{kind} ({res['split']})")
    res["sizeBytes"] = m.size_bytes()
    if measure_latency:
        res["latencyMs"] = latency_ms(m, images[0])
    (out_dir / "metrics.json").write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n")
    return res


def confident_by_source(confident: np.ndarray, right: np.ndarray, source: np.ndarray) -> dict[str, dict[str, float]]:
    """Per data source (plantvillage = lab, ibean = field): the share of leaf photos answered with confidence, and how
    many of those answers (crop and disease) are right. A farmer acts on confident answers, so these two matter most."""
    out: dict[str, dict[str, float]] = {}
    for src in sorted(set(source)):
        sel = source == src
        conf = confident[sel]
        out[src] = {
            "n": int(sel.sum()),
            "coverage": float(conf.mean()),
            "accuracy": float(right[sel][conf].mean()) if conf.any() else 0.0,
        }
    return out


def right_of(dec: Any, ys: np.ndarray, yd: np.ndarray) -> np.ndarray:
    return (dec.crop == ys) & (dec.disease == yd)  # type: ignore[no-any-return]
