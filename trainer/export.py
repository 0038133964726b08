"""export: one ONNX graph (uint8 NHWC RGB in, normalisation inside, one backbone pass, two outputs: species and
disease logits), optional int8 of the same graph, parity check.

Parity is measured per head on real validation images: the fp32 graph must give the PyTorch top-1 on every
image; the int8 graph is reported (top-1 agreement and max probability difference) but not required to.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch

from trainer.dataset import labels_from_splits, load_split
from trainer.metrics import softmax
from trainer.model import ExportNet, LeafNet, Normalisation
from trainer.onnx_session import session
from trainer.quantise import INPUT, SCHEMES, quantise_static, quantise_weights
from trainer.train import load_checkpoint

HEADS = ("species", "disease")
OUTPUTS = {head: f"{head}_logits" for head in HEADS}  # head -> output name of the graph
CAM = "disease_cam"  # one class activation map per disease label, NCHW (1, diseases, h, w): where the evidence lies
GRAPH = "leafnet.onnx"


@contextmanager
def torchscript_exporter_quiet() -> Iterator[None]:
    """Around a `torch.onnx.export(..., dynamo=False)` call only: hides the legacy exporter's own notices.

    The TorchScript exporter is kept on purpose: the shipped bundle's graph (one backbone pass, uint8 NHWC in, named
    outputs with a dynamic batch axis) and its measured parity (browser vs Node vs trainer, fp32 and int8) come from
    it, and the dynamo exporter writes a different graph that would have to be re-validated end to end first. Its
    DeprecationWarning says only that; "Constant folding - Only steps=1 ..." says a strided Slice is left unfolded,
    which is correct, just not pre-computed. Any other warning still shows.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "You are using the legacy TorchScript-based ONNX export", DeprecationWarning)
        warnings.filterwarnings("ignore", "The feature will be removed", DeprecationWarning, r"torch\.onnx")
        warnings.filterwarnings("ignore", "Constant folding - Only steps=1", UserWarning)
        yield


def export_graph(net: LeafNet, norm: Normalisation, size: int, out: Path) -> None:
    module = ExportNet(net, norm).eval()
    dummy = torch.zeros(1, size, size, 3, dtype=torch.uint8)
    names = [*(OUTPUTS[h] for h in HEADS), CAM]  # the order ExportNet returns them in
    with torchscript_exporter_quiet():
        torch.onnx.export(
            module,
            (dummy,),
            str(out),
            input_names=[INPUT],
            output_names=names,
            opset_version=17,
            dynamo=False,
            dynamic_axes={name: {0: "batch"} for name in (INPUT, *names)},
        )
    onnx.checker.check_model(onnx.load(str(out)))


def run_onnx(
    sess: ort.InferenceSession, images: np.ndarray, outputs: dict[str, str] | None = None, batch: int = 64
) -> dict[str, np.ndarray]:
    """{head: logits} for every head in `outputs` (head -> output name; default the exported graph's), one run per batch."""
    outputs = outputs or OUTPUTS
    heads, names = list(outputs), list(outputs.values())
    parts = [sess.run(names, {INPUT: images[i : i + batch]}) for i in range(0, len(images), batch)]
    return {h: np.concatenate([p[k] for p in parts]) for k, h in enumerate(heads)}


def parity(reference: np.ndarray, logits: np.ndarray) -> dict[str, float]:
    same = (reference.argmax(1) == logits.argmax(1)).mean()
    return {
        "top1Agreement": float(same),
        "maxProbDiff": float(np.abs(softmax(reference) - softmax(logits)).max()),
        "images": len(reference),
    }


