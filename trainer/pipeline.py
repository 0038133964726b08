"""pipeline: every step in order, from one TOML config; per-step timings go to <run>/pipeline.json."""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path
from typing import Any

from trainer.calibrate import calibrate
from trainer.errors import DataError
from trainer.evaluate import evaluate
from trainer.export import export
from trainer.make_bundle import DEFAULT_ADVICE, make_bundle
from trainer.sources.agreement import agreement
from trainer.sources.combined import prepare_run_data
from trainer.sources.feedback import MIN_SIDE
from trainer.sources.feedback_eval import base_splits, feedback_slice
from trainer.split import split
from trainer.train import TrainConfig, train
from trainer.validate import validate


def load_config(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


RUN_KINDS = ("full", "head")


def train_section(cfg: dict[str, Any], kind: str) -> dict[str, Any]:
    """[train] for the run kind: `head` trains only the heads on the frozen backbone (features cached)."""
    if kind not in RUN_KINDS:
        raise DataError(f'[run] kind must be one of {", ".join(RUN_KINDS)}, not "{kind}"')
    train_cfg = dict(cfg["train"])
    if kind == "head":
        if not train_cfg.get("head_epochs"):
            raise DataError("a head run needs [train] head_epochs > 0")
        train_cfg.update(tail_epochs=0, full_epochs=0)
    return train_cfg


def shipped_int8(cfg: dict[str, Any]) -> bool:
    return bool(cfg.get("export", {}).get("int8", False) and cfg.get("bundle", {}).get("use_int8", False))


def run_pipeline(config_path: Path) -> dict[str, Any]:
    """Every step from the TOML config, ending with a signed bundle."""
    cfg = load_config(config_path)
    timings = train_and_evaluate(cfg)
    b, run_dir = cfg["bundle"], Path(cfg["train"]["run_dir"])
    t = time.time()
    print("== bundle", flush=True)
    make_bundle(
        run_dir,
        Path(b["out"]),
        version=b["version"],
        command=b["command"],
        sources=b["sources"],
        int8=shipped_int8(cfg),
        advice=Path(b["advice"]) if b.get("advice") else DEFAULT_ADVICE,
    )
    timings["bundle"] = round(time.time() - t, 1)
    timings["total"] = round(timings["total_before_bundle"] + timings["bundle"], 1)
    (run_dir / "pipeline.json").write_text(json.dumps({"seconds": timings, "config": cfg}, indent=2) + "\n")
    return timings


def train_and_evaluate(cfg: dict[str, Any]) -> dict[str, float]:
    """validate .. evaluate (+ the feedback and agreement steps): everything that needs the data, and nothing that
    needs the signing key. The same function runs here and in the Modal container (trainer/modal_app.py)."""
    base, run_dir = Path(cfg["data"]["root"]), Path(cfg["train"]["run_dir"])
    kind = cfg.get("run", {}).get("kind", "full")
    train_cfg = train_section(cfg, kind)
    fb = cfg.get("feedback", {})
    declared = set(cfg.get("taxonomy", {}).get("classes", []))
    exp = cfg.get("export", {})
    timings: dict[str, float] = {}

    def step(name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        t = time.time()
        print(f"== {name}", flush=True)
        out = fn(*args, **kwargs)
        timings[name] = round(time.time() - t, 1)
        print(f"== {name} done in {timings[name]} s", flush=True)
        return out

    t0 = time.time()
    data, eval_splits = base, run_dir
    if fb.get("export"):
        cache = Path(train_cfg.get("feature_cache") or run_dir / "cache")
        data, ingested = step(
            "ingest-feedback",
            prepare_run_data,
            base,
            Path(fb["export"]),
            run_dir,
            declared,  # with the base data's classes and the served bundle's: a label outside them must be declared new
            cache,
            int(fb.get("min_side", MIN_SIDE)),
            int(train_cfg.get("workers", 2)),
        )
        declared |= set(ingested["newClasses"])
    tcfg = TrainConfig(data=str(data), **train_cfg)
    step("validate", validate, data, run_dir, skip_corrupt=cfg["data"].get("skip_corrupt", False), declared_classes=declared)
    step("split", split, data, run_dir, cfg["data"].get("val", 0.15), cfg["data"].get("test", 0.15))
    if fb.get("export"):
        eval_splits = base_splits(run_dir)  # the gated metrics stay on the base test photos; feedback has its own slice
    step("train", train, tcfg)
    step("calibrate", calibrate, run_dir, data, target=cfg.get("calibrate", {}).get("target", 0.99))
    step("export", export, run_dir, data, int8=exp.get("int8", False), int8_scheme=exp.get("int8_scheme", "weights"))
    # The gated metrics are the shipped graph's; with int8 shipped, fp32 is scored too for the model card's comparison.
    ship_int8 = shipped_int8(cfg)
    for suffix, int8 in (("", ship_int8), *((("-fp32", False),) if ship_int8 else ())):
        step(f"evaluate{suffix}", evaluate, run_dir, data, run_dir / f"eval-test{suffix}", splits_dir=eval_splits, int8=int8)
        step(
            f"evaluate-field-proxy{suffix}",
            evaluate,
            run_dir,
            data,
            run_dir / f"eval-field-proxy{suffix}",
            splits_dir=eval_splits,
            split="test",
            measure_latency=False,
            perturb=True,
            int8=int8,
        )
    if fb.get("export"):
        served = Path(fb["served_bundle"]) if fb.get("served_bundle") else None
        step("evaluate-feedback", feedback_slice, run_dir, data, run_dir / "eval-feedback", served)
    agree = cfg.get("agreement", {})
    if agree.get("photos") and fb.get("served_bundle"):
        step("agreement", agreement, run_dir, Path(fb["served_bundle"]), Path(agree["photos"]), run_dir / "eval-agreement")
    timings["total_before_bundle"] = round(time.time() - t0, 1)
    (run_dir / "pipeline.json").write_text(json.dumps({"seconds": timings, "config": cfg}, indent=2) + "\n")
    return timings
