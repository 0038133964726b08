import csv
from pathlib import Path

from trainer.data import Sample
from trainer.split import assign, read_splits, split

from .conftest import make_imagefolder


def test_split_is_deterministic_and_stratified(tmp_path: Path) -> None:
    data = make_imagefolder(tmp_path / "d", per_class=60)
    a = split(data, tmp_path / "a")
    split(data, tmp_path / "b")
    assert (tmp_path / "a" / "splits.csv").read_text() == (tmp_path / "b" / "splits.csv").read_text()
    for counts in a["perClass"].values():  # every class is on every side, roughly 70/15/15
        assert counts["train"] > 30 and counts["val"] >= 3 and counts["test"] >= 3


def test_adding_data_never_moves_an_image(tmp_path: Path) -> None:
    data = make_imagefolder(tmp_path / "d", per_class=20)
    split(data, tmp_path / "before")
    before = {r["path"]: r["split"] for r in read_splits(tmp_path / "before")}
    make_imagefolder(data, per_class=20, seed=1, start=500)
    split(data, tmp_path / "after")
    after = {r["path"]: r["split"] for r in read_splits(tmp_path / "after")}
    assert len(after) == 2 * len(before)
    assert all(after[p] == s for p, s in before.items())


def test_groups_stay_together_and_official_splits_are_kept() -> None:
    leaf = [Sample(f"pv/Apple___healthy/{i}.jpg", "Apple___healthy", f"{i:064x}", group="leaf:7") for i in range(30)]
    assert len({assign(s) for s in leaf}) == 1
    bean = Sample("ibean/validation/Bean___healthy/x.jpg", "Bean___healthy", "0" * 64, official="val")
    assert assign(bean) == "val"


def test_real_manifest_split_keeps_leaf_groups_on_one_side(tmp_path: Path) -> None:
    from .conftest import REAL_DATA

    if not (REAL_DATA / "manifest.csv").is_file():
        import pytest

        pytest.skip("../shared/data not present")
    with (REAL_DATA / "manifest.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    sides: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        s = Sample(r["relative_path"], r["class"], r["sha256"], r["leaf_group"], "")
        if r["leaf_group"]:
            sides.setdefault((r["class"], r["leaf_group"]), set()).add(assign(s))
    assert sides and all(len(v) == 1 for v in sides.values())
