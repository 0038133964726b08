"""The two int8 schemes: weights-only (the shipped default) and QDQ static."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

from trainer.quantise import MIN_WEIGHTS, quantise_weights, weight_codes


def test_weight_codes_round_each_output_channel_to_within_half_a_step() -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(0, 1, (8, 4, 3, 3)).astype(np.float32) * rng.uniform(0.01, 5, (8, 1, 1, 1)).astype(np.float32)
    w[3] = 0  # a dead channel must not divide by zero
    codes, scale = weight_codes(w)
    assert codes.dtype == np.int8 and scale.shape == (8,) and np.abs(codes).max() <= 127
    err = np.abs(codes.astype(np.float32) * scale[:, None, None, None] - w)
    assert (err <= scale[:, None, None, None] / 2 + 1e-7).all()
    assert (codes[3] == 0).all() and np.abs(codes[[0, 1, 2, 4]]).max() == 127  # each live channel uses the full range


def run(path: Path, images: np.ndarray, level: ort.GraphOptimizationLevel) -> list[np.ndarray]:
    opts = ort.SessionOptions()
    opts.graph_optimization_level = level
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    return sess.run(["species_logits", "disease_logits"], {"image": images})  # type: ignore[no-any-return]


def test_weights_only_graph_stores_int8_and_answers_like_fp32_under_every_optimisation(
    tiny_run: tuple[Path, Path], tmp_path: Path
) -> None:
    _, run_dir = tiny_run
    fp32 = run_dir / "export" / "leafnet.onnx"
    out = tmp_path / "w8.onnx"
    n = quantise_weights(fp32, out)
    m = onnx.load(str(out))
    floats = [i for i in m.graph.initializer if i.data_type == onnx.TensorProto.FLOAT and numpy_helper.to_array(i).ndim >= 2]
    assert n > 0 and sum(node.op_type == "DequantizeLinear" for node in m.graph.node) == n
    assert all(numpy_helper.to_array(i).size < MIN_WEIGHTS for i in floats)
    assert out.stat().st_size < 0.4 * fp32.stat().st_size
    images = np.random.default_rng(2).integers(0, 256, (24, 32, 32, 3), dtype=np.uint8)
    ref = run(fp32, images, ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
    fused = run(out, images, ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
    exact = run(out, images, ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    for r, f, e in zip(ref, fused, exact, strict=True):
        # Float arithmetic everywhere: fused kernels and the plain graph agree to float rounding, unlike static int8.
        assert np.abs(f - e).max() < 1e-4 * max(1.0, float(np.abs(e).max()))
        assert np.abs(f - r).max() < 0.05 * float(np.abs(r).max())  # weight rounding only


def test_export_still_offers_the_static_scheme(tiny_run: tuple[Path, Path], tmp_path: Path) -> None:
    from trainer.export import export

    data, run_dir = tiny_run
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    shutil.rmtree(copy / "export")
    ex = export(copy, data, int8=True, int8_scheme="static")
    m = onnx.load(str(copy / "export" / "leafnet.int8.onnx"))
    assert ex["int8Scheme"] == "static" and any(node.op_type == "QuantizeLinear" for node in m.graph.node)
    assert json.loads((copy / "export" / "export.json").read_text())["int8Scheme"] == "static"
    shipped = json.loads((run_dir / "export" / "export.json").read_text())
    assert shipped["int8Scheme"] == "weights"
    assert not any(
        node.op_type == "QuantizeLinear" for node in onnx.load(str(run_dir / "export" / "leafnet.int8.onnx")).graph.node
    )
