"""The on-device self-test, recorded when a bundle is written: fixed images (the same generator as
packages/diagnosis/src/self-test.ts) and the top class and calibrated probability each model gives them.
A phone runs the same images before a downloaded bundle replaces its current one and refuses it on any difference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from trainer.onnx_session import session

IMAGES = "leafcheck-selftest-1"
CASES = 3
TOLERANCE = 0.05  # calibrated probability; runtimes differ by ~1e-5 on fp32 graphs, more on int8 ones


def self_test_image(index: int, height: int, width: int) -> np.ndarray:
    """Image `index`, uint8 (1, H, W, 3): integer arithmetic only, exact in both languages."""
    y, x, c = np.meshgrid(np.arange(height), np.arange(width), np.arange(3), indexing="ij")
    value = x * (3 + 2 * index) + y * (5 + index) + c * 85 + index * 40 + ((x * y) >> (4 + c))
    return (value % 256).astype(np.uint8)[None]


def _softmax(logits: np.ndarray, temperature: float) -> np.ndarray:
    z = logits.astype(np.float64) / temperature
    e = np.exp(z - z.max())
    return e / e.sum()  # type: ignore[no-any-return]


def record_self_test(manifest: dict[str, Any], model_paths: dict[str, Path]) -> dict[str, Any]:
    """manifest.selfTest for the models in model_paths ("species", "disease", and "backbone" when chained)."""
    models = manifest["models"]
    height, width = models["species"]["input"]["height"], models["species"]["input"]["width"]
    sessions = {kind: session(model_paths[kind]) for kind in ("species", "disease")}
    backbone = session(model_paths["backbone"]) if "backbone" in models else None
    cases = []
    for i in range(CASES):
        image = self_test_image(i, height, width)
        case: dict[str, Any] = {}
        for kind in ("species", "disease"):
            model = models[kind]
            if backbone is not None:
                features = backbone.run([models["backbone"]["output"]["name"]], {models["backbone"]["input"]["name"]: image})[0]
                feeds = {models["backbone"]["output"]["name"]: features}
            else:
                feeds = {model["input"]["name"]: image}
            logits = sessions[kind].run([model["output"]["name"]], feeds)[0][0]
            probs = _softmax(logits, float(model["temperature"]))
            best = int(np.argmax(probs))
            case[kind] = {"label": model["output"]["labels"][best], "probability": round(float(probs[best]), 6)}
        cases.append(case)
    return {"images": IMAGES, "tolerance": TOLERANCE, "cases": cases}
