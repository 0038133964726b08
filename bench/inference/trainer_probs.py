"""Calibrated probabilities the trainer's way (trainer.data.open_rgb + app_preprocess, Python onnxruntime), for parity.

usage: python bench/inference/trainer_probs.py BUNDLE_DIR < paths.json > probs.json
Reads a JSON list of image paths; writes a JSON list of {"species": [...], "disease": [...]} in manifest label order.
"""

import json
import sys
from pathlib import Path

import numpy as np

from trainer.data import app_preprocess, open_rgb
from trainer.export import run_onnx
from trainer.metrics import softmax
from trainer.onnx_session import session


def main() -> None:
    bundle = Path(sys.argv[1])
    m = json.loads((bundle / "manifest.json").read_text())
    paths = json.load(sys.stdin)
    out = {}
    for kind in ("species", "disease"):
        model = m["models"][kind]
        images = np.stack([app_preprocess(open_rgb(Path(p)), model["input"]["height"]) for p in paths])
        # The output by the manifest's name: one shared graph or one file per model alike.
        logits = run_onnx(session(bundle / model["file"]), images, {kind: model["output"]["name"]})[kind]
        out[kind] = softmax(logits, model["temperature"])
    json.dump(
        [{"species": s.tolist(), "disease": d.tolist()} for s, d in zip(out["species"], out["disease"], strict=True)], sys.stdout
    )


if __name__ == "__main__":
    main()
