"""Run the trainer on a Modal GPU. Nothing here imports `modal` unless you run it.

    pip install modal && modal setup                                   # once, on your machine
    modal volume create leafcheck-data
    modal volume put leafcheck-data ../shared/data /                     # the imagefolder at the volume's root
    python -m trainer.modal_app --config trainer/configs/default.toml --gpu A10G  # from the repo root

`put ... /` matters: the volume is mounted at /data, so its root *is* the data root (/data/manifest.csv). Putting
to /data would land everything in /data/data, where the split would lose manifest.csv and its leaf groups.

The container lays the code out as the repo is laid out (`CONTAINER_FILES`): Modal loads this package from
/root/trainer, so every path the trainer derives from its own location (repo root = /root, the offline weights in
<repo>/../shared/weights = /shared/weights, the schemas in /root/packages/...) exists there too. The remote side
runs `pipeline.train_and_evaluate` (the same steps as here, field proxy, feedback slice and all, so a Modal
candidate carries the same metrics as a local one) and writes the run folder to the `leafcheck-runs` volume; the
bundle is made and signed on *your* machine (the key never leaves it).

For the API (`LEAFCHECK_TRAINING=modal`, apps/api/src/training/modal.ts) deploy the web endpoint:

    python -m trainer.modal_app --deploy          # prints nothing secret; the URL is in the Modal dashboard

It answers only requests with a workspace proxy auth token (headers Modal-Key / Modal-Secret):
    PUT  /exports/{sha256}   body: a feedback export (tar.gz) -> {"path": "/feedback/<sha256>.tar.gz"} (checked, kept)
    POST /runs {"config": "<TOML>"}  -> {"callId": "fc-..."}      (spawns the training function)
    GET  /runs/{callId}              -> {"state": "running"|"succeeded"|"failed", "error"?: "..."}
    GET  /runs/{callId}/result       -> the run folder as application/gzip, read from the runs volume (409 until done)
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import tomllib
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
APP_NAME = "leafcheck-trainer"
# Where Modal mounts the volumes in the container, relative to the container's root (tests lay them out under a
# temporary folder instead of /).
DATA, FEEDBACK, RUNS = "data", "feedback", "runs"
VOLUMES = {DATA: "leafcheck-data", FEEDBACK: "leafcheck-feedback", RUNS: "leafcheck-runs"}
# (path in this checkout, path in the container relative to its root): the repo layout, rooted at /root.
CONTAINER_FILES = [
    ("trainer", "root/trainer"),
    ("packages/bundle/schema", "root/packages/bundle/schema"),
    ("packages/sync/schema", "root/packages/sync/schema"),
    ("../shared/weights", "shared/weights"),
]
CONTAINER_IGNORE = ["runs", "**/__pycache__", ".pytest_cache"]
RUN_FILES_LEFT_HERE = ("cache",)  # feature/array caches stay on the volume, and of data/ all but feedback/


def run_name(config_text: str) -> str:
    """One folder per distinct config on the runs volume (the API's config names its own run folder and version)."""
    return hashlib.sha256(config_text.encode()).hexdigest()[:16]


def container_config(config_text: str, root: Path) -> dict[str, Any]:
    """The config with the container's paths: data on its volume, the run folder on the runs volume, the export
    (uploaded through PUT /exports) on the feedback volume. The served bundle and the unlabelled photos live with
    the API, so the feedback slice is scored without the served bundle and the agreement step runs there."""
    cfg = tomllib.loads(config_text)
    cfg["data"] = {**cfg["data"], "root": str(root / DATA)}
    cfg["train"] = {
        **cfg["train"],
        "run_dir": str(root / RUNS / run_name(config_text)),
        "feature_cache": str(root / RUNS / "feature-cache"),
        "workers": 8,
        "threads": 8,
    }
    checkpoint = cfg["train"].get("init_checkpoint")
    if checkpoint:  # a head run starts from the served run's model, which must be on the runs volume
        if not Path(checkpoint).is_relative_to(Path("/") / RUNS):
            raise ValueError(f"[train] init_checkpoint must be on the runs volume (/{RUNS}/...) on Modal, not {checkpoint}")
        cfg["train"]["init_checkpoint"] = str(root / Path(checkpoint).relative_to("/"))
    fb = dict(cfg.get("feedback", {}))
    if fb.get("export"):
        export = Path(fb["export"])
        if export.parent != Path("/") / FEEDBACK:
            raise ValueError(f"[feedback] export must be uploaded to /{FEEDBACK}/ first (PUT /exports/<sha256>), not {export}")
        fb["export"] = str(root / FEEDBACK / export.name)
    fb.pop("served_bundle", None)
    cfg["feedback"] = fb
    cfg.pop("agreement", None)
    return cfg


def remote_steps(config_text: str, root: Path = Path("/")) -> str:
    """The training function's body: validate .. evaluate into the runs volume; returns the run folder's name."""
    from trainer.pipeline import train_and_evaluate

    cfg = container_config(config_text, root)
    train_and_evaluate(cfg)
    return Path(cfg["train"]["run_dir"]).name


def pack_run(run_dir: Path) -> bytes:
    """The run folder as tar.gz for the API: everything the bundle step reads, without caches or the base data
    (of the data root only `feedback/`: its ingest report and provenance for the bundle, its photos so the API can
    score the served bundle on the held-out ones)."""

    def keep(ti: tarfile.TarInfo) -> tarfile.TarInfo | None:
        parts = Path(ti.name).parts  # "./data/x" -> ("data", "x")
        if parts[:1] and parts[0] in RUN_FILES_LEFT_HERE:
            return None
        if parts[:1] == ("data",):
            return ti if len(parts) == 1 or parts[1] == "feedback" else None
        return ti

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(run_dir, arcname=".", filter=keep)
    return buf.getvalue()


def store_export(body: bytes, sha256: str, root: Path = Path("/")) -> str:
    """PUT /exports/{sha256}: keep an uploaded export on the feedback volume, named by its checked hash."""
    if hashlib.sha256(body).hexdigest() != sha256:
        raise ValueError("the upload's sha256 is not the one in its URL")
    path = root / FEEDBACK / f"{sha256}.tar.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial")
    tmp.write_bytes(body)
    tmp.replace(path)
    return f"/{FEEDBACK}/{path.name}"


