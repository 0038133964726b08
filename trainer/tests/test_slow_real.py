"""A few minutes on a small real subset of ../shared/data: accuracy must be clearly above chance."""

import json
from pathlib import Path

import pytest

from .conftest import REAL_DATA, tiny_train_config

CLASSES = {
    "plantvillage/Apple___Apple_scab": 50,
    "plantvillage/Corn_(maize)___Common_rust_": 50,
    "plantvillage/Tomato___Late_blight": 50,
    "ibean/train/Bean___Bean_rust": 50,
    "plantvillage/Background_without_leaves": 40,
}


@pytest.mark.slow
@pytest.mark.skipif(not (REAL_DATA / "manifest.csv").is_file(), reason="../shared/data not present")
def test_real_subset_learns(tmp_path: Path) -> None:
    from trainer.calibrate import calibrate
    from trainer.evaluate import evaluate
    from trainer.export import export
    from trainer.split import split
    from trainer.train import train
    from trainer.validate import validate

    data = tmp_path / "data"
    for folder, n in CLASSES.items():  # symlinks: the images stay in ../shared
        dst = data / folder.split("/")[-1]
        dst.mkdir(parents=True)
        for src in sorted((REAL_DATA / folder).glob("*.jpg"))[:n]:
            (dst / src.name).symlink_to(src)
    run = tmp_path / "run"
    validate(data, run, workers=1)
    split(data, run, val=0.2, test=0.3)
    train(
        tiny_train_config(
            data, run, size=96, store=112, head_epochs=40, tail_epochs=2, full_epochs=0, batch=32, lr_tail=3e-4, aug_strength=0.5
        )
    )  # type: ignore[arg-type]
    calibrate(run, data)
    export(run, data)
    res = evaluate(run, data, tmp_path / "ev", splits_dir=run, split="test", measure_latency=False)
    print(json.dumps({k: res[k]["accuracy"] for k in ("species", "disease")}))
    assert res["disease"]["n"] >= 40
    assert res["disease"]["accuracy"] > 0.75  # 4 diseases: chance is 0.25
    assert res["species"]["accuracy"] > 0.75  # 4 crops + not-a-leaf: chance is 0.2
