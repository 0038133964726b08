"""bundle / verify: assemble a signed bundle with trainer.bundle (the contract) and check it back."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from trainer.bundle import SigningKey, TrustedKey, load_or_create_local_key, verify_bundle, write_bundle
from trainer.bundle.manifest import SCHEMA_PATH
from trainer.bundle.signing import leafcheck_home
from trainer.bundle_content import write_content
from trainer.errors import DataError
from trainer.model_card import render
from trainer.sources import feedback_bundle
from trainer.split import read_splits
from trainer.taxonomy import NOT_A_LEAF

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ADVICE = REPO / "trainer" / "advice" / "advice.json"
ADVICE_SCHEMA = SCHEMA_PATH.parent / "advice.schema.json"
TRUSTED_KEYS = REPO / "packages" / "bundle" / "trusted-keys.json"
TARGETS = {
    "disease.top1.plantvillage": ">= 97%",
    "disease.top1.ibean": ">= 95%",
    "fieldProxy.disease.top1.plantvillage": ">= 92%",
    "species.top1": ">= 99%",
    "notALeaf.rejected": ">= 98%",
    "ece.species": "<= 0.03",
    "ece.disease": "<= 0.03",
    "latency.ms.median": "<= 40 ms",  # native; the browser gets <= 1.5x that and <= 60 ms (bench/inference)
    "size.bytes": "<= 6000000",
    "confident.accuracy.plantvillage": ">= 98%",
    "confident.accuracy.ibean": ">= 98%",
}


def check_advice(path: Path, labels: list[str]) -> dict[str, Any]:
    if not path.is_file():
        raise DataError(f"advice file {path} does not exist yet (trainer/advice writes it); cannot build a bundle without advice")
    advice = json.loads(path.read_text())
    if ADVICE_SCHEMA.is_file():
        err = best_match(Draft202012Validator(json.loads(ADVICE_SCHEMA.read_text())).iter_errors(advice))
        if err is not None:
            raise DataError(
                f"{path} does not match {ADVICE_SCHEMA.name} at /{'/'.join(map(str, err.absolute_path))}: {err.message}"
            )
    missing = [lab for lab in labels if lab not in advice.get("entries", {})]
    if missing:
        raise DataError(f"{path} has no advice entry for: {', '.join(missing)}")
    return advice  # type: ignore[no-any-return]


def flat_metrics(ev: dict[str, Any], cal: dict[str, Any]) -> dict[str, float]:
    m: dict[str, float] = {}
    for src, v in ev["diseaseBySource"].items():
        m[f"disease.top1.{src}"] = v["top1"]
    m["disease.top1"] = ev["disease"]["accuracy"]
    m["disease.macroF1"] = ev["disease"]["macroF1"]
    m["species.top1"] = ev["species"]["accuracy"]
    if "notALeaf" in ev:
        m["notALeaf.rejected"] = ev["notALeaf"]["rejected"]
    m["leaf.wronglyRejected"] = ev["leafWronglyRejected"]
    m["ece.species"] = ev["species"]["ece"]
    m["ece.disease"] = ev["disease"]["ece"]
    m["ece.species.val"] = cal["ece"]["species"]["after"]
    m["ece.disease.val"] = cal["ece"]["disease"]["after"]
    m["notSure.coverage"] = ev["notSure"]["coverage"]
    m["notSure.accuracy"] = ev["notSure"]["accuracy"]
    m.update(confident_metrics(ev))
    if "latencyMs" in ev:
        m["latency.ms.median"] = ev["latencyMs"]["median"]
    m["size.bytes"] = ev["sizeBytes"]
    m["test.images.n"] = ev["images"]
    return m


def confident_metrics(ev: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Coverage and accuracy of the confident answers per source (lab, field), e.g. `confident.accuracy.ibean`."""
    out: dict[str, float] = {}
    for src, v in ev.get("confidentBySource", {}).items():
        out[f"{prefix}confident.coverage.{src}"] = v["coverage"]
        out[f"{prefix}confident.accuracy.{src}"] = v["accuracy"]
    return out


