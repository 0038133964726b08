"""Regenerate the contract fixtures in packages/bundle/fixtures (run: python -m trainer.bundle.make_fixtures).

Tiny real ONNX models (one per head, one shared graph with both heads, and a backbone + heads chain with the single
graph it stands for), two bundles signed here with a throwaway key (its private half is discarded, so every run signs
with a new key): signed-by-python/ (the shared graph) and signed-by-python-chained/ (backbone file + heads file), and
the manifest cases both languages' tests check. The TypeScript twin writes signed-by-ts/ (two model files).
"""

from __future__ import annotations

import copy
import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from trainer.advice import ADVICE_PATH, parse_advice, select_advice
from trainer.bundle import tiny_chain
from trainer.bundle.chain import content_addressed_name
from trainer.bundle.self_test import self_test_image
from trainer.bundle.signing import SigningKey
from trainer.bundle.writer import write_bundle

FIXTURES = Path(__file__).resolve().parents[2] / "packages" / "bundle" / "fixtures"

TAXONOMY = {
    "crops": {
        "Bean": ["Bean___Angular_leaf_spot", "Bean___healthy"],
        "Tomato": ["Tomato___Late_blight", "Tomato___healthy"],
    },
    "notALeaf": "Background_without_leaves",
}
SPECIES_LABELS = ["Bean", "Tomato", "Background_without_leaves"]
DISEASE_LABELS = ["Bean___Angular_leaf_spot", "Bean___healthy", "Tomato___Late_blight", "Tomato___healthy"]
SIZE = 32
SHARED = "leafnet.onnx"  # the Python-signed bundle: one graph, outputs species_logits and disease_logits


def tiny_model(num_classes: int, seed: int) -> onnx.ModelProto:
    """uint8 NHWC image -> mean colour -> linear layer -> logits. Real ONNX, a few hundred bytes."""
    return tiny_graph([("logits", num_classes, seed)])


def tiny_graph(heads: list[tuple[str, int, int]]) -> onnx.ModelProto:
    """tiny_model with one linear layer per (output name, classes, seed) on the same mean colour: with several heads,
    one shared graph whose outputs equal the separate tiny models' logits for the same seeds."""
    axes = numpy_helper.from_array(np.array([1, 2], dtype=np.int64), "axes")
    head_nodes, weights, outputs = tiny_chain.linear_heads("colour", 3, heads, weight_scale=1 / 64)
    nodes = [
        helper.make_node("Cast", ["image"], ["pixels"], to=TensorProto.FLOAT),
        helper.make_node("ReduceMean", ["pixels", "axes"], ["colour"], keepdims=0),
        *head_nodes,
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("image", TensorProto.UINT8, ["batch", SIZE, SIZE, 3])],
        outputs,
        initializer=[*weights, axes],
    )
    return tiny_chain.finish(graph)


def _model_entry(file: str, output: str, labels: list[str], temperature: float) -> dict[str, Any]:
    return {
        "file": file,
        "sha256": "0" * 64,
        "bytes": 1,
        "input": {
            "name": "image",
            "layout": "NHWC",
            "dtype": "uint8",
            "height": SIZE,
            "width": SIZE,
            "resize": "center-crop-bilinear",
        },
        "output": {"name": output, "labels": labels},
        "temperature": temperature,
    }


def base_manifest() -> dict[str, Any]:
    return {
        "formatVersion": 1,
        "bundleVersion": "0.0.1-fixture",
        "createdAt": "2026-11-29T12:00:00Z",
        "models": {
            "species": _model_entry(SHARED, "species_logits", SPECIES_LABELS, 1.25),
            "disease": _model_entry(SHARED, "disease_logits", DISEASE_LABELS, 0.875),
        },
        "files": {},
        "taxonomy": TAXONOMY,
        "thresholds": {"notALeaf": 0.5, "crop": 0.6, "disease": 0.55, "margin": 0.1},
        "metrics": {"disease.top1": 0.5, "ece": 1e-7, "tiny": 0.000001234},
        "provenance": {
            "dataSources": [{"name": "synthetic", "licence": "CC0-1.0"}],
            "baseWeights": "none",
            "codeCommit": "fixture",
            "command": "python -m trainer.bundle.make_fixtures",
            "runId": "fixture-ünïcode-✓",
        },
    }