def export(
    run_dir: Path,
    data: Path,
    checkpoint: Path | None = None,
    int8: bool = False,
    parity_images: int = 512,
    int8_scheme: str = "weights",
) -> dict[str, Any]:
    if int8_scheme not in SCHEMES:
        raise ValueError(f'[export] int8_scheme must be one of {", ".join(SCHEMES)}, not "{int8_scheme}"')
    net, meta = load_checkpoint(checkpoint or run_dir / "checkpoints" / "final.pt")
    norm = Normalisation(tuple(meta["mean"]), tuple(meta["std"]))
    size = int(meta["size"])
    out_dir = run_dir / "export"
    out_dir.mkdir(parents=True, exist_ok=True)
    labels = labels_from_splits(run_dir)
    val = load_split(run_dir, data, "val", size, meta["config"]["store"], labels)
    pick = np.random.default_rng(0).permutation(len(val.labels))[:parity_images]
    images = val.eval_images[np.sort(pick)]
    path = out_dir / GRAPH
    export_graph(net, norm, size, path)
    module = ExportNet(net, norm).eval()
    with torch.no_grad():
        outs = [[t.numpy() for t in module(torch.from_numpy(images[i : i + 64]))] for i in range(0, len(images), 64)]
    ref = {h: np.concatenate([o[k] for o in outs]) for k, h in enumerate(HEADS)}
    ref_cam = outs[0][2]
    fp32 = run_onnx(session(path), images)
    cam = run_onnx(session(path), images[: len(ref_cam)], {"cam": CAM})["cam"]
    report: dict[str, Any] = {
        "size": size,
        "input": INPUT,
        "file": GRAPH,
        "outputs": OUTPUTS,
        "cam": {"name": CAM, "height": int(cam.shape[2]), "width": int(cam.shape[3])},
        "int8": int8,
        **({"int8Scheme": int8_scheme} if int8 else {}),
        "bytes": {"fp32": path.stat().st_size},
        "parity": {h: {"fp32": parity(ref[h], fp32[h])} for h in HEADS},
        "camMaxDiff": {"fp32": float(np.abs(cam - ref_cam).max() / max(np.abs(ref_cam).max(), 1e-6))},
    }
    for head in HEADS:
        if report["parity"][head]["fp32"]["top1Agreement"] < 1.0:
            raise RuntimeError(f"{GRAPH} ({OUTPUTS[head]}) disagrees with PyTorch on some images: {report['parity'][head]}")
    if int8:
        qpath = out_dir / GRAPH.replace(".onnx", ".int8.onnx")
        if int8_scheme == "static":
            quantise_static(path, qpath, images[:128])
        else:
            quantise_weights(path, qpath)
        q = run_onnx(session(qpath), images)
        report["bytes"]["int8"] = qpath.stat().st_size
        for head in HEADS:
            report["parity"][head]["int8"] = parity(ref[head], q[head])
        qcam = run_onnx(session(qpath), images[: len(ref_cam)], {"cam": CAM})["cam"]
        report["camMaxDiff"]["int8"] = float(np.abs(qcam - ref_cam).max() / max(np.abs(ref_cam).max(), 1e-6))
    report["meta"] = {k: meta[k] for k in ("arch", "init", "size", "mean", "std", "taxonomy", "speciesLabels", "diseaseLabels")}
    (out_dir / "export.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return report


# --- The chained layout: a backbone file and a heads file (packages/bundle/src/chain.ts) ----------------------------
# The same ExportNet cut at its last feature map, so a head-only retrain ships only the (small) heads file and the
# CAM works in both layouts. The bundle step names the two files by content (backbone-<sha16>.onnx, heads-<sha16>.onnx).

FEATURES = "features"  # the backbone's output and the heads' input: the last feature map, NCHW float32


class ChainBackbone(torch.nn.Module):
    """ExportNet up to the last feature map, before pooling: uint8 NHWC RGB in, normalisation inside."""

    def __init__(self, full: ExportNet) -> None:
        super().__init__()
        self.full = full

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.full.feature_map(image)


class ChainHeads(torch.nn.Module):
    """ExportNet from the feature map on: global average pooling, the two linear heads and the disease CAM."""

    def __init__(self, full: ExportNet) -> None:
        super().__init__()
        self.full = full

    def forward(self, fmap: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.full.heads(fmap)


def export_chain(net: LeafNet, norm: Normalisation, size: int, out_dir: Path) -> tuple[Path, Path]:
    """Writes out_dir/backbone.onnx (image -> features) and out_dir/heads.onnx (features -> the graph's outputs)."""
    full = ExportNet(net, norm).eval()
    backbone, heads = ChainBackbone(full).eval(), ChainHeads(full).eval()
    image = torch.zeros(1, size, size, 3, dtype=torch.uint8)
    with torch.no_grad():
        fmap = backbone(image)
    names = [*(OUTPUTS[h] for h in HEADS), CAM]
    paths = (out_dir / "backbone.onnx", out_dir / "heads.onnx")
    for module, dummy, inputs, outputs, path in (
        (backbone, image, [INPUT], [FEATURES], paths[0]),
        (heads, fmap, [FEATURES], names, paths[1]),
    ):
        with torchscript_exporter_quiet():
            torch.onnx.export(
                module,
                (dummy,),
                str(path),
                input_names=inputs,
                output_names=outputs,
                opset_version=17,
                dynamo=False,
                dynamic_axes={name: {0: "batch"} for name in (*inputs, *outputs)},
            )
        onnx.checker.check_model(onnx.load(str(path)))
    return paths
