"""Run the same pipeline on a Modal GPU. Nothing here imports `modal` unless you run it.

    pip install modal && modal setup                                   # once, on your machine
    modal volume create leafcheck-data
    modal volume put leafcheck-data ../shared/data /data                 # the imagefolder + manifest.csv
    python -m trainer.modal_app --config trainer/configs/default.toml --gpu A10G  # from the repo root

The run folder comes back into trainer/runs/<name>/ and the bundle into the config's bundle.out,
signed on *your* machine (the key never leaves it): the remote side stops after evaluate.

For the API (`LEAFCHECK_TRAINING=modal`, apps/api/src/training/modal.ts) deploy the web endpoint:

    python -m trainer.modal_app --deploy          # prints nothing secret; the URL is in the Modal dashboard

It answers only requests with a workspace proxy auth token (headers Modal-Key / Modal-Secret):
    POST /runs {"config": "<TOML>"}  -> {"callId": "fc-..."}      (spawns the training function)
    GET  /runs/{callId}              -> {"state": "running"|"succeeded"|"failed", "error"?: "..."}
    GET  /runs/{callId}/result       -> the run folder as application/gzip (409 until it succeeded)
The API then makes and signs the bundle itself. Modal keeps a call's result for a limited time: fetch it soon.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
REMOTE_REPO = "/root/leafcheck"
REMOTE_DATA = "/data"
APP_NAME = "leafcheck-trainer"


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


def _web_api(train: Any) -> Any:
    """The deployed endpoint's FastAPI app: the contract apps/api/src/training/modal.ts speaks."""
    import tomllib

    import modal
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import Response
    from pydantic import BaseModel

    api = FastAPI(title="leafcheck-trainer")

    class Start(BaseModel):
        config: str

    def poll(call_id: str) -> tuple[str, Any]:
        """("running", None) | ("succeeded", tar.gz bytes) | ("failed", reason)."""
        try:
            return "succeeded", modal.FunctionCall.from_id(call_id).get(timeout=0)
        except modal.exception.NotFoundError as e:  # from_id accepts any id; get() finds out
            raise HTTPException(404, f"no call {call_id}") from e
        except modal.exception.OutputExpiredError:  # Modal's TimeoutError, not the builtin one
            return "failed", "the result expired on Modal; start a new run"
        except TimeoutError:  # the builtin: not finished yet
            return "running", None
        except Exception as e:  # the training raised, or Modal's FunctionTimeoutError
            return "failed", f"{type(e).__name__}: {e}"

    @api.post("/runs")
    def start(body: Start) -> dict[str, str]:
        try:
            tomllib.loads(body.config)
        except tomllib.TOMLDecodeError as e:
            raise HTTPException(422, f"config is not TOML: {e}") from e
        return {"callId": train.spawn(body.config).object_id}

    @api.get("/runs/{call_id}")
    def state(call_id: str) -> dict[str, str]:
        s, detail = poll(call_id)
        return {"state": s, "error": detail} if s == "failed" else {"state": s}

    @api.get("/runs/{call_id}/result")
    def result(call_id: str) -> Response:
        s, detail = poll(call_id)
        if s != "succeeded":
            raise HTTPException(409, f"call {call_id} is {s}" + (f": {detail}" if s == "failed" else ""))
        return Response(content=detail, media_type="application/gzip")

    return api


def _web() -> Any:
    """The web function (global, so the container finds it by name): looks up the deployed training function."""
    import modal

    return _web_api(modal.Function.from_name(APP_NAME, "_remote_steps"))


def build_app(gpu: str = "A10G") -> Any:
    import modal  # lazily: only this entry point needs the Modal client

    image = (
        modal.Image.debian_slim(python_version="3.11")
        .pip_install_from_requirements(str(REPO / "trainer" / "requirements.lock"))
        .add_local_dir(str(REPO / "trainer"), f"{REMOTE_REPO}/trainer", ignore=["runs", "**/__pycache__"])
        .add_local_dir(str(REPO / "packages" / "bundle" / "schema"), f"{REMOTE_REPO}/packages/bundle/schema")
        .add_local_dir(str(REPO.parent / "shared" / "weights"), "/root/shared/weights")
    )
    app = modal.App(APP_NAME, image=image)
    volume = modal.Volume.from_name("leafcheck-data")
    remote = app.function(gpu=gpu, timeout=3 * 3600, volumes={REMOTE_DATA: volume})(_remote_steps)
    # The web endpoint runs on a small image of its own (no torch); it only spawns and polls `remote`.
    web_image = modal.Image.debian_slim(python_version="3.11").pip_install("fastapi[standard]")
    app.function(image=web_image)(modal.asgi_app(label="leafcheck-trainer", requires_proxy_auth=True)(_web))
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
    p.add_argument("--deploy", action="store_true", help="deploy the training function and its web endpoint for the API")
    a = p.parse_args()
    if a.deploy:
        build_app(a.gpu)[0].deploy()
    else:
        main(a.config, a.gpu)
