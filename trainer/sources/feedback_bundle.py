"""What a bundle trained on reviewed feedback says about it: a data source naming the export's sha256, the
`feedback.*` metrics, model-card lines, and advice for declared new classes (which have none yet).

All of it is read back from the run folder (`data/feedback/ingest.json`, `eval-feedback/metrics.json`), so the
bundle step gives the same answer here and for a run folder that came back from Modal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trainer.sources import FEEDBACK_PREFIX
from trainer.sources.agreement import agreement_metrics
from trainer.sources.feedback_eval import feedback_metrics

NO_ADVICE_YET = {
    "summary": "Leafcheck has no advice for this problem yet; it was added recently from farmers' photos.",
    "symptoms": ["Compare your leaf with photos from your extension officer or agro-dealer."],
    "actions": ["Ask your extension officer or agro-dealer what to do before you spray anything."],
    "prevention": ["Keep the plants you see this on apart and watch whether it spreads."],
    "urgency": "medium",
    "source": {"name": "No source yet: the class came from reviewed field feedback"},
}


def feedback_context(run_dir: Path) -> dict[str, Any] | None:
    ingest = run_dir / "data" / "feedback" / "ingest.json"
    if not ingest.is_file():
        return None

    def read(name: str) -> dict[str, Any]:
        path = run_dir / name / "metrics.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    return {"ingest": json.loads(ingest.read_text()), "slice": read("eval-feedback"), "agreement": read("eval-agreement")}


def complete_field_checks(run_dir: Path, cfg: dict[str, Any]) -> None:
    """For a run folder trained elsewhere (Modal): the checks that need what only this machine has, the served bundle
    and the unlabelled photos, run here before the bundle is made (no-ops when the run already has them)."""
    from trainer.sources.agreement import agreement
    from trainer.sources.feedback_eval import feedback_slice

    fb, agree = cfg.get("feedback", {}), cfg.get("agreement", {})
    if not fb.get("served_bundle"):
        return
    served = Path(fb["served_bundle"])
    sliced = run_dir / "eval-feedback" / "metrics.json"
    unscored = not sliced.is_file() or json.loads(sliced.read_text()).get("served") is None
    if (run_dir / "data" / "feedback").is_dir() and unscored:
        feedback_slice(run_dir, run_dir / "data", run_dir / "eval-feedback", served)
    if agree.get("photos") and not (run_dir / "eval-agreement" / "metrics.json").is_file():
        agreement(run_dir, served, Path(agree["photos"]), run_dir / "eval-agreement")


def feedback_source(ctx: dict[str, Any]) -> dict[str, str]:
    """The [[bundle.sources]] entry for the feedback photos; its name carries the export snapshot's hash."""
    ing = ctx["ingest"]
    return {
        "prefix": FEEDBACK_PREFIX,
        "name": (
            f"Leafcheck field feedback reviewed by agronomists, export sha256:{ing['exportSha256']} "
            f"({ing['accepted']} of {ing['records']} records used)"
        ),
        "licence": "photos farmers sent from the Leafcheck app under its terms; labels by Leafcheck's agronomists",
    }


def metrics(ctx: dict[str, Any] | None) -> dict[str, float]:
    return {**feedback_metrics(ctx["slice"]), **agreement_metrics(ctx["agreement"])} if ctx else {}


def bundle_advice(advice: Path, labels: list[str], ctx: dict[str, Any] | None, out: Path) -> Path:
    """The advice the bundle ships: `advice` itself when it covers exactly `labels`, else a copy in `out` with only
    their entries (the bundle's advice must match its labels) and a plain "no advice yet" entry for each declared new
    class it lacks. A label without advice that was not declared new stays missing, for check_advice to report."""
    if not advice.is_file():
        return advice  # check_advice says what is wrong with it
    doc = json.loads(advice.read_text())
    entries = doc.get("entries", {})
    declared = set(ctx["ingest"]["newClasses"]) if ctx else set()
    kept = {lab: entries[lab] for lab in labels if lab in entries}
    for lab in labels:
        if lab not in entries and lab in declared:
            name = lab.split("___", 1)[-1].replace("_", " ").strip()[:60]
            kept[lab] = {"name": name if len(name) >= 2 else lab[:60], **NO_ADVICE_YET}
    if kept == entries:
        return advice
    out.write_text(json.dumps({**doc, "entries": kept}, indent=2, ensure_ascii=False) + "\n")
    return out


def card_section(ctx: dict[str, Any] | None) -> list[str]:
    if ctx is None:
        return []
    ing, sl = ctx["ingest"], ctx["slice"]
    skipped = ", ".join(f"{k} {v}" for k, v in ing["skipped"].items()) or "none"
    lines = [
        "## Reviewed field feedback",
        "",
        f"Trained on the API's export `sha256:{ing['exportSha256']}` (made {ing['exportCreatedAt']}, served bundle "
        f"{ing['servedBundle'] or 'none'}): {ing['accepted']} of {ing['records']} reviewed photos used; skipped: {skipped}. "
        "Feedback photos are field photos (never pasted onto other backgrounds); each device's photos of one day stay on "
        "one side of the split.",
    ]
    if ing["newClasses"]:
        lines.append(f"New classes declared by the reviewers: {', '.join(ing['newClasses'])} (advice.json may have none yet).")
    cand, served = sl.get("candidate"), sl.get("served")
    if cand:
        vs = f"; the served bundle {sl['servedBundle']}: {100 * served['top1']:.1f}%" if served else ""
        lines.append(f"Held-out feedback slice ({sl['images']} photos): this bundle {100 * cand['top1']:.1f}% top-1{vs}.")
    ag = ctx["agreement"]
    if ag.get("photos"):
        crops = ", ".join(f"{c} {100 * v['rate']:.0f}% of {v['n']}" for c, v in ag["byCrop"].items())
        lines.append(
            f"Agreement with the served bundle on {ag['photos']} recent unlabelled photos: {100 * ag['rate']:.1f}% ({crops}); "
            f"it contradicts {100 * ag['confidentDisagreement']:.1f}% of the served bundle's "
            f"{ag['servedConfident']} confident answers."
        )
    return [*lines, ""]