def _set(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    *parents, last = path.split("/")
    node = out
    for p in parents:
        node = node[p]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return out


_DELETE = object()

# name -> ({mutation path: new value}, expected error code, text both languages' messages contain)
INVALID_CASES: dict[str, tuple[dict[str, Any], str, str]] = {
    "format-version-2": ({"formatVersion": 2}, "UNSUPPORTED_FORMAT_VERSION", "format version 2"),
    "missing-disease-model": ({"models/disease": _DELETE}, "MANIFEST_SCHEMA", "/models"),
    "bad-sha256": ({"models/species/sha256": "xyz"}, "MANIFEST_SCHEMA", "/models/species/sha256"),
    "negative-temperature": ({"models/species/temperature": -1}, "MANIFEST_SCHEMA", "/models/species/temperature"),
    "threshold-above-one": ({"thresholds/disease": 1.5}, "MANIFEST_SCHEMA", "/thresholds/disease"),
    "nchw-layout": ({"models/disease/input/layout": "NCHW"}, "MANIFEST_SCHEMA", "/models/disease/input/layout"),
    "path-in-file-name": ({"models/species/file": "../evil.onnx"}, "MANIFEST_SCHEMA", "/models/species/file"),
    "bad-signature-encoding": (
        {"signature": {"algorithm": "Ed25519", "keyId": "0123456789abcdef", "value": "not base64"}},
        "MANIFEST_SCHEMA",
        "/signature/value",
    ),
    "disease-under-wrong-crop": (
        {"taxonomy/crops/Bean": ["Bean___Angular_leaf_spot", "Tomato___healthy"]},
        "LABELS_INCONSISTENT",
        'listed under crop "Bean"',
    ),
    "species-missing-not-a-leaf": (
        {"models/species/output/labels": ["Bean", "Tomato", "Weeds"]},
        "LABELS_INCONSISTENT",
        "species labels",
    ),
    "disease-label-unknown": (
        {"models/disease/output/labels": [*DISEASE_LABELS, "Bean___Mystery"]},
        "LABELS_INCONSISTENT",
        "Bean___Mystery",
    ),
    "shared-model-different-hash": (
        {"models/disease/file": SHARED, "models/disease/sha256": "0" * 64},
        "LABELS_INCONSISTENT",
        "differ in sha256, bytes or input",
    ),
    "shared-model-same-output": (
        {"models/species/output/name": "logits", "models/disease/output/name": "logits"},
        "LABELS_INCONSISTENT",
        "read the same output",
    ),
}


# The same, on the chained bundle's manifest.
CHAINED_INVALID_CASES: dict[str, tuple[dict[str, Any], str, str]] = {
    "chained-heads-not-shared": (
        {"models/disease/file": "disease.onnx"},
        "LAYOUT_INVALID",
        "must both name the heads file",
    ),
    "chained-not-content-addressed": (
        {"models/backbone/file": "backbone.onnx"},
        "LAYOUT_INVALID",
        "is not content-addressed",
    ),
    "chained-input-differs": ({"models/backbone/input/height": 64}, "LAYOUT_INVALID", "must equal the models' input"),
    "chained-features-nhwc": ({"models/backbone/output/layout": "NHWC"}, "MANIFEST_SCHEMA", "/models/backbone/output/layout"),
    "chained-backbone-listed-twice": (
        {"files/backbone.onnx": {"sha256": "0" * 64, "bytes": 1}, "models/backbone/file": "backbone.onnx"},
        "LABELS_INCONSISTENT",
        'file "backbone.onnx" is listed twice',
    ),
}

CHAINED_HEADS = [("species_logits", len(SPECIES_LABELS), 11), ("disease_logits", len(DISEASE_LABELS), 12)]
# A head-only retrain of the same backbone: other head weights, for update tests (only the heads file changes).
RETRAINED_HEADS = [("species_logits", len(SPECIES_LABELS), 21), ("disease_logits", len(DISEASE_LABELS), 22)]


def chained_manifest(backbone_path: Path, heads_path: Path) -> dict[str, Any]:
    """base_manifest() in the chained layout, the two files named by their content."""
    doc = base_manifest()
    doc["bundleVersion"] = "0.0.3-chained-fixture"
    heads = content_addressed_name("heads", hashlib.sha256(heads_path.read_bytes()).hexdigest())
    backbone = _model_entry(
        content_addressed_name("backbone", hashlib.sha256(backbone_path.read_bytes()).hexdigest()), tiny_chain.FEATURES, [], 1
    )
    del backbone["temperature"]
    backbone["output"] = {"name": tiny_chain.FEATURES, "layout": "NCHW", "dtype": "float32"}
    doc["models"] = {"backbone": backbone, **doc["models"]}
    for kind in ("species", "disease"):
        doc["models"][kind]["file"] = heads
    return doc


def write_chained_models(models_dir: Path) -> tuple[Path, Path]:
    """tiny-models/backbone.onnx, heads.onnx, chained-single-graph.onnx (the merge), and for update tests
    heads-retrained.onnx (a head-only retrain) and backbone-retrained.onnx (with it, a full retrain)."""
    backbone, heads = tiny_chain.tiny_backbone(3), tiny_chain.tiny_heads(CHAINED_HEADS)
    onnx.save(backbone, models_dir / "backbone.onnx")
    onnx.save(tiny_chain.tiny_backbone(4), models_dir / "backbone-retrained.onnx")
    onnx.save(heads, models_dir / "heads.onnx")
    onnx.save(tiny_chain.tiny_heads(RETRAINED_HEADS), models_dir / "heads-retrained.onnx")
    onnx.save(tiny_chain.merged(backbone, heads), models_dir / "chained-single-graph.onnx")
    return models_dir / "backbone.onnx", models_dir / "heads.onnx"


def mutated(doc: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    for path, value in changes.items():
        doc = _set(doc, path, value)
    return doc


def main() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    models_dir = FIXTURES / "tiny-models"
    models_dir.mkdir(exist_ok=True)
    onnx.save(tiny_model(len(SPECIES_LABELS), 1), models_dir / "species.onnx")
    onnx.save(tiny_model(len(DISEASE_LABELS), 2), models_dir / "disease.onnx")
    heads = [("species_logits", len(SPECIES_LABELS), 1), ("disease_logits", len(DISEASE_LABELS), 2)]
    onnx.save(tiny_graph(heads), models_dir / SHARED)
    # The real advice for the fixture's classes, so bundle consumers see schema-valid entries.
    full = parse_advice(ADVICE_PATH.read_text(encoding="utf-8"))
    advice = select_advice(full, [*DISEASE_LABELS, str(TAXONOMY["notALeaf"])])
    with tempfile.TemporaryDirectory() as tmp:
        advice_path = Path(tmp) / "advice.json"
        advice_path.write_text(json.dumps(advice, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        card_path = Path(tmp) / "model-card.md"
        card_path.write_text("# Fixture bundle\n\nTiny synthetic models for contract tests.\n")
        key = SigningKey.generate()  # throwaway: only the public half is kept
        bundle_dir = FIXTURES / "signed-by-python"
        signed = write_bundle(
            bundle_dir,
            base_manifest(),
            {"species": models_dir / SHARED, "disease": models_dir / SHARED},
            {"advice.json": advice_path, "model-card.md": card_path},
            key,
        )
        backbone_path, heads_path = write_chained_models(models_dir)
        chained = write_bundle(
            FIXTURES / "signed-by-python-chained",
            chained_manifest(backbone_path, heads_path),
            {"backbone": backbone_path, "species": heads_path, "disease": heads_path},
            {"advice.json": advice_path, "model-card.md": card_path},
            key,
        )
    (FIXTURES / "signed-by-python.key.json").write_text(
        json.dumps({"keyId": key.key_id, "publicKeyHex": key.public_key_hex}, indent=2) + "\n"
    )
    manifests = FIXTURES / "manifests"
    manifests.mkdir(exist_ok=True)
    (manifests / "valid.json").write_text(json.dumps(signed, indent=2, ensure_ascii=False) + "\n")
    cases = []
    for name, (changes, code, contains) in INVALID_CASES.items():
        (manifests / f"{name}.json").write_text(json.dumps(mutated(signed, changes), indent=2) + "\n")
        cases.append({"file": f"{name}.json", "code": code, "contains": contains})
    (manifests / "valid-chained.json").write_text(json.dumps(chained, indent=2, ensure_ascii=False) + "\n")
    for name, (changes, code, contains) in CHAINED_INVALID_CASES.items():
        (manifests / f"{name}.json").write_text(json.dumps(mutated(chained, changes), indent=2) + "\n")
        cases.append({"file": f"{name}.json", "code": code, "contains": contains})
    # Two "bundleVersion" keys: JSON.parse and json.loads keep the last, another reader may keep the first.
    text = json.dumps(signed, indent=2, ensure_ascii=False)
    twice = text.replace('"bundleVersion"', '"bundleVersion": "9.9.9",\n  "bundleVersion"', 1)
    (manifests / "duplicate-key.json").write_text(twice + "\n")
    cases.append({"file": "duplicate-key.json", "code": "MANIFEST_DUPLICATE_KEY", "contains": 'the key "bundleVersion" twice'})
    # The self-test images as Python makes them; the TypeScript generator must give the same bytes.
    images = {"size": SIZE, "sha256": [hashlib.sha256(self_test_image(i, SIZE, SIZE).tobytes()).hexdigest() for i in range(3)]}
    (FIXTURES / "self-test-images.json").write_text(json.dumps(images, indent=2) + "\n")
    (manifests / "not-json.json").write_text('{"formatVersion": 1,')
    cases.append({"file": "not-json.json", "code": "MANIFEST_NOT_JSON", "contains": "not valid JSON"})
    (manifests / "cases.json").write_text(json.dumps(cases, indent=2) + "\n")


if __name__ == "__main__":
    main()