def _train(config_text: str) -> str:
    """The deployed training function: fresh view of the uploads, train, then make the run folder durable."""
    import modal

    modal.Volume.from_name(VOLUMES[FEEDBACK]).reload()
    name = remote_steps(config_text)
    modal.Volume.from_name(VOLUMES[RUNS]).commit()
    return name


def _web_api(train: Any) -> Any:
    """The deployed endpoint's FastAPI app: the contract apps/api/src/training/modal.ts speaks."""
    import modal
    from fastapi import FastAPI, HTTPException, Request
    from fastapi.responses import Response
    from pydantic import BaseModel

    api = FastAPI(title="leafcheck-trainer")

    class Start(BaseModel):
        config: str

    def poll(call_id: str) -> tuple[str, Any]:
        """("running", None) | ("succeeded", run folder name) | ("failed", reason)."""
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

    @api.put("/exports/{sha256}")
    async def upload(sha256: str, request: Request) -> dict[str, str]:
        try:
            path = store_export(await request.body(), sha256)
        except ValueError as e:
            raise HTTPException(422, str(e)) from e
        modal.Volume.from_name(VOLUMES[FEEDBACK]).commit()
        return {"path": path}

    @api.post("/runs")
    def start(body: Start) -> dict[str, str]:
        try:
            container_config(body.config, Path("/"))
        except (tomllib.TOMLDecodeError, KeyError, ValueError) as e:
            raise HTTPException(422, f"config refused: {e}") from e
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
        modal.Volume.from_name(VOLUMES[RUNS]).reload()
        return Response(content=pack_run(Path("/") / RUNS / detail), media_type="application/gzip")

    return api


def _web() -> Any:
    """The web function (global, so the container finds it by name): looks up the deployed training function."""
    import modal

    return _web_api(modal.Function.from_name(APP_NAME, "_train"))


def build_app(gpu: str = "A10G") -> Any:
    import modal  # lazily: only this entry point needs the Modal client

    image = modal.Image.debian_slim(python_version="3.11").pip_install_from_requirements(
        str(REPO / "trainer" / "requirements.lock")
    )
    for local, remote in CONTAINER_FILES:
        image = image.add_local_dir(str((REPO / local).resolve()), f"/{remote}", ignore=CONTAINER_IGNORE)
    app = modal.App(APP_NAME, image=image)
    volumes = {f"/{mount}": modal.Volume.from_name(name, create_if_missing=True) for mount, name in VOLUMES.items()}
    remote = app.function(gpu=gpu, timeout=3 * 3600, volumes=volumes)(_train)
    # The web endpoint: fastapi on the same image; it stores uploads, spawns and polls `remote`, reads results.
    web_volumes = {f"/{FEEDBACK}": volumes[f"/{FEEDBACK}"], f"/{RUNS}": volumes[f"/{RUNS}"]}
    web_image = image.pip_install("fastapi[standard]")
    app.function(image=web_image, volumes=web_volumes)(modal.asgi_app(label="leafcheck-trainer", requires_proxy_auth=True)(_web))
    return app, remote


def main(config: str = "trainer/configs/default.toml", gpu: str = "A10G") -> None:
    from trainer.make_bundle import make_bundle

    app, remote = build_app(gpu)
    text = (REPO / config).read_text()
    cfg = tomllib.loads(text)
    with app.run():
        name = remote.remote(text)
    import modal

    # The run folder from the runs volume (Volume.listdir / read_file: the client API; not run here, no Modal).
    run_dir = REPO / cfg["train"]["run_dir"]
    volume = modal.Volume.from_name(VOLUMES[RUNS])
    for entry in volume.listdir(name, recursive=True):
        relative = Path(entry.path).relative_to(name)
        if entry.type != modal.volume.FileEntryType.FILE or relative.parts[0] in RUN_FILES_LEFT_HERE:
            continue
        target = run_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"".join(volume.read_file(entry.path)))
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
