"""validate: counts, corrupt files, duplicates, small classes, imbalance and unknown class names."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from trainer.data import Sample, open_rgb, parallel_map, scan
from trainer.errors import DataError
from trainer.taxonomy import unknown_classes

MIN_PER_CLASS = 50
MAX_IMBALANCE = 10.0


def _check(path: str) -> tuple[str, str]:
    """(error or '', 64-bit difference hash as hex) for one file."""
    try:
        img = open_rgb(Path(path))
    except DataError as err:
        return str(err.__cause__ or err), ""
    small = np.asarray(img.convert("L").resize((9, 8), Image.Resampling.BILINEAR), dtype=np.int16)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return "", f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def validate(
    root: Path, out_dir: Path, skip_corrupt: bool = False, workers: int = 2, declared_classes: Collection[str] = ()
) -> dict[str, Any]:
    """declared_classes: allowed beyond trainer/taxonomy.py (the config's and the feedback export's new classes)."""
    samples = scan(root)
    paths = [str(root / s.path) for s in samples]
    checks = parallel_map(_check, paths, workers)
    corrupt = [{"path": s.path, "error": err} for s, (err, _) in zip(samples, checks, strict=True) if err]
    valid = [(s, h) for s, (err, h) in zip(samples, checks, strict=True) if not err]
    counts = Counter(s.label for s, _ in valid)
    by_sha: dict[str, list[Sample]] = defaultdict(list)
    by_dhash: dict[str, list[Sample]] = defaultdict(list)
    for s, h in valid:
        by_sha[s.sha256].append(s)
        by_dhash[h].append(s)
    exact = [[x.path for x in group] for group in by_sha.values() if len(group) > 1]
    near = [[x.path for x in group] for group in by_dhash.values() if len({x.sha256 for x in group}) > 1]
    cross = [g for g in exact + near if len({p.split("/")[-2] for p in g}) > 1]
    smallest, largest = (min(counts.values()), max(counts.values())) if counts else (0, 0)
    report: dict[str, Any] = {
        "root": str(root),
        "total": len(samples),
        "valid": len(valid),
        "corrupt": corrupt,
        "perClass": dict(sorted(counts.items())),
        "smallClasses": sorted(c for c, n in counts.items() if n < MIN_PER_CLASS),
        "imbalance": round(largest / smallest, 2) if smallest else None,
        "imbalanced": bool(smallest and largest / smallest > MAX_IMBALANCE),
        "exactDuplicates": exact,
        "nearDuplicates": near,
        "crossClassDuplicates": cross,
        "unknownClasses": unknown_classes(list({s.label for s in samples}), declared_classes),
        "skipCorrupt": skip_corrupt,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "validation.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (out_dir / "validation.md").write_text(summary(report))
    if report["unknownClasses"]:
        raise DataError(
            f"class folder name(s) outside the taxonomy: {', '.join(report['unknownClasses'])} "
            "(expected Crop___Disease names as in PlantVillage, see trainer/taxonomy.py; declare a new one in the config's "
            "[taxonomy] classes or as a reviewed new class in the feedback export)"
        )
    if corrupt and not skip_corrupt:
        listed = "; ".join(f"{c['path']} ({c['error']})" for c in corrupt[:20])
        raise DataError(f"{len(corrupt)} corrupt image(s), refusing to train (pass --skip-corrupt to leave them out): {listed}")
    return report


def summary(r: dict[str, Any]) -> str:
    lines = [
        f"# Validation of {r['root']}",
        "",
        f"- images: {r['total']} total, {r['valid']} valid, {len(r['corrupt'])} corrupt",
        f"- classes: {len(r['perClass'])}; under {MIN_PER_CLASS} images: {', '.join(r['smallClasses']) or 'none'}",
        f"- imbalance (largest/smallest class): {r['imbalance']}" + (" — over 10x, use class weights" if r["imbalanced"] else ""),
        f"- exact duplicate groups: {len(r['exactDuplicates'])}; near-duplicate groups: {len(r['nearDuplicates'])}; "
        f"spanning two classes: {len(r['crossClassDuplicates'])}",
        f"- names outside the taxonomy: {', '.join(r['unknownClasses']) or 'none'}",
    ]
    lines += [f"- corrupt: {c['path']}: {c['error']}" for c in r["corrupt"]]
    lines += ["", "| class | images |", "|---|---:|"] + [f"| {c} | {n} |" for c, n in r["perClass"].items()]
    return "\n".join(lines) + "\n"
