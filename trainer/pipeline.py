"""pipeline: every step in order, from one TOML config; per-step timings go to <run>/pipeline.json."""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path
from typing import Any

from trainer.calibrate import calibrate
from trainer.evaluate import evaluate
from trainer.export import export
from trainer.make_bundle import DEFAULT_ADVICE, make_bundle
from trainer.split import split
from trainer.train import TrainConfig, train
from trainer.validate import validate


def load_config(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


def run_pipeline(config_path: Path) -> dict[str, Any]:
    cfg = load_config(config_path)
    data, run_dir = Path(cfg["data"]["root"]), Path(cfg["train"]["run_dir"])
    tcfg = TrainConfig(data=str(data), **cfg["train"])
    exp = cfg.get("export", {})
    b = cfg["bundle"]
    timings: dict[str, float] = {}

    def step(name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        t = time.time()
        print(f"== {name}", flush=True)
        out = fn(*args, **kwargs)
        timings[name] = round(time.time() - t, 1)
        print(f"== {name} done in {timings[name]} s", flush=True)
        return out

    t0 = time.time()
    step("validate", validate, data, run_dir, skip_corrupt=cfg["data"].get("skip_corrupt", False))
    step("split", split, data, run_dir, cfg["data"].get("val", 0.15), cfg["data"].get("test", 0.15))
    step("train", train, tcfg)
    step("calibrate", calibrate, run_dir, data, target=cfg.get("calibrate", {}).get("target", 0.99))
    step("export", export, run_dir, data, int8=exp.get("int8", False))
    step("evaluate", evaluate, run_dir, data, run_dir / "eval-test", splits_dir=run_dir, split="test")
    step(
        "evaluate-field-proxy",
        evaluate,
        run_dir,
        data,
        run_dir / "eval-field-proxy",
        splits_dir=run_dir,
        split="test",
        measure_latency=False,
        perturb=True,
    )
    timings["total_before_bundle"] = round(time.time() - t0, 1)
    (run_dir / "pipeline.json").write_text(json.dumps({"seconds": timings, "config": cfg}, indent=2) + "\n")
    step(
        "bundle",
        make_bundle,
        run_dir,
        Path(b["out"]),
        version=b["version"],
        command=b["command"],
        sources=b["sources"],
        int8=exp.get("int8", False) and b.get("use_int8", False),
        advice=Path(b["advice"]) if b.get("advice") else DEFAULT_ADVICE,
    )
    timings["total"] = round(time.time() - t0, 1)
    (run_dir / "pipeline.json").write_text(json.dumps({"seconds": timings, "config": cfg}, indent=2) + "\n")
    return timings
