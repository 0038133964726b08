"""compare-backbones: the candidate ImageNet backbones under one cheap recipe, side by side.

Recipe (the same for every backbone, so only the backbone differs): frozen pretrained features at the backbone's
own resolution, the trainer's two linear heads fit on a fixed per-class sample of the train split (AdamW, 60
epochs), scored on the whole test split, clean and with the seeded field-like perturbations of the field proxy.
Also: ImageNet-pretrained parameter count, fp32 ONNX bytes and native onnxruntime latency (1 thread, batch 1)
of backbone + heads. Fine-tuning moves every number up; the ranking is what this measures.
Writes <out>/backbones.json and backbones.md.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from trainer.data import Sample, load_arrays
from trainer.dataset import labels_from_splits
from trainer.evaluate import field_proxy
from trainer.export import export_graph
from trainer.model import build
from trainer.onnx_session import session
from trainer.split import read_splits
from trainer.train import embed

CANDIDATES = (  # (init, arch, input size): each at the resolution it was pretrained at
    ("keras", "mobilenetv2_035", 160),
    ("lite", "tf_efficientnet_lite0", 224),
    ("lite", "tf_efficientnet_lite1", 240),
)


def _fit_heads(
    f: torch.Tensor, ys: torch.Tensor, yd: torch.Tensor, n_s: int, n_d: int
) -> tuple[torch.nn.Linear, torch.nn.Linear]:
    torch.manual_seed(0)
    hs, hd = torch.nn.Linear(f.shape[1], n_s), torch.nn.Linear(f.shape[1], n_d)
    opt = torch.optim.AdamW([*hs.parameters(), *hd.parameters()], lr=3e-3, weight_decay=1e-4)
    leaf = yd >= 0
    for _ in range(60):
        for idx in torch.randperm(len(f)).split(256):
            loss = F.cross_entropy(hs(f[idx]), ys[idx])
            keep = idx[leaf[idx]]
            if len(keep):
                loss = loss + F.cross_entropy(hd(f[keep]), yd[keep])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return hs, hd


def _latency_ms(path: Path, size: int, runs: int = 30) -> float:
    sess = session(path)
    x = {"image": np.zeros((1, size, size, 3), np.uint8)}
    for _ in range(5):
        sess.run(None, x)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        sess.run(None, x)
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times))


def compare(run_dir: Path, data: Path, out: Path, per_class: int = 80, threads: int = 2) -> dict[str, Any]:
    torch.set_num_threads(threads)
    labels = labels_from_splits(run_dir)
    rows = read_splits(run_dir)
    rng = np.random.default_rng(0)
    train_rows: list[dict[str, str]] = []
    for lab in sorted({r["label"] for r in rows}):
        mine = [r for r in rows if r["split"] == "train" and r["label"] == lab]
        train_rows += [mine[i] for i in sorted(rng.permutation(len(mine))[:per_class])]
    test_rows = [r for r in rows if r["split"] == "test"]
    out.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    for init, arch, size in CANDIDATES:
        t0 = time.time()
        net, norm, _ = build(init, arch, len(labels.species), len(labels.disease))
        net.eval()
        net.to(memory_format=torch.channels_last)

        def features(rs: list[dict[str, str]], perturb: bool, size: int = size) -> torch.Tensor:
            samples = [Sample(r["path"], r["label"], r["sha256"]) for r in rs]
            ev = field_proxy(data, samples, size) if perturb else load_arrays(data, samples, size, 0)[0]
            return embed(net, ev, norm, torch.device("cpu"))  # noqa: B023 (used at once, inside this iteration)

        def targets(rs: list[dict[str, str]]) -> tuple[torch.Tensor, torch.Tensor]:
            return (
                torch.tensor([labels.species_index(r["label"]) for r in rs]),
                torch.tensor([labels.disease_index(r["label"]) for r in rs]),
            )

        ftr = features(train_rows, False)
        hs, hd = _fit_heads(ftr, *targets(train_rows), len(labels.species), len(labels.disease))
        net.species, net.disease = hs, hd
        ys, yd = targets(test_rows)
        src = np.array([r["path"].split("/")[0] for r in test_rows])
        row: dict[str, Any] = {"arch": arch, "init": init, "size": size}
        for name, perturb in (("test", False), ("fieldProxy", True)):
            f = features(test_rows, perturb)
            with torch.no_grad():
                ps, pd = hs(f).argmax(1), hd(f).argmax(1)
            row[f"{name}.species.top1"] = float((ps == ys).float().mean())
            for s in ("plantvillage", "ibean"):
                sel = torch.from_numpy((src == s) & (yd.numpy() >= 0))
                row[f"{name}.disease.top1.{s}"] = float((pd[sel] == yd[sel]).float().mean())
        graph = out / f"{arch}.onnx"
        export_graph(net, norm, size, graph)
        row["params"] = sum(p.numel() for p in net.backbone.parameters())
        row["onnxBytes"] = graph.stat().st_size
        row["latencyMsNative1Thread"] = _latency_ms(graph, size)
        row["seconds"] = round(time.time() - t0, 1)
        graph.unlink()
        results.append(row)
        print(json.dumps(row), flush=True)
    report = {"perClass": per_class, "testImages": len(test_rows), "loadAverage1m": os.getloadavg()[0], "rows": results}
    (out / "backbones.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "backbones.md").write_text("\n".join(markdown(report)) + "\n")
    return report


def markdown(report: dict[str, Any]) -> list[str]:
    cols = [
        ("test.disease.top1.plantvillage", "PV test"),
        ("test.disease.top1.ibean", "iBean test"),
        ("fieldProxy.disease.top1.plantvillage", "field proxy PV"),
        ("fieldProxy.disease.top1.ibean", "field proxy iBean"),
        ("test.species.top1", "species"),
    ]
    lines = [
        "| backbone | input | " + " | ".join(c[1] for c in cols) + " | params | fp32 ONNX | native ms |",
        "|---|---:|" + "---:|" * len(cols) + "---:|---:|---:|",
    ]
    for r in report["rows"]:
        cells = " | ".join(f"{100 * r[k]:.1f}%" for k, _ in cols)
        lines.append(
            f"| {r['arch']} | {r['size']} | {cells} | {r['params'] / 1e6:.2f} M | {r['onnxBytes'] / 1e6:.1f} MB "
            f"| {r['latencyMsNative1Thread']:.1f} |"
        )
    return lines
