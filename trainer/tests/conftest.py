"""A tiny imagefolder made in the test (4 classes, learnable colours and stripes) and one trained run on it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from trainer.bundle import SigningKey

CLASSES = {
    "Tomato___healthy": (60, 160, 60),
    "Tomato___Late_blight": (120, 90, 40),
    "Bean___healthy": (40, 120, 90),
    "Background_without_leaves": (150, 150, 200),
}
REAL_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def make_image(rng: np.random.Generator, colour: tuple[int, int, int], stripes: int, size: int = 48) -> Image.Image:
    x = np.clip(np.array(colour) + rng.normal(0, 12, (size, size, 3)), 0, 255)
    x[:, :: max(2, stripes)] *= 0.6
    return Image.fromarray(x.astype(np.uint8))


def make_imagefolder(root: Path, per_class: int = 16, seed: int = 0, start: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    for k, (name, colour) in enumerate(CLASSES.items()):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(start, start + per_class):
            make_image(rng, colour, k + 2).save(root / name / f"img{i:03d}.jpg", quality=95)
    return root


@pytest.fixture
def tiny_data(tmp_path: Path) -> Path:
    return make_imagefolder(tmp_path / "data")


def tiny_train_config(data: Path, run: Path, **kw: object) -> object:
    from trainer.train import TrainConfig

    base = dict(
        data=str(data),
        run_dir=str(run),
        init="keras",
        size=32,
        store=40,
        head_epochs=3,
        tail_epochs=1,
        full_epochs=1,
        batch=16,
        workers=1,
        lr_head=0.01,
        lr_tail=0.003,
        lr_full=0.001,
        aug_strength=0.3,
        threads=1,
    )
    base.update(kw)
    return TrainConfig(**base)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """validate -> split -> train -> calibrate -> export on the tiny folder, shared by several tests."""
    from trainer.calibrate import calibrate
    from trainer.export import export
    from trainer.split import split
    from trainer.train import train
    from trainer.validate import validate

    base = tmp_path_factory.mktemp("tiny")
    data = make_imagefolder(base / "data", per_class=40)
    run = base / "run"
    validate(data, run, workers=1)
    split(data, run)
    train(tiny_train_config(data, run))  # type: ignore[arg-type]
    calibrate(run, data)
    export(run, data, int8=True)
    return data, run


def write_advice(path: Path, labels: list[str]) -> Path:
    entry = {
        "name": "Test entry",
        "summary": "A test entry.",
        "symptoms": ["Look at the leaf."],
        "actions": ["Do nothing."],
        "prevention": ["Keep watching."],
        "urgency": "none",
        "source": {"name": "Test source"},
    }
    path.write_text(json.dumps({"formatVersion": 1, "entries": dict.fromkeys(labels, entry)}))
    return path


@pytest.fixture
def test_key() -> SigningKey:
    return SigningKey.generate()
