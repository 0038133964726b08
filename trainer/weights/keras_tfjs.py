"""Read a TF.js layers-model export (model.json + weights.bin) and run it with plain NumPy.

The NumPy forward pass is the reference the torch conversion is tested against: it follows the
Keras topology literally (explicit ZeroPadding2D, 'valid' convolutions, BN eps from the config).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "weights" / "mobilenet_v2_0.35_224_imagenet"


@dataclass
class TfjsModel:
    layers: list[dict[str, Any]]
    weights: dict[str, np.ndarray]


def load_tfjs(directory: Path = DEFAULT_DIR) -> TfjsModel:
    spec = json.loads((directory / "model.json").read_text())
    layers = spec["modelTopology"]["config"]["layers"]
    blob = np.fromfile(directory / "weights.bin", dtype="<f4")
    weights: dict[str, np.ndarray] = {}
    offset = 0
    for group in spec["weightsManifest"]:
        for w in group["weights"]:
            if w["dtype"] != "float32":
                raise ValueError(f"unsupported weight dtype {w['dtype']} for {w['name']}")
            size = int(np.prod(w["shape"]))
            if offset + size > blob.size:
                raise ValueError(f"weights.bin holds {blob.size} floats; {w['name']} needs floats up to {offset + size}")
            weights[w["name"]] = blob[offset : offset + size].reshape(w["shape"])
            offset += size
    if offset != blob.size:
        raise ValueError(f"weights.bin holds {blob.size} floats but the manifest describes {offset}")
    return TfjsModel(layers, weights)


def _conv(x: np.ndarray, kernel: np.ndarray, stride: int, depthwise: bool) -> np.ndarray:
    """'valid' NHWC convolution; kernel HWIO (depthwise: H, W, C, 1)."""
    kh, kw = kernel.shape[:2]
    _, h, w, _ = x.shape
    ho, wo = (h - kh) // stride + 1, (w - kw) // stride + 1
    out: np.ndarray | None = None
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i : i + stride * (ho - 1) + 1 : stride, j : j + stride * (wo - 1) + 1 : stride, :]
            term = patch * kernel[i, j, :, 0] if depthwise else patch @ kernel[i, j]
            out = term if out is None else out + term
    assert out is not None
    return out


def forward(model: TfjsModel, images: np.ndarray) -> np.ndarray:
    """images: float NHWC already scaled to [-1, 1]; returns the output of the last layer (NHWC)."""
    outputs: dict[str, np.ndarray] = {}
    last = ""
    for layer in model.layers:
        cls, cfg = layer["class_name"], layer["config"]
        name = cfg["name"]
        inputs = [outputs[node[0]] for node in layer["inbound_nodes"][0]] if layer["inbound_nodes"] else []
        if cls == "InputLayer":
            y = images.astype(np.float64)
        elif cls == "ZeroPadding2D":
            (t, b), (left, r) = cfg["padding"]
            y = np.pad(inputs[0], ((0, 0), (t, b), (left, r), (0, 0)))
        elif cls in ("Conv2D", "DepthwiseConv2D"):
            if cfg["padding"] not in ("valid", "same") or cfg["dilation_rate"] != [1, 1]:
                raise ValueError(f"unsupported conv config in {name}")
            depthwise = cls == "DepthwiseConv2D"
            kernel = model.weights[f"{name}/{'depthwise_kernel' if depthwise else 'kernel'}"].astype(np.float64)
            x = inputs[0]
            if cfg["padding"] == "same":  # only stride-1 'same' occurs in this topology
                ph, pw = kernel.shape[0] // 2, kernel.shape[1] // 2
                x = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
            y = _conv(x, kernel, cfg["strides"][0], depthwise)
            if cfg.get("use_bias"):
                y = y + model.weights[f"{name}/bias"]
        elif cls == "BatchNormalization":
            g = model.weights[f"{name}/gamma"]
            b = model.weights[f"{name}/beta"]
            mean = model.weights[f"{name}/moving_mean"]
            var = model.weights[f"{name}/moving_variance"]
            y = (inputs[0] - mean) / np.sqrt(var + cfg["epsilon"]) * g + b
        elif cls == "ReLU":
            y = np.maximum(inputs[0], 0.0)
            if cfg.get("max_value") is not None:
                y = np.minimum(y, cfg["max_value"])
        elif cls == "Add":
            y = inputs[0] + inputs[1]
        else:
            raise ValueError(f"unsupported Keras layer {cls} ({name})")
        outputs[name] = y
        last = name
    return outputs[last]


def pooled_features(model: TfjsModel, images: np.ndarray) -> np.ndarray:
    return forward(model, images).mean(axis=(1, 2))
