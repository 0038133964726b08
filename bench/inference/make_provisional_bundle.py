"""A provisional bundle with the default bundle's architecture and input size but untrained weights.

Timing depends on the graph, not the weights: this lets the benchmark run before bundles/default exists.
Never for diagnosis. usage (repo root): PYTHONPATH=. $VENV/bin/python bench/inference/make_provisional_bundle.py OUT_DIR [SIZE]
Writes OUT_DIR (a signed bundle) and OUT_DIR.key.json (its public key, for --trust).
"""

import csv
import json
import sys
from pathlib import Path

import torch

from trainer.bundle.signing import SigningKey
from trainer.bundle.writer import write_bundle
from trainer.export import export_head
from trainer.model import KERAS_MEAN, KERAS_STD, LeafNet, Normalisation, create_backbone
from trainer.taxonomy import build_taxonomy, disease_labels, species_labels


def main() -> None:
    out = Path(sys.argv[1])
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 160
    with open("../shared/data/manifest.csv", newline="") as f:
        classes = sorted({r["class"] for r in csv.DictReader(f)} - {"Background_without_leaves"})
    taxonomy = build_taxonomy(classes)
    sp, di = species_labels(taxonomy), disease_labels(taxonomy)
    torch.manual_seed(0)
    net = LeafNet(create_backbone("mobilenetv2_035", keras_style=True), len(sp), len(di)).eval()
    work = out.with_name(out.name + ".work")
    work.mkdir(parents=True, exist_ok=True)
    for head in ("species", "disease"):
        export_head(net, head, Normalisation(KERAS_MEAN, KERAS_STD), size, work / f"{head}.onnx")
    (work / "advice.json").write_text(Path("trainer/advice/advice.json").read_text())  # the rule-based advice the real bundle ships
    (work / "model-card.md").write_text("# Provisional bundle\nUntrained weights, for benchmarks only.\n")
    model = lambda head, labels: {  # noqa: E731
        "file": f"{head}.onnx", "sha256": "0" * 64, "bytes": 1, "temperature": 1.0,
        "input": {"name": "image", "layout": "NHWC", "dtype": "uint8", "height": size, "width": size, "resize": "center-crop-bilinear"},
        "output": {"name": "logits", "labels": labels},
    }
    manifest = {
        "formatVersion": 1, "bundleVersion": "0.0.0-provisional", "createdAt": "2026-11-29T13:00:00Z",
        "models": {"species": model("species", sp), "disease": model("disease", di)},
        "files": {}, "taxonomy": {"crops": taxonomy, "notALeaf": "Background_without_leaves"},
        "thresholds": {"notALeaf": 0.5, "crop": 0.6, "disease": 0.55, "margin": 0.1}, "metrics": {},
        "provenance": {"dataSources": [{"name": "none", "licence": "CC0-1.0"}], "baseWeights": "none (untrained)",
                       "codeCommit": "provisional", "command": "bench/inference/make_provisional_bundle.py", "runId": "provisional"},
    }
    key = SigningKey.generate()
    write_bundle(out, manifest, {"species": work / "species.onnx", "disease": work / "disease.onnx"},
                 {"advice.json": work / "advice.json", "model-card.md": work / "model-card.md"}, key)
    t = key.trusted()
    Path(f"{out}.key.json").write_text(json.dumps({"keyId": t.key_id, "publicKeyHex": t.public_key_hex, "owner": "provisional bench bundle"}) + "\n")


if __name__ == "__main__":
    main()
