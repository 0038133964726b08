"""model-card.md for a bundle: what the model does, on what data, how well, and where it fails."""

from __future__ import annotations

from typing import Any


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}%"


def metrics_table(metrics: dict[str, float], targets: dict[str, str]) -> list[str]:
    lines = ["| metric | value | target |", "|---|---:|---|"]
    for key, value in metrics.items():
        if key.startswith("ece"):
            shown = f"{value:.4f}"
        elif key.startswith("latency"):
            shown = f"{value:.2f} ms"
        elif key.startswith(("size", "test.images")) or key.endswith(".n"):
            shown = f"{int(value):,}"
        else:
            shown = _pct(value)
        lines.append(f"| `{key}` | {shown} | {targets.get(key, '')} |")
    return lines


def render(ctx: dict[str, Any]) -> str:
    cal, ev, tr = ctx["calibration"], ctx["evaluation"], ctx["train"]
    th = cal["thresholds"]
    out = [
        f"# Leafcheck model bundle {ctx['bundleVersion']}",
        "",
        f"Two image classifiers for the Leafcheck app in one ONNX graph, `{ctx['file']}`, run in the browser with "
        "onnxruntime-web; one run gives both outputs:",
        f"- `{ctx['outputs']['species']}` (species): {len(ctx['speciesLabels']) - 1} crops plus `{ctx['notALeaf']}` "
        "(no leaf in the photo);",
        f"- `{ctx['outputs']['disease']}` (disease): {len(ctx['diseaseLabels'])} `Crop___Disease` classes; "
        "the app reads the diseases of the chosen or predicted crop.",
        "",
        f"Both heads sit on one fine-tuned backbone ({ctx['arch']}, initialised from {ctx['baseWeights']}), which the graph "
        f"runs once. Input: uint8 RGB, NHWC, {ctx['size']}x{ctx['size']}, centre square crop then bilinear "
        "resize (normalisation is inside the graph). Outputs: logits; divide by the manifest temperature before softmax.",
        "",
        "## Data and licences",
        "",
        "| source | images | licence |",
        "|---|---:|---|",
    ]
    out += [f"| {s['name']} | {s.get('images', '')} | {s['licence']} |" for s in ctx["dataSources"]]
    out += [
        "",
        "PlantVillage images are lab photos of single detached leaves on plain backgrounds; iBean images are smartphone "
        "field photos of beans in Uganda. Splits: PlantVillage by a hash of each image's `leaf_group` (all photos of one "
        "leaf on one side), iBean in its official train/validation/test folders. Cite PlantVillage (Hughes & Salathé) and iBean "
        "(Makerere AI Lab, 2020).",
        "",
        f"## Held-out test metrics ({ev['images']} test images)",
        "",
        "Measured by `python -m trainer evaluate` on the exported ONNX graph, as the app runs it.",
        "",
        *metrics_table(ctx["metrics"], ctx["targets"]),
        "",
        "`fieldProxy.*` rows: the same test images with seeded field-like changes (procedural soil/foliage backgrounds "
        "behind the lab leaves, crops, rotation, light, blur, shadows, occlusion). This is the training augmentation family, "
        "so it flatters augmented models; it is not a substitute for real field photos.",
        "",
        f"Latency is the median of {ev.get('latencyMs', {}).get('runs', 0)} runs of the graph (both heads), batch 1, "
        "native onnxruntime (CPU, 1 thread) on the training machine, which was shared with other jobs (1-minute load average "
        f"{ev.get('latencyMs', {}).get('loadAverage1m', float('nan')):.1f} on 2 cores while timing).",
        "",
        *ctx.get("int8Section", []),
        *ctx.get("feedbackSection", []),
        '## Calibration and the "not sure" rule',
        "",
        f"Temperature scaling on the validation split: species T = {cal['temperature']['species']:.3f} (ECE "
        f"{cal['ece']['species']['before']:.4f} -> {cal['ece']['species']['after']:.4f}), disease T = "
        f"{cal['temperature']['disease']:.3f} (ECE {cal['ece']['disease']['before']:.4f} -> "
        f"{cal['ece']['disease']['after']:.4f}).",
        "",
        f"Thresholds: not-a-leaf {th['notALeaf']}, crop {th['crop']}, disease {th['disease']}, margin {th['margin']}. "
        "The not-a-leaf cut (searched in 0.3-0.9) maximises balanced accuracy on validation; crop, disease and margin are "
        "the grid point "
        f"(crop and disease from 0.5) with the highest coverage whose confident answers are at least "
        f"{_pct(cal['thresholdSelection']['target'])} right on validation (there: coverage "
        f"{_pct(cal['thresholdSelection']['coverage'])}, accuracy {_pct(cal['thresholdSelection']['selectiveAccuracy'])}). "
        f"On the test split the rule answers {_pct(ev['notSure']['coverage'])} of leaf photos, "
        f"{_pct(ev['notSure']['accuracy'])} of them right.",
        "",
        "## Intended use",
        "",
        "A first opinion for farmers and extension workers on a leaf photo of a supported crop, offline, with advice from "
        '`advice.json`. It is not a laboratory diagnosis; when the app says "not sure", take a clearer photo or ask an expert.',
        "",
        "## Limitations",
        "",
        "- **Lab vs field.** All crops except beans were trained on lab photos (one leaf, plain card, even light). The "
        "PlantVillage test numbers above are lab numbers; on field photos of those crops accuracy will be clearly lower. "
        "Augmentation (background compositing, shadows, blur, occlusion, colour jitter) narrows but does not close this gap. "
        "Only the iBean numbers are field numbers, and only for beans.",
        "- Each PlantVillage class comes from one lab session; the model may partly rely on background or lighting.",
        f"- The not-a-leaf class (`{ctx['notALeaf']}`) was trained on everyday scenes (buildings, rooms, snow), not on soil, "
        "hands or tables; treat its rejection rate as optimistic.",
        '- Crops and diseases outside the taxonomy (peach, soybean, squash, any other crop) get a wrong answer or "not sure".',
        "- Labels come from the source datasets and were not checked by a plant pathologist.",
        "",
        "## Training",
        "",
        f"Phases run (progressive unfreezing, CPU): {ctx['phases']}. Heads train on cached frozen features, then the last "
        "backbone stages, then all layers at a low learning rate; AdamW, class-weighted loss, BatchNorm statistics frozen. "
        "Final validation accuracy: species "
        f"{_pct(tr.get('val_acc_species'))}, disease "
        f"{_pct(tr.get('val_acc_disease'))}. Run `{ctx['runId']}`, code commit `{ctx['codeCommit']}`.",
        "",
        "## Reproduce",
        "",
        "```sh",
        ctx["command"],
        "```",
        "",
    ]
    return "\n".join(out)
