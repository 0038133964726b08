"""`python -m trainer <step>`: the CLI only parses arguments and calls one module per step."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

# Before torch loads OpenMP: idle threads sleep instead of spinning, which matters on a shared 2-core machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from typing import TYPE_CHECKING

from trainer.errors import DataError
from trainer.quantise import SCHEMES

if TYPE_CHECKING:
    from trainer.bundle.signing import SigningKey


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m trainer", description="Leafcheck trainer")
    sub = p.add_subparsers(dest="step", required=True)
    v = sub.add_parser("validate", help="check an imagefolder; writes validation.json/.md")
    v.add_argument("--data", type=Path, required=True)
    v.add_argument("--out", type=Path, required=True)
    v.add_argument("--skip-corrupt", action="store_true", help="leave corrupt images out instead of refusing")
    s = sub.add_parser("split", help="deterministic train/val/test split; writes splits.csv")
    s.add_argument("--data", type=Path, required=True)
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--val", type=float, default=0.15)
    s.add_argument("--test", type=float, default=0.15)
    t = sub.add_parser("train", help="train species + disease heads on one backbone")
    from trainer.train import TrainConfig

    for f in dataclasses.fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        if f.type in ("bool", bool):
            t.add_argument(flag, action="store_true", default=f.default)
        else:
            kind = {"int": int, "float": float}.get(str(f.type), str)
            t.add_argument(flag, type=kind, default=f.default)
    c = sub.add_parser("calibrate", help="temperature scaling + thresholds on the val split")
    c.add_argument("--run-dir", type=Path, required=True)
    c.add_argument("--data", type=Path, required=True)
    c.add_argument("--target", type=float, default=0.99, help="accuracy the confident answers must reach on val")
    e = sub.add_parser("evaluate", help="score the exported graph (a run folder or a bundle) on a labelled imagefolder")
    e.add_argument("--model", type=Path, required=True, help="run folder (export/ + calibration.json) or bundle folder")
    e.add_argument("--data", type=Path, required=True)
    e.add_argument("--out", type=Path, required=True)
    e.add_argument("--splits", type=Path, help="run folder whose splits.csv selects the images")
    e.add_argument("--split", default="test")
    e.add_argument("--no-latency", action="store_true")
    e.add_argument("--field-proxy", action="store_true", help="apply seeded field-like perturbations to every image")
    e.add_argument("--int8", action="store_true", help="a run folder's int8 graph instead of its fp32 one")
    x = sub.add_parser("export", help="ONNX export (+ optional int8) with a parity check")
    x.add_argument("--run-dir", type=Path, required=True)
    x.add_argument("--data", type=Path, required=True)
    x.add_argument("--int8", action="store_true")
    x.add_argument("--int8-scheme", choices=SCHEMES, default="weights", help="int8 weights only (float arithmetic) or QDQ static")
    b = sub.add_parser("bundle", help="write and sign a bundle, then verify it")
    b.add_argument("--config", type=Path, default=Path("trainer/configs/default.toml"), help="for version, sources, command")
    b.add_argument("--run-dir", type=Path, required=True)
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--key", type=Path, help="signing key JSON (default ~/.leafcheck/signing-key.json)")
    b.add_argument("--advice", type=Path)
    b.add_argument("--int8", action="store_true", help="ship the int8 graph")
    b.add_argument("--version", help="bundle version (default: the config's)")
    rc = sub.add_parser("content", help="a new bundle version with today's names and advice translations, same models")
    rc.add_argument("bundle", type=Path, help="the signed bundle to start from")
    rc.add_argument("--out", type=Path, required=True, help="where to write the new bundle (may be the same folder)")
    rc.add_argument("--version", required=True, help="the new bundle version (above the old one)")
    rc.add_argument("--key", type=Path, help="signing key JSON (default ~/.leafcheck/signing-key.json)")
    vb = sub.add_parser("verify", help="verify a bundle like the app does")
    vb.add_argument("bundle", type=Path)
    cb = sub.add_parser("compare-backbones", help="the candidate backbones under one frozen-feature recipe, side by side")
    cb.add_argument("--run-dir", type=Path, required=True, help="a run folder with splits.csv")
    cb.add_argument("--data", type=Path, default=Path("../shared/data"))
    cb.add_argument("--out", type=Path, required=True)
    cb.add_argument("--per-class", type=int, default=80)
    pl = sub.add_parser("pipeline", help="run every step from a TOML config")
    pl.add_argument("--config", type=Path, default=Path("trainer/configs/default.toml"))
    a = p.parse_args(argv)
    try:
        result = run(a)
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str)[:4000])
    return 0


def _signing_key(path: Path | None) -> SigningKey | None:
    """--key FILE, else None (the step then uses this machine's key, ~/.leafcheck/signing-key.json)."""
    if path is None:
        return None
    from trainer.bundle.signing import SigningKey

    k = json.loads(path.read_text())
    return SigningKey(k["keyId"], k["publicKeyHex"], k["privateKeyHex"])


def run(a: argparse.Namespace) -> object:
    if a.step == "validate":
        from trainer.validate import summary, validate

        return summary(validate(a.data, a.out, a.skip_corrupt))
    if a.step == "split":
        from trainer.split import split

        return split(a.data, a.out, a.val, a.test)["totals"]
    if a.step == "train":
        from trainer.train import TrainConfig, train

        return train(TrainConfig(**{f.name: getattr(a, f.name) for f in dataclasses.fields(TrainConfig)}))
    if a.step == "calibrate":
        from trainer.calibrate import calibrate

        return calibrate(a.run_dir, a.data, target=a.target)
    if a.step == "evaluate":
        from trainer.evaluate import evaluate

        res = evaluate(a.model, a.data, a.out, a.splits, a.split, not a.no_latency, a.field_proxy, a.int8)
        return {k: v for k, v in res.items() if k not in ("species", "disease")} | {
            "species.top1": res["species"]["accuracy"],
            "disease.top1": res["disease"]["accuracy"],
        }
    if a.step == "export":
        from trainer.export import export

        return {k: v for k, v in export(a.run_dir, a.data, int8=a.int8, int8_scheme=a.int8_scheme).items() if k != "meta"}
    if a.step == "bundle":
        from trainer.make_bundle import DEFAULT_ADVICE, make_bundle
        from trainer.pipeline import load_config
        from trainer.sources.feedback_bundle import complete_field_checks

        full = load_config(a.config)
        cfg = full["bundle"]
        complete_field_checks(a.run_dir, full)  # a run folder from Modal: served-bundle slice and agreement, here
        key = _signing_key(a.key)
        signed = make_bundle(
            a.run_dir,
            a.out,
            version=a.version or cfg["version"],
            command=cfg["command"],
            sources=cfg["sources"],
            advice=a.advice or DEFAULT_ADVICE,
            key=key,
            int8=a.int8,
        )
        return {"bundleVersion": signed["bundleVersion"], "metrics": signed["metrics"]}
    if a.step == "compare-backbones":
        from trainer.compare_backbones import compare

        return compare(a.run_dir, a.data, a.out, a.per_class)
    if a.step == "content":
        from trainer.refresh_content import refresh_content

        return refresh_content(a.bundle, a.out, a.version, _signing_key(a.key))
    if a.step == "verify":
        from trainer.make_bundle import verify

        return verify(a.bundle)
    from trainer.pipeline import run_pipeline

    return run_pipeline(a.config)


if __name__ == "__main__":
    raise SystemExit(main())
