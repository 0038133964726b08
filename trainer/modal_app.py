"""Run the same pipeline on a Modal GPU. Nothing here imports `modal` unless you run it.

    pip install modal && modal setup                                   # once, on your machine
    modal volume create leafcheck-data
    modal volume put leafcheck-data ../shared/data /data                 # the imagefolder + manifest.csv
    python -m trainer.modal_app --config trainer/configs/default.toml --gpu A10G  # from the repo root

The run folder comes back into trainer/runs/<name>/ and the bundle into the config's bundle.out,
signed on *your* machine (the key never leaves it): the remote side stops after evaluate.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
REMOTE_REPO = "/root/leafcheck"
REMOTE_DATA = "/data"


def _remote_steps(config_text: str) -> bytes:
    """Runs inside the container: validate .. evaluate, then returns the run folder as a tar.gz."""
    import sys
    import tomllib

    sys.path.insert(0, REMOTE_REPO)
    from trainer.calibrate import calibrate
    from trainer.evaluate import evaluate
    from trainer.export import export
    from trainer.split import split
    from trainer.train import TrainConfig, train
    from trainer.validate import validate

    cfg = tomllib.loads(config_text)
    data, run_dir = Path(REMOTE_DATA), Path("/tmp/run")
    validate(data, run_dir, skip_corrupt=cfg["data"].get("skip_corrupt", False), workers=8)
    split(data, run_dir, cfg["data"].get("val", 0.15), cfg["data"].get("test", 0.15))
    train(TrainConfig(**{**cfg["train"], "data": str(data), "run_dir": str(run_dir), "workers": 8, "threads": 8}))
    calibrate(run_dir, data, target=cfg.get("calibrate", {}).get("target", 0.99))
    export(run_dir, data, int8=cfg.get("export", {}).get("int8", False))
    evaluate(run_dir, data, run_dir / "eval-test", splits_dir=run_dir, split="test")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(run_dir, arcname=".", filter=lambda ti: None if "/cache" in ti.name else ti)
    return buf.getvalue()


def build_app(gpu: str = "A10G") -> Any:
    import modal  # lazily: only this entry point needs the Modal client

    image = (
        modal.Image.debian_slim(python_version="3.11")
        .pip_install_from_requirements(str(REPO / "trainer" / "requirements.lock"))
        .add_local_dir(str(REPO / "trainer"), f"{REMOTE_REPO}/trainer", ignore=["runs", "**/__pycache__"])
        .add_local_dir(str(REPO / "packages" / "bundle" / "schema"), f"{REMOTE_REPO}/packages/bundle/schema")
        .add_local_dir(str(REPO.parent / "shared" / "weights"), "/root/shared/weights")
    )
    app = modal.App("leafcheck-trainer", image=image)
    volume = modal.Volume.from_name("leafcheck-data")
    remote = app.function(gpu=gpu, timeout=3 * 3600, volumes={REMOTE_DATA: volume})(_remote_steps)
    return app, remote


def main(config: str = "trainer/configs/default.toml", gpu: str = "A10G") -> None:
    import tomllib

    from trainer.make_bundle import make_bundle

    app, remote = build_app(gpu)
    text = (REPO / config).read_text()
    cfg = tomllib.loads(text)
    with app.run():
        blob = remote.remote(text)
    run_dir = REPO / cfg["train"]["run_dir"]
    run_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        tar.extractall(run_dir, filter="data")
    b = cfg["bundle"]
    make_bundle(
        run_dir,
        REPO / b["out"],
        version=b["version"],
        command=f"python -m trainer.modal_app --config {config} --gpu {gpu}",
        sources=b["sources"],
        int8=cfg.get("export", {}).get("int8", False) and b.get("use_int8", False),
    )


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser(description="Leafcheck trainer on a Modal GPU")
    p.add_argument("--config", default="trainer/configs/default.toml")
    p.add_argument("--gpu", default="A10G")
    a = p.parse_args()
    main(a.config, a.gpu)
