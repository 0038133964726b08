"""int8 graphs from the fp32 export: the two schemes `[export] int8_scheme` chooses between.

- "weights": int8 weights (per output channel, symmetric) behind DequantizeLinear nodes, float arithmetic. The file is
  as small as the static graph's, every runtime computes the same floats (browser = Node = trainer to ~1e-6), and the
  answers are the fp32 graph's to within weight rounding. In the browser it is the faster of the two here: web WASM
  (2 threads) spends 42.4 ms in the models for bundle 2.2.0 against 48.5 ms for 2.0.0's static graph of the same
  architecture (AMD VM, 2026-12-05). Natively the DequantizeLinear nodes ran on every inference (25.9 vs 7.6 ms) until
  the runtimes folded them at load (`session.disable_quant_qdq`, trainer/onnx_session.py): 17.6 -> 9.8 ms
  (bench/inference/README.md).
- "static": QDQ static quantisation of weights and activations, calibrated on validation photos. Fastest natively
  (int8 kernels), but each CPU family rounds and saturates differently, so runtimes disagree on some photos.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy and onnx load on use: the CLI imports SCHEMES to build its parser
    import numpy as np

INPUT = "image"
SCHEMES = ("weights", "static")
MIN_WEIGHTS = 1024  # smaller tensors (biases, BatchNorm leftovers) stay fp32: they cost nothing and round badly


class _Reader:
    """Calibration data for static int8 quantisation: real images, as the app feeds them."""

    def __init__(self, images: np.ndarray) -> None:
        self.it = iter(images[i : i + 16] for i in range(0, len(images), 16))

    def get_next(self) -> dict[str, np.ndarray] | None:
        batch = next(self.it, None)
        return None if batch is None else {INPUT: batch}


def quantise_static(src: Path, dst: Path, calib: np.ndarray) -> None:
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    pre = dst.with_suffix(".pre.onnx")
    quant_pre_process(str(src), str(pre))
    quantize_static(
        str(pre),
        str(dst),
        _Reader(calib),
        quant_format=QuantFormat.QDQ,
        per_channel=True,  # type: ignore[arg-type]
        # 7-bit weights: on x86 CPUs without VNNI (AVX2 only, such as this 2-core machine) onnxruntime's u8s8 kernels
        # add pairs of products in int16 and saturate with full-range int8 weights (its quantization docs); the
        # tiny test model's int8 answers agreed with fp32 on 11% there (the export test needs 75%, which 7-bit passes).
        reduce_range=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
    )
    pre.unlink()


def weight_codes(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 codes per output channel (axis 0) and their scales: w ~ codes * scale."""
    import numpy as np

    peak = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    shape = (-1,) + (1,) * (w.ndim - 1)
    codes = np.clip(np.rint(w / scale.reshape(shape)), -127, 127).astype(np.int8)
    return codes, scale


def quantise_weights(src: Path, dst: Path) -> int:
    """Every float initializer of >= MIN_WEIGHTS values becomes int8 codes + DequantizeLinear (same tensor name, so
    no consumer changes). Returns how many tensors were quantised."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    kept, nodes, done = [], [], 0
    for init in graph.initializer:
        w = numpy_helper.to_array(init)
        if w.dtype != np.float32 or w.size < MIN_WEIGHTS or w.ndim < 2:
            kept.append(init)
            continue
        codes, scale = weight_codes(w)
        name = init.name
        kept += [
            numpy_helper.from_array(codes, f"{name}_int8"),
            numpy_helper.from_array(scale, f"{name}_scale"),
            numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), f"{name}_zero"),
        ]
        dq = f"{name}_int8", f"{name}_scale", f"{name}_zero"
        nodes.append(onnx.helper.make_node("DequantizeLinear", list(dq), [name], name=f"{name}_dequantize", axis=0))
        done += 1
    del graph.initializer[:]
    graph.initializer.extend(kept)
    rest = list(graph.node)
    del graph.node[:]
    graph.node.extend([*nodes, *rest])  # DequantizeLinear first: the graph stays topologically sorted
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))
    return done
