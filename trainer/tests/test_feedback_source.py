"""The feedback export as a training source: shared schema fixtures, validation with counted skip reasons,
refusals that leave nothing behind, provenance and leaf groups, and the combined run data root."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from trainer.data import scan
from trainer.errors import DataError
from trainer.sources import is_lab_photo
from trainer.sources.combined import prepare_run_data
from trainer.sources.feedback import ingest, schema_errors

from .conftest import make_image, make_imagefolder
from .feedback_exports import jpeg_bytes, record, write_export

CASES = Path(__file__).resolve().parents[2] / "packages" / "sync" / "fixtures" / "feedback-export" / "cases.json"
KNOWN = {"Tomato___healthy", "Tomato___Late_blight", "Bean___healthy", "Background_without_leaves"}


@pytest.mark.parametrize("case", json.loads(CASES.read_text())["cases"], ids=lambda c: c["name"])
def test_shared_schema_fixtures(case: dict) -> None:  # type: ignore[type-arg]
    assert (schema_errors(case["document"]) == []) == case["valid"], case["why"]


def photo(seed: int, size: int = 96) -> bytes:
    return jpeg_bytes(make_image(np.random.default_rng(seed), (60 + seed, 160, 60), 3, size))


def test_ingest_keeps_provenance_and_counts_every_skip(tmp_path: Path) -> None:
    good = [record(photo(i), "Tomato___healthy", device="dev-a", day=f"2026-11-2{i % 2}") for i in range(3)]
    new = record(photo(10), "Cassava___Mosaic_disease", new_class=True)
    unknown = record(photo(11), "Cassava___Brown_streak")  # not declared new, not known
    dup_id = dict(good[0])
    dup_pixels = record(photo(0), "Tomato___healthy")  # the same bytes as good[0] under another id
    broken = record(b"\xff\xd8 not a jpeg", "Tomato___healthy")
    small = record(photo(12, size=32), "Tomato___healthy")
    missing = record(photo(13), "Tomato___healthy")
    tampered = record(photo(14), "Tomato___healthy")
    items = [(r, photo(i)) for i, r in enumerate(good)] + [
        (new, photo(10)),
        (unknown, photo(11)),
        (dup_id, photo(0)),
        (dup_pixels, photo(0)),
        (broken, b"\xff\xd8 not a jpeg"),
        (small, photo(12, size=32)),
        (missing, None),
        (tampered, photo(15)),
    ]
    export = write_export(tmp_path / "export.tar.gz", items, served_labels=sorted(KNOWN))
    report = ingest(export, tmp_path / "fb", KNOWN)
    assert report["records"] == 11
    assert report["accepted"] == 4
    assert report["skipped"] == {
        "photo-missing": 1,
        "photo-hash-mismatch": 1,
        "undecodable": 1,
        "too-small": 1,
        "unknown-label": 1,
        "duplicate-record": 1,
        "duplicate-photo": 1,
    }
    assert report["skippedIds"]["unknown-label"] == [unknown["id"]]
    assert report["newClasses"] == ["Cassava___Mosaic_disease"]
    assert len(report["exportSha256"]) == 64
    samples = scan(tmp_path / "fb")
    assert sorted(s.label for s in samples) == ["Cassava___Mosaic_disease", *["Tomato___healthy"] * 3]
    assert {s.group for s in samples} == {"device:dev-a/2026-11-20", "device:dev-a/2026-11-21", "device:device-0001/2026-11-30"}
    assert sorted(p.name for p in (tmp_path / "fb" / "photos").iterdir()) == sorted(f"{r['id']}.jpg" for r in [*good, new])
    prov = [json.loads(line) for line in (tmp_path / "fb" / "provenance.jsonl").read_text().splitlines()]
    assert {p["id"] for p in prov} == {r["id"] for r in [*good, new]}
    assert next(p for p in prov if p["id"] == new["id"])["newClass"] is True
    assert prov[0]["review"]["decision"] == "label" and prov[0]["farmer"]["verdict"] == "wrong"


def test_duplicate_of_a_base_photo_is_skipped(tmp_path: Path) -> None:
    from trainer.sources.feedback import pixel_hash

    base = make_imagefolder(tmp_path / "base", per_class=2)
    base_photo = base / "Tomato___healthy" / "img000.jpg"
    rec = record(base_photo.read_bytes(), "Tomato___healthy")
    report = ingest(
        write_export(tmp_path / "e.tar.gz", [(rec, base_photo.read_bytes())]),
        tmp_path / "fb",
        KNOWN,
        {pixel_hash(base_photo)},
        min_side=32,
    )
    assert report["accepted"] == 0 and report["skipped"] == {"duplicate-of-base": 1}


def _nothing_left(tmp_path: Path) -> None:
    assert not (tmp_path / "fb").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".fb")] == []


def test_truncated_tarball_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    items = [(record(photo(i), "Tomato___healthy"), photo(i)) for i in range(4)]
    full = write_export(tmp_path / "full.tar.gz", items).read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(full[: len(full) * 2 // 3])
    with pytest.raises(DataError, match=r"truncated or not a tar\.gz"):
        ingest(cut, tmp_path / "fb", KNOWN)
    _nothing_left(tmp_path)


def test_export_json_outside_the_schema_is_refused(tmp_path: Path) -> None:
    rec = record(photo(1), "Tomato___healthy")
    doc = {
        "format": "leafcheck-feedback-export",
        "formatVersion": 2,
        "createdAt": "2026-12-01T10:00:00Z",
        "servedBundle": None,
        "records": [rec],
    }
    with pytest.raises(DataError, match="formatVersion"):
        ingest(write_export(tmp_path / "e.tar.gz", [(rec, photo(1))], document=doc), tmp_path / "fb", KNOWN)
    _nothing_left(tmp_path)


def test_a_member_outside_the_export_is_refused(tmp_path: Path) -> None:
    import io
    import tarfile

    path = tmp_path / "evil.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("leafcheck-feedback/../../escape.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(DataError, match="outside leafcheck-feedback"):
        ingest(path, tmp_path / "fb", KNOWN)
    _nothing_left(tmp_path)
    assert not (tmp_path.parent / "escape.txt").exists()


def test_run_data_root_joins_base_and_feedback_as_field_photos(tmp_path: Path) -> None:
    base = make_imagefolder(tmp_path / "base", per_class=3)
    recs = [(record(photo(i), "Cassava___Mosaic_disease", new_class=True), photo(i)) for i in range(2)]
    export = write_export(tmp_path / "e.tar.gz", recs)
    root, report = prepare_run_data(base, export, tmp_path / "run", set(KNOWN), tmp_path / "cache", min_side=64, workers=1)
    samples = scan(root)
    assert len(samples) == 4 * 3 + 2
    fb = [s for s in samples if s.path.startswith("feedback/")]
    assert {s.label for s in fb} == {"Cassava___Mosaic_disease"} and all(s.group.startswith("device:") for s in fb)
    assert all((root / s.path).is_file() for s in samples)
    assert not any(is_lab_photo(s.path, s.label) for s in fb)
    assert is_lab_photo("plantvillage/Tomato___healthy/x.jpg", "Tomato___healthy")
    again, _ = prepare_run_data(base, export, tmp_path / "run", set(KNOWN), tmp_path / "cache", min_side=64, workers=1)
    assert again == root and report["accepted"] == 2
    other = write_export(tmp_path / "other.tar.gz", recs[:1])
    with pytest.raises(DataError, match="another feedback export"):
        prepare_run_data(base, other, tmp_path / "run", set(KNOWN), tmp_path / "cache", min_side=64, workers=1)


def test_min_side_uses_the_shorter_side(tmp_path: Path) -> None:
    wide = jpeg_bytes(Image.new("RGB", (200, 40), (80, 150, 60)))
    rec = record(wide, "Tomato___healthy")
    report = ingest(write_export(tmp_path / "e.tar.gz", [(rec, wide)]), tmp_path / "fb", KNOWN, min_side=64)
    assert report["skipped"] == {"too-small": 1}
