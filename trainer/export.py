"""export: ONNX models (uint8 NHWC RGB in, logits out, normalisation inside), optional int8, parity check.

Parity is measured on real validation images: the fp32 graph must give the PyTorch top-1 on every
image; the int8 graph at least 99% of them (max probability difference reported).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch

from trainer.dataset import labels_from_splits, load_split
from trainer.metrics import softmax
from trainer.model import ExportHead, LeafNet, Normalisation
from trainer.train import load_checkpoint

INPUT, OUTPUT = "image", "logits"
HEADS = ("species", "disease")


def export_head(net: LeafNet, head: str, norm: Normalisation, size: int, out: Path) -> None:
    module = ExportHead(net, head, norm).eval()
    dummy = torch.zeros(1, size, size, 3, dtype=torch.uint8)
    torch.onnx.export(
        module,
        (dummy,),
        str(out),
        input_names=[INPUT],
        output_names=[OUTPUT],
        opset_version=17,
        dynamo=False,
        dynamic_axes={INPUT: {0: "batch"}, OUTPUT: {0: "batch"}},
    )
    onnx.checker.check_model(onnx.load(str(out)))


def session(path: Path, threads: int = 1) -> ort.InferenceSession:
    """One thread, no spinning: on a shared 2-core machine this is both the fastest and the steadiest."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def run_onnx(sess: ort.InferenceSession, images: np.ndarray, batch: int = 64) -> np.ndarray:
    return np.concatenate([sess.run([OUTPUT], {INPUT: images[i : i + batch]})[0] for i in range(0, len(images), batch)])


class _Reader:
    """Calibration data for static int8 quantisation: real images, as the app feeds them."""

    def __init__(self, images: np.ndarray) -> None:
        self.it = iter(images[i : i + 16] for i in range(0, len(images), 16))

    def get_next(self) -> dict[str, np.ndarray] | None:
        batch = next(self.it, None)
        return None if batch is None else {INPUT: batch}


def quantise(src: Path, dst: Path, calib: np.ndarray) -> None:
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
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
    )
    pre.unlink()


def parity(reference: np.ndarray, logits: np.ndarray) -> dict[str, float]:
    same = (reference.argmax(1) == logits.argmax(1)).mean()
    return {
        "top1Agreement": float(same),
        "maxProbDiff": float(np.abs(softmax(reference) - softmax(logits)).max()),
        "images": len(reference),
    }


def export(
    run_dir: Path, data: Path, checkpoint: Path | None = None, int8: bool = False, parity_images: int = 512
) -> dict[str, Any]:
    net, meta = load_checkpoint(checkpoint or run_dir / "checkpoints" / "final.pt")
    norm = Normalisation(tuple(meta["mean"]), tuple(meta["std"]))
    size = int(meta["size"])
    out_dir = run_dir / "export"
    out_dir.mkdir(parents=True, exist_ok=True)
    labels = labels_from_splits(run_dir)
    val = load_split(run_dir, data, "val", size, meta["config"]["store"], labels)
    pick = np.random.default_rng(0).permutation(len(val.labels))[:parity_images]
    images = val.eval_images[np.sort(pick)]
    report: dict[str, Any] = {"size": size, "input": INPUT, "output": OUTPUT, "int8": int8, "models": {}}
    for head in HEADS:
        path = out_dir / f"{head}.onnx"
        export_head(net, head, norm, size, path)
        with torch.no_grad():
            ref = ExportHead(net, head, norm).eval()(torch.from_numpy(images)).numpy()
        entry: dict[str, Any] = {"fp32": {**parity(ref, run_onnx(session(path), images)), "bytes": path.stat().st_size}}
        if entry["fp32"]["top1Agreement"] < 1.0:
            raise RuntimeError(f"{head}.onnx disagrees with PyTorch on some images: {entry['fp32']}")
        if int8:
            qpath = out_dir / f"{head}.int8.onnx"
            quantise(path, qpath, images[:128])
            entry["int8"] = {**parity(ref, run_onnx(session(qpath), images)), "bytes": qpath.stat().st_size}
        report["models"][head] = entry
    report["meta"] = {k: meta[k] for k in ("arch", "init", "size", "mean", "std", "taxonomy", "speciesLabels", "diseaseLabels")}
    (out_dir / "export.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return report