def reference_fp32_metrics(eval_dir: Path, cal: dict[str, Any]) -> dict[str, float]:
    """The fp32 graph's metrics beside an int8 bundle's (the pipeline writes eval-test-fp32 and eval-field-proxy-fp32)."""
    test, proxy = eval_dir.parent / f"{eval_dir.name}-fp32", eval_dir.parent / "eval-field-proxy-fp32"
    if not (test / "metrics.json").is_file():
        return {}
    out = flat_metrics(json.loads((test / "metrics.json").read_text()), cal)
    if (proxy / "metrics.json").is_file():
        fp = json.loads((proxy / "metrics.json").read_text())
        out.update({f"fieldProxy.disease.top1.{s}": v["top1"] for s, v in fp["diseaseBySource"].items()})
        out["fieldProxy.species.top1"] = fp["species"]["accuracy"]
        out.update(confident_metrics(fp, "fieldProxy."))
    return out


INT8_SCHEMES = {
    "static": "ONNX QDQ static quantisation, per-channel int8 weights, uint8 activations, calibrated on validation photos",
    "weights": "per-channel int8 weights dequantized by the graph, float arithmetic: the same answers on every runtime",
}


def int8_section(fp32: dict[str, float], int8: dict[str, float], scheme: str = "static") -> list[str]:
    """Model-card rows: every accuracy-like metric of the shipped int8 graph beside the fp32 graph's, in points."""
    keys = [k for k in int8 if k in fp32 and not k.startswith(("latency", "size", "test.images", "ece")) and not k.endswith(".n")]
    if not keys:
        return []
    worst = max(abs(int8[k] - fp32[k]) for k in keys)
    lines = [
        "## int8 vs fp32",
        "",
        f"The bundle ships the int8 graph ({INT8_SCHEMES[scheme]}). "
        f"Largest difference from the fp32 graph: {100 * worst:.2f} points.",
        "",
        "| metric | fp32 | int8 | points |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| `{k}` | {100 * fp32[k]:.1f}% | {100 * int8[k]:.1f}% | {100 * (int8[k] - fp32[k]):+.2f} |" for k in keys]
    for k in ("ece.species", "ece.disease"):
        if k in fp32 and k in int8:
            lines.append(f"| `{k}` | {fp32[k]:.4f} | {int8[k]:.4f} | |")
    return [*lines, ""]


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def data_sources(run_dir: Path, sources: list[dict[str, str]]) -> list[dict[str, Any]]:
    rows = read_splits(run_dir)
    out = []
    for s in sources:
        n = sum(1 for r in rows if r["path"].startswith(s["prefix"]))
        out.append({k: v for k, v in {"name": s["name"], "licence": s["licence"], "url": s.get("url"), "images": n}.items() if v})
    return out


def phases_run(run_dir: Path) -> str:
    log = run_dir / "train_log.jsonl"
    rows = [json.loads(line) for line in log.read_text().splitlines()] if log.is_file() else []
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["phase"]] = max(counts.get(r["phase"], 0), r["epoch"])
    return ", ".join(f"{p} ({n} epochs)" for p, n in counts.items()) or "unknown"


def trusted_keys() -> list[TrustedKey]:
    data = json.loads(TRUSTED_KEYS.read_text()) if TRUSTED_KEYS.is_file() else []
    return [TrustedKey(k["keyId"], k["publicKeyHex"], k.get("owner", "")) for k in data]


