import json
from pathlib import Path

import pytest

from trainer.errors import DataError
from trainer.validate import validate

from .conftest import make_imagefolder


def test_report_counts_and_duplicates(tiny_data: Path, tmp_path: Path) -> None:
    dup = tiny_data / "Tomato___healthy" / "copy.jpg"
    dup.write_bytes((tiny_data / "Tomato___healthy" / "img000.jpg").read_bytes())
    report = validate(tiny_data, tmp_path / "out", workers=1)
    assert report["total"] == 65 and report["valid"] == 65 and report["corrupt"] == []
    assert report["perClass"]["Tomato___healthy"] == 17
    assert report["smallClasses"] == sorted(report["perClass"])  # all under 50 images
    assert ["Tomato___healthy/copy.jpg", "Tomato___healthy/img000.jpg"] in [sorted(g) for g in report["exactDuplicates"]]
    assert report["unknownClasses"] == []
    saved = json.loads((tmp_path / "out" / "validation.json").read_text())
    assert saved["total"] == 65
    assert "65 total" in (tmp_path / "out" / "validation.md").read_text()


def test_imbalance_is_flagged(tmp_path: Path) -> None:
    root = make_imagefolder(tmp_path / "d", per_class=32)
    for i in range(3, 32):  # leave Bean with 3 images, the others with 32
        (root / "Bean___healthy" / f"img{i:03d}.jpg").unlink()
    report = validate(root, tmp_path / "out", workers=1)
    assert report["imbalance"] == 10.67 and report["imbalanced"] is True


def test_corrupt_image_is_refused_and_named(tiny_data: Path, tmp_path: Path) -> None:
    bad = tiny_data / "Bean___healthy" / "broken.jpg"
    bad.write_bytes((tiny_data / "Bean___healthy" / "img000.jpg").read_bytes()[:200])
    with pytest.raises(DataError, match=r"1 corrupt image.*--skip-corrupt.*Bean___healthy/broken\.jpg"):
        validate(tiny_data, tmp_path / "out", workers=1)
    report = validate(tiny_data, tmp_path / "out", skip_corrupt=True, workers=1)
    assert [c["path"] for c in report["corrupt"]] == ["Bean___healthy/broken.jpg"]
    assert report["valid"] == 64


def test_empty_class_folder_is_an_error(tiny_data: Path, tmp_path: Path) -> None:
    (tiny_data / "Potato___healthy").mkdir()
    with pytest.raises(DataError, match=r"class folder.*with no images: Potato___healthy"):
        validate(tiny_data, tmp_path / "out", workers=1)


def test_class_outside_taxonomy_is_an_error(tiny_data: Path, tmp_path: Path) -> None:
    (tiny_data / "Tomato___healthy").rename(tiny_data / "Tomatoe___healthy")
    with pytest.raises(DataError, match="outside the taxonomy: Tomatoe___healthy"):
        validate(tiny_data, tmp_path / "out", workers=1)
