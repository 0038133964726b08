"""The `head` run kind: frozen-backbone features cached across runs (backbone hash + photo hash), a reviewed new
class expanding both heads, and a bundle whose provenance, metrics, advice and model card name the feedback."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from trainer.feature_cache import FeatureCache, backbone_key
from trainer.model import create_backbone
from trainer.taxonomy import NOT_A_LEAF

from .conftest import CLASSES, make_image, make_imagefolder, write_advice
from .feedback_exports import jpeg_bytes, record, write_export


def test_feature_cache_computes_each_photo_once_per_backbone(tmp_path: Path) -> None:
    calls: list[list[int]] = []

    def compute(idx: np.ndarray) -> np.ndarray:
        calls.append(idx.tolist())
        return np.stack([np.full(4, i, np.float32) for i in idx])

    first = FeatureCache(tmp_path, "bb1").features(["a", "b", "a"], compute)
    assert calls == [[0, 1]] and first[:, 0].tolist() == [0, 1, 0]
    again = FeatureCache(tmp_path, "bb1")  # a later run: read from disk
    out = again.features(["b", "c"], compute)
    assert calls[-1] == [1] and out[:, 0].tolist() == [1, 1]
    assert (again.hits, again.computed) == (1, 1)
    FeatureCache(tmp_path, "bb2").features(["a"], compute)  # another backbone never sees bb1's features
    assert calls[-1] == [0]


def test_backbone_key_follows_weights_and_input() -> None:
    bb = create_backbone("mobilenetv2_035", keras_style=True)
    key = backbone_key(bb, 32, (0.5,) * 3, (0.5,) * 3)
    assert key == backbone_key(bb, 32, (0.5,) * 3, (0.5,) * 3)
    assert key != backbone_key(bb, 48, (0.5,) * 3, (0.5,) * 3)
    with torch.no_grad():
        next(bb.parameters()).add_(1e-3)
    assert key != backbone_key(bb, 32, (0.5,) * 3, (0.5,) * 3)


def _config(path: Path, data: Path, run: Path, bundle: Path, advice: Path, cache: Path, extra: str = "") -> Path:
    path.write_text(f"""
[data]
root = "{data}"
[train]
run_dir = "{run}"
size = 32
store = 40
head_epochs = 40
tail_epochs = 0
full_epochs = 0
lr_head = 0.01
batch = 16
workers = 1
threads = 1
feature_cache = "{cache}"
{extra}
[export]
int8 = false
[bundle]
out = "{bundle}"
version = "0.0.1"
command = "python -m trainer pipeline --config tiny.toml"
advice = "{advice}"
[[bundle.sources]]
prefix = ""
name = "synthetic"
licence = "CC0-1.0"
""")
    return path


@pytest.fixture
def leafcheck_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LEAFCHECK_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_head_run_on_feedback_adds_a_new_class(tmp_path: Path, leafcheck_home: Path) -> None:
    from trainer.pipeline import run_pipeline

    data = make_imagefolder(tmp_path / "data", per_class=20)
    advice = write_advice(tmp_path / "advice.json", [c for c in CLASSES if c != NOT_A_LEAF] + [NOT_A_LEAF])
    cache = tmp_path / "features"
    served = tmp_path / "served"
    run_pipeline(_config(tmp_path / "base.toml", data, tmp_path / "run0", served, advice, cache, ""))

    rng = np.random.default_rng(7)
    new = "Cassava___Mosaic_disease"
    items = []
    for i in range(24):  # a distinct colour and stripe pattern: learnable from the frozen features
        photo = jpeg_bytes(make_image(rng, (200, 60, 200), 9, size=64))
        items.append((record(photo, new, new_class=True, device=f"dev-{i}", day=f"2026-11-{10 + i % 3}"), photo))
    photo = jpeg_bytes(make_image(rng, CLASSES["Tomato___healthy"], 2, size=64))
    items.append((record(photo, "Tomato___Unknown_spot"), photo))  # not declared: skipped
    export = write_export(tmp_path / "export.tar.gz", items, served_labels=sorted(CLASSES))
    head = f'init_checkpoint = "{tmp_path / "run0" / "checkpoints" / "final.pt"}"\n[run]\nkind = "head"\n'
    head += f'[feedback]\nexport = "{export}"\nserved_bundle = "{served}"\nmin_side = 32\n'
    unlabelled = tmp_path / "unlabelled"  # recent photos nobody reviewed: 3 of a known class, 3 of the new one
    unlabelled.mkdir()
    for i, colour in enumerate([CLASSES["Tomato___healthy"]] * 3 + [(200, 60, 200)] * 3):
        make_image(rng, colour, 2 if i < 3 else 9, size=64).save(unlabelled / f"0000000{i}-0000-7000-8000-000000000000.jpg")
    (unlabelled / "broken.jpg").write_bytes(b"not a jpeg")
    head += f'[agreement]\nphotos = "{unlabelled}"\n'
    run_pipeline(_config(tmp_path / "head.toml", data, tmp_path / "run1", tmp_path / "cand", advice, cache, head))

    summary = json.loads((tmp_path / "run1" / "train_summary.json").read_text())
    assert summary["initCheckpoint"]["addedRows"] == {"species": ["Cassava"], "disease": [new]}
    assert summary["featureCache"]["computed"] > 0  # the feedback photos are new to this backbone
    base_rows = 4 * 20
    assert summary["featureCache"]["hits"] >= base_rows * 0.6  # the base train+val photos came from the cache
    assert [r["phase"] for r in map(json.loads, (tmp_path / "run1" / "train_log.jsonl").read_text().splitlines())] == ["head"] * 4

    m = json.loads((tmp_path / "cand" / "manifest.json").read_text())
    assert new in m["taxonomy"]["crops"]["Cassava"] and new in m["models"]["disease"]["output"]["labels"]
    ingest = json.loads((tmp_path / "run1" / "data" / "feedback" / "ingest.json").read_text())
    assert ingest["accepted"] == 24 and ingest["skipped"] == {"unknown-label": 1}
    fb_source = next(s for s in m["provenance"]["dataSources"] if "feedback" in s["name"])
    assert ingest["exportSha256"] in fb_source["name"] and fb_source["images"] == 24
    assert m["metrics"]["feedback.top1.served"] == 0.0  # the served bundle cannot know the new class
    assert m["metrics"]["feedback.top1"] > 0.5 and m["metrics"]["feedback.images.n"] >= 1
    assert "feedback" not in {k.split(".")[-1] for k in m["metrics"] if k.startswith("disease.top1.")}  # gated metrics: base only
    ag = json.loads((tmp_path / "run1" / "eval-agreement" / "metrics.json").read_text())
    assert (ag["photos"], ag["unreadable"]) == (6, 1)
    assert m["metrics"]["agreement.photos.n"] == 6 and m["metrics"]["agreement.rate"] == ag["rate"]
    assert 0 <= m["metrics"]["agreement.confidentDisagreement"] <= 1
    disagreeing = {d["id"] for d in ag["disagreements"]}
    assert len(disagreeing) == round(6 * (1 - ag["rate"]))
    assert {d["candidate"] for d in ag["disagreements"]} <= {new, *CLASSES}
    assert set(ag["byCrop"]) <= {"Tomato", "Bean", NOT_A_LEAF}
    advice_out = json.loads((tmp_path / "cand" / "advice.json").read_text())
    assert "no advice" in advice_out["entries"][new]["summary"]
    card = (tmp_path / "cand" / "model-card.md").read_text()
    assert "## Reviewed field feedback" in card and ingest["exportSha256"] in card
    assert "recent unlabelled photos" in card
