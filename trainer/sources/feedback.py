"""The API's reviewed-feedback export (GET /v1/export) as a training source.

The export is a tar.gz of `leafcheck-feedback/export.json` (schema: packages/sync/schema/feedback-export.schema.json,
shared with the API) and `leafcheck-feedback/photos/<record id>.jpg`. `ingest` unpacks it into a staging folder
beside the destination, checks every record and renames the folder into place only when all of it was read: a
truncated tarball or a bad export.json refuses the whole export, and nothing half-written reaches the data root.
Records that cannot be used are skipped, each with a counted reason:

- `photo-missing`, `photo-hash-mismatch`: the tarball lacks the photo or its bytes differ from export.json;
- `undecodable`: the photo does not decode; `too-small`: its shorter side is under `min_side` pixels;
- `unknown-label`: a label outside the known classes that the reviewer did not declare as a new class;
- `duplicate-record`: a record id seen before in this export;
- `duplicate-photo`: the same pixels as an earlier record; `duplicate-of-base`: the same pixels as a base image.

The ingested folder holds `photos/`, `manifest.csv` (what trainer/data.py `scan()` reads; the leaf group is the
record's device and day), `provenance.jsonl` (record id, reviewer decision, model answer, farmer verdict) and
`ingest.json` (the export's sha256, counts, skip reasons, declared new classes).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import tarfile
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from trainer.data import open_rgb
from trainer.errors import DataError

REPO = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO / "packages" / "sync" / "schema" / "feedback-export.schema.json"
EXPORT_ROOT = "leafcheck-feedback"
MIN_SIDE = 64
MAX_EXPORT_BYTES = 8 << 30  # unpacked; a bound against a decompression bomb, far above any real export
SKIP_REASONS = (
    "photo-missing",
    "photo-hash-mismatch",
    "undecodable",
    "too-small",
    "unknown-label",
    "duplicate-record",
    "duplicate-photo",
    "duplicate-of-base",
)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def pixel_hash(path: Path) -> str:
    """sha256 of the decoded, EXIF-oriented RGB pixels and their size: equal for the same image in another file."""
    img = open_rgb(path)
    return hashlib.sha256(f"{img.width}x{img.height}/".encode() + img.tobytes()).hexdigest()


def schema_errors(document: Any) -> list[str]:
    validator = Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    deepest = [e for e in errors if not e.context] or errors
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in deepest[:5]]


def _unpack(tarball: Path, staging: Path) -> None:
    """Every member of the tarball into staging, or DataError (truncated, not a tar.gz, a member outside the export)."""
    total = 0
    try:
        with tarfile.open(tarball, mode="r:gz") as tar:
            for member in tar:
                name = member.name.removeprefix("./")
                if member.isdir():
                    continue
                if not member.isfile():
                    raise DataError(f"{tarball.name}: {name} is not a regular file; an export holds only files")
                parts = name.split("/")
                if parts[0] != EXPORT_ROOT or ".." in parts or len(parts) not in (2, 3):
                    raise DataError(f"{tarball.name}: {name} is outside {EXPORT_ROOT}/ (export.json, photos/<id>.jpg)")
                total += member.size
                if total > MAX_EXPORT_BYTES:
                    raise DataError(f"{tarball.name} unpacks to more than {MAX_EXPORT_BYTES} bytes; refusing it")
                # Written by hand rather than tar.extract(filter="data"): Debian bookworm's Python 3.11.2 predates
                # extraction filters (3.11.4), and the checks above already are that filter for a regular file.
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                if source is None:  # isfile() said regular; tarfile could not open it all the same
                    raise DataError(f"{tarball.name}: {name} cannot be read from the archive; nothing was ingested")
                with source, target.open("wb") as out:
                    shutil.copyfileobj(source, out)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as err:
        why = f"{type(err).__name__}: {err}"
        raise DataError(f"{tarball.name} is truncated or not a tar.gz export ({why}); nothing was ingested") from err


def ingest(
    tarball: Path,
    dest: Path,
    known_labels: set[str],
    base_pixel_hashes: set[str] | None = None,
    min_side: int = MIN_SIDE,
) -> dict[str, Any]:
    """Validate the export and make `dest` (which must not exist) the folder of its usable records; returns ingest.json."""
    if dest.exists():
        raise DataError(f"{dest} already exists; ingest into a new folder")
    if not tarball.is_file():
        raise DataError(f"feedback export {tarball} does not exist")
    export_sha = sha256_file(tarball)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = dest.parent / f".{dest.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        report = _ingest_into(tarball, export_sha, staging, known_labels, base_pixel_hashes or set(), min_side)
        os.replace(staging, dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


def _ingest_into(
    tarball: Path, export_sha: str, staging: Path, known: set[str], base_pixels: set[str], min_side: int
) -> dict[str, Any]:
    _unpack(tarball, staging)
    root = staging / EXPORT_ROOT
    manifest_path = root / "export.json"
    if not manifest_path.is_file():
        raise DataError(f"{tarball.name} has no {EXPORT_ROOT}/export.json; is it an export of this API version?")
    try:
        document = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataError(f"{tarball.name}: export.json is not JSON ({err})") from err
    errors = schema_errors(document)
    if errors:
        raise DataError(f"{tarball.name}: export.json does not match feedback-export.schema.json: {'; '.join(errors)}")
    served = document["servedBundle"]
    known = known | set(served["labels"] if served else [])
    skipped: Counter[str] = Counter()
    skipped_ids: dict[str, list[str]] = {}
    seen_ids: set[str] = set()
    seen_pixels: set[str] = set()
    rows: list[dict[str, str]] = []
    provenance: list[dict[str, Any]] = []
    new_classes: set[str] = set()

    def skip(reason: str, record_id: str) -> None:
        skipped[reason] += 1
        skipped_ids.setdefault(reason, []).append(record_id)

    for rec in document["records"]:
        rid, photo = rec["id"], root / rec["photo"]
        if rid in seen_ids:
            skip("duplicate-record", rid)
            continue
        seen_ids.add(rid)
        if rec["label"] not in known and not rec["newClass"]:
            skip("unknown-label", rid)
            continue
        if not photo.is_file():
            skip("photo-missing", rid)
            continue
        if sha256_file(photo) != rec["sha256"]:
            skip("photo-hash-mismatch", rid)
            continue
        try:
            img = open_rgb(photo)
        except DataError:
            skip("undecodable", rid)
            continue
        if min(img.size) < min_side:
            skip("too-small", rid)
            continue
        pixels = hashlib.sha256(f"{img.width}x{img.height}/".encode() + img.tobytes()).hexdigest()
        if pixels in base_pixels:
            skip("duplicate-of-base", rid)
            continue
        if pixels in seen_pixels:
            skip("duplicate-photo", rid)
            continue
        seen_pixels.add(pixels)
        if rec["label"] not in known:
            new_classes.add(rec["label"])
        rows.append(
            {"relative_path": rec["photo"], "class": rec["label"], "sha256": rec["sha256"], "leaf_group": rec["leafGroup"]}
        )
        provenance.append(
            {
                "id": rid,
                "label": rec["label"],
                "newClass": rec["label"] not in known,
                "leafGroup": rec["leafGroup"],
                "review": rec["review"],
                "model": rec["model"],
                "farmer": rec["farmer"],
            }
        )
    used = {r["relative_path"] for r in rows}
    for path in (root / "photos").glob("*") if (root / "photos").is_dir() else []:
        if f"photos/{path.name}" not in used:
            path.unlink()  # a skipped record's photo never reaches the data root
    (root / "photos").mkdir(exist_ok=True)
    with (root / "manifest.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["relative_path", "class", "sha256", "leaf_group"])
        w.writeheader()
        w.writerows(rows)
    (root / "provenance.jsonl").write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in provenance))
    report: dict[str, Any] = {
        "export": tarball.name,
        "exportSha256": export_sha,
        "exportCreatedAt": document["createdAt"],
        "servedBundle": served["version"] if served else None,
        "records": len(document["records"]),
        "accepted": len(rows),
        "skipped": {reason: skipped[reason] for reason in SKIP_REASONS if skipped[reason]},
        "skippedIds": skipped_ids,
        "newClasses": sorted(new_classes),
        "perClass": dict(sorted(Counter(r["class"] for r in rows).items())),
    }
    (root / "ingest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    manifest_path.unlink()
    for item in root.iterdir():  # the export's own folder becomes the ingested folder
        item.rename(staging / item.name)
    root.rmdir()
    return report