def make_bundle(
    run_dir: Path,
    out_dir: Path,
    *,
    version: str,
    command: str,
    sources: list[dict[str, str]],
    advice: Path = DEFAULT_ADVICE,
    key: SigningKey | None = None,
    int8: bool = False,
    eval_dir: Path | None = None,
) -> dict[str, Any]:
    ex = json.loads((run_dir / "export" / "export.json").read_text())
    cal = json.loads((run_dir / "calibration.json").read_text())
    ev = json.loads(((eval_dir or run_dir / "eval-test") / "metrics.json").read_text())
    tr = json.loads((run_dir / "train_summary.json").read_text()) if (run_dir / "train_summary.json").is_file() else {}
    meta = ex["meta"]
    feedback = feedback_bundle.feedback_context(run_dir)
    if feedback:
        sources = [*sources, feedback_bundle.feedback_source(feedback)]
    advice_path = feedback_bundle.bundle_advice(advice, [*meta["diseaseLabels"], NOT_A_LEAF], feedback, run_dir / "advice.json")
    check_advice(advice_path, [*meta["diseaseLabels"], NOT_A_LEAF])
    key = key or load_or_create_local_key()
    graph = run_dir / "export" / (ex["file"].replace(".onnx", ".int8.onnx") if int8 else ex["file"])
    model_files = dict.fromkeys(("species", "disease"), graph)  # one graph: both entries name it, each reads its output

    def model(head: str, labels: list[str]) -> dict[str, Any]:
        return {
            "file": ex["file"],
            "sha256": "0" * 64,
            "bytes": 1,
            "input": {
                "name": ex["input"],
                "layout": "NHWC",
                "dtype": "uint8",
                "height": ex["size"],
                "width": ex["size"],
                "resize": "center-crop-bilinear",
            },
            "output": {"name": ex["outputs"][head], "labels": labels},
            "temperature": round(cal["temperature"][head], 6),
            **({"cam": ex["cam"]} if head == "disease" and "cam" in ex else {}),  # where the disease evidence lies
        }

    metrics = flat_metrics(ev, cal)
    proxy = (eval_dir or run_dir / "eval-test").parent / "eval-field-proxy" / "metrics.json"
    if proxy.is_file():  # optional: the same test images with seeded field-like perturbations
        fp = json.loads(proxy.read_text())
        metrics.update({f"fieldProxy.disease.top1.{s}": v["top1"] for s, v in fp["diseaseBySource"].items()})
        metrics["fieldProxy.species.top1"] = fp["species"]["accuracy"]
        metrics.update(confident_metrics(fp, "fieldProxy."))
    metrics.update(feedback_bundle.metrics(feedback))
    fp32_metrics = reference_fp32_metrics(eval_dir or run_dir / "eval-test", cal) if int8 else {}
    provenance = {
        "dataSources": data_sources(run_dir, sources),
        "baseWeights": meta["init"],
        "codeCommit": git_commit(),
        "command": command,
        "runId": run_dir.name,
    }
    manifest = {
        "formatVersion": 1,
        "bundleVersion": version,
        "createdAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "models": {"species": model("species", meta["speciesLabels"]), "disease": model("disease", meta["diseaseLabels"])},
        "files": {},
        "taxonomy": {"crops": meta["taxonomy"], "notALeaf": NOT_A_LEAF},
        "thresholds": cal["thresholds"],
        "metrics": metrics,
        "provenance": provenance,
    }
    card = run_dir / "model-card.md"
    card.write_text(
        render(
            {
                "bundleVersion": version,
                "speciesLabels": meta["speciesLabels"],
                "diseaseLabels": meta["diseaseLabels"],
                "notALeaf": NOT_A_LEAF,
                "arch": meta["arch"],
                "baseWeights": meta["init"],
                "size": ex["size"],
                "file": ex["file"],
                "outputs": ex["outputs"],
                "dataSources": provenance["dataSources"],
                "evaluation": ev,
                "calibration": cal,
                "train": tr,
                "metrics": metrics,
                "targets": TARGETS,
                "runId": run_dir.name,
                "codeCommit": provenance["codeCommit"],
                "command": command,
                "phases": phases_run(run_dir),
                "feedbackSection": feedback_bundle.card_section(feedback),
                "int8Section": int8_section(fp32_metrics, metrics, ex.get("int8Scheme", "static")),
            }
        )
    )
    content = write_content(manifest, run_dir / "content")
    signed = write_bundle(out_dir, manifest, model_files, {"advice.json": advice_path, "model-card.md": card, **content}, key)
    verify(out_dir, extra=[key.trusted()])
    return signed


def verify(bundle_dir: Path, extra: list[TrustedKey] | None = None) -> dict[str, Any]:
    """The same checks the app runs, against packages/bundle/trusted-keys.json (plus this machine's key)."""
    keys = trusted_keys() + (extra or [])
    if not extra:
        local = leafcheck_home() / "signing-key.json"
        if local.is_file():
            keys.append(load_or_create_local_key(local).trusted())
    ok = verify_bundle(bundle_dir, keys)
    return {"bundle": str(bundle_dir), "bundleVersion": ok.manifest["bundleVersion"], "signedBy": ok.signed_by.key_id}
