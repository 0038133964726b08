"""The chained layout (backbone file + heads file): the shared fixture, its checks, and chain == single graph."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

from trainer.bundle import BundleError, SigningKey, TrustedKey, verify_bundle
from trainer.bundle.make_fixtures import FIXTURES, chained_manifest
from trainer.bundle.writer import write_bundle
from trainer.export import FEATURES, GRAPH, OUTPUTS, export_chain, export_graph
from trainer.model import LeafNet, Normalisation, create_backbone

CHAINED = FIXTURES / "signed-by-python-chained"
TINY = FIXTURES / "tiny-models"


def python_key() -> TrustedKey:
    data = json.loads((FIXTURES / "signed-by-python.key.json").read_text())
    return TrustedKey(data["keyId"], data["publicKeyHex"])


def test_chained_fixture_verifies_with_both_files() -> None:
    v = verify_bundle(CHAINED, [python_key()])
    models = v.manifest["models"]
    assert models["backbone"]["file"] == f"backbone-{models['backbone']['sha256'][:16]}.onnx"
    assert models["species"]["file"] == models["disease"]["file"] == f"heads-{models['species']['sha256'][:16]}.onnx"


def _run(path: Path, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds), strict=True))


def test_tiny_chain_equals_its_single_graph() -> None:
    image = np.random.default_rng(0).integers(0, 256, size=(5, 32, 32, 3), dtype=np.uint8)
    features = _run(TINY / "backbone.onnx", {"image": image})[FEATURES]
    chained = _run(TINY / "heads.onnx", {FEATURES: features})
    single = _run(TINY / "chained-single-graph.onnx", {"image": image})
    for name in ("species_logits", "disease_logits"):
        np.testing.assert_allclose(chained[name], single[name], rtol=0, atol=1e-5)


def test_heads_that_do_not_read_the_feature_map_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    out.mkdir()
    shutil.copyfile(TINY / "leafnet.onnx", out / "heads-x.onnx")  # reads "image", not "features"
    manifest = chained_manifest(TINY / "backbone.onnx", out / "heads-x.onnx")
    heads = manifest["models"]["species"]["file"]
    shutil.move(out / "heads-x.onnx", out / heads)
    key = SigningKey.generate()
    files = {"advice.json": CHAINED / "advice.json", "model-card.md": CHAINED / "model-card.md"}
    models = {"backbone": TINY / "backbone.onnx", "species": out / heads, "disease": out / heads}
    write_bundle(out, manifest, models, files, key, self_test=False)  # these models cannot run: no self-test to record
    with pytest.raises(BundleError) as info:
        verify_bundle(out, [key.trusted()])
    assert info.value.code == "LAYOUT_INVALID"
    assert str(info.value) == f'{heads} does not read the backbone\'s output "features" (its inputs: image)'


def test_export_chain_matches_the_single_graph_export(tmp_path: Path) -> None:
    torch.manual_seed(0)
    net = LeafNet(create_backbone("mobilenetv2_035", keras_style=False), 3, 4).eval()
    norm = Normalisation((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    export_graph(net, norm, 64, tmp_path / GRAPH)
    backbone, heads = export_chain(net, norm, 64, tmp_path)
    image = np.random.default_rng(1).integers(0, 256, size=(3, 64, 64, 3), dtype=np.uint8)
    single = _run(tmp_path / GRAPH, {"image": image})
    fmap = _run(backbone, {"image": image})[FEATURES]
    assert fmap.ndim == 4 and fmap.shape[2:] == (2, 2)  # NCHW, before pooling
    chained = _run(heads, {FEATURES: fmap})
    assert set(chained) == set(single)  # the CAM too: it works in both layouts
    for name in (*OUTPUTS.values(),):
        np.testing.assert_allclose(chained[name], single[name], rtol=0, atol=1e-4)


def test_self_test_is_recorded_for_each_layout_and_matches_onnxruntime() -> None:
    for name in ("signed-by-python", "signed-by-python-chained"):
        manifest = json.loads((FIXTURES / name / "manifest.json").read_text())
        test = manifest["selfTest"]
        assert test["images"] == "leafcheck-selftest-1" and len(test["cases"]) == 3
        assert all(c["disease"]["label"] in manifest["models"]["disease"]["output"]["labels"] for c in test["cases"])
