"""The Modal training function's body, run here with the container's paths laid out as Modal lays them out
(trainer/modal_app.py CONTAINER_FILES and VOLUMES under a temporary root instead of /), so the mistakes that
would only show on Modal fail here: weights looked up next to the wrong package copy, data one folder too deep
(manifest.csv and its leaf groups lost), a remote run without the field-proxy evaluation (a candidate the gate
refuses for lacking metrics), outputs that do not reach the runs volume."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from trainer.bundle import SigningKey
from trainer.modal_app import CONTAINER_FILES, CONTAINER_IGNORE, DATA, RUNS, container_config, pack_run, store_export
from trainer.taxonomy import NOT_A_LEAF

from .conftest import CLASSES, make_image, make_imagefolder, write_advice
from .feedback_exports import jpeg_bytes, record, write_export

REPO = Path(__file__).resolve().parents[2]

CONFIG = """
[data]
root = "../shared/data"
[train]
run_dir = "/api/runs/r1/run"
size = 32
store = 40
head_epochs = 3
tail_epochs = 1
full_epochs = 0
batch = 16
[export]
int8 = false
[bundle]
out = "/api/runs/r1/bundle"
version = "0.2.0"
command = "modal test"
[[bundle.sources]]
prefix = ""
name = "synthetic"
licence = "CC0-1.0"
"""


def lay_out_container(root: Path) -> None:
    """The image's files where build_app puts them (copies, as Modal's add_local_dir makes them)."""
    for local, remote in CONTAINER_FILES:
        shutil.copytree(REPO / local, root / remote, ignore=shutil.ignore_patterns(*[p.split("/")[-1] for p in CONTAINER_IGNORE]))


def put_data(root: Path) -> None:
    """`modal volume put leafcheck-data <data> /`: the data root is the volume's root, manifest.csv included."""
    data = make_imagefolder(root / DATA, per_class=20)
    rows = []
    for cls in CLASSES:
        for i, f in enumerate(sorted((data / cls).iterdir())):
            rows.append(
                {
                    "relative_path": f"{cls}/{f.name}",
                    "class": cls,
                    "sha256": hashlib.sha256(f.read_bytes()).hexdigest(),
                    "leaf_group": f"leaf-{i // 2}",
                }
            )
    with (data / "manifest.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["relative_path", "class", "sha256", "leaf_group"])
        w.writeheader()
        w.writerows(rows)


def test_container_config_refuses_an_export_that_was_not_uploaded() -> None:
    with pytest.raises(ValueError, match="PUT /exports"):
        container_config(CONFIG + '[feedback]\nexport = "/home/api/export.tar.gz"\n', Path("/"))
    cfg = container_config(
        CONFIG + '[feedback]\nexport = "/feedback/x.tar.gz"\nserved_bundle = "/api/b"\n[agreement]\nphotos = "/p"\n', Path("/c")
    )
    assert cfg["data"]["root"] == "/c/data" and cfg["feedback"] == {"export": "/c/feedback/x.tar.gz"} and "agreement" not in cfg
    head = CONFIG.replace("[train]", "[train]\ninit_checkpoint = {}")
    with pytest.raises(ValueError, match="runs volume"):
        container_config(head.format('"/home/api/runs/r0/checkpoints/final.pt"'), Path("/"))
    on_volume = container_config(head.format('"/runs/r0/checkpoints/final.pt"'), Path("/c"))
    assert on_volume["train"]["init_checkpoint"] == "/c/runs/r0/checkpoints/final.pt"


def test_modal_body_with_the_container_layout(tmp_path: Path, test_key: SigningKey, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "container"
    lay_out_container(root)
    put_data(root)
    import numpy as np

    rng = np.random.default_rng(3)
    items = []
    for i in range(12):
        photo = jpeg_bytes(make_image(rng, (200, 60, 200), 9, size=64))
        items.append((record(photo, "Cassava___Mosaic_disease", new_class=True, device=f"d{i}"), photo))
    export = write_export(tmp_path / "export.tar.gz", items, served_labels=sorted(CLASSES))
    body = export.read_bytes()
    remote_export = store_export(body, hashlib.sha256(body).hexdigest(), root)  # what PUT /exports/{sha256} does
    with pytest.raises(ValueError, match="sha256"):
        store_export(body, "0" * 64, root)
    config = CONFIG + f'[feedback]\nexport = "{remote_export}"\nmin_side = 32\n'

    # The container's python: the package copy under /root is the one imported (Modal loads it from there).
    script = (
        "import sys; from pathlib import Path; import trainer, trainer.weights.keras_tfjs as k;"
        "from trainer.modal_app import remote_steps;"
        "print('MODULE=' + trainer.__file__); print('WEIGHTS=' + str(k.DEFAULT_DIR.is_dir()));"
        "print('RUN=' + remote_steps(sys.stdin.read(), Path(sys.argv[1])))"
    )
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(root / "root"), "OMP_NUM_THREADS": "1"}
    r = subprocess.run(
        [sys.executable, "-c", script, str(root)],
        input=config,
        cwd=root / "root",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    out = {k: v for k, _, v in (line.partition("=") for line in r.stdout.splitlines() if line[:4] in ("MODU", "WEIG", "RUN="))}
    module, weights_found, name = out["MODULE"], out["WEIGHTS"], out["RUN"]
    assert module == str(root / "root" / "trainer" / "__init__.py")
    assert weights_found == "True"
    run_dir = root / RUNS / name
    splits = list(csv.DictReader((run_dir / "splits.csv").open()))
    assert all(s["group"] for s in splits)  # manifest.csv was found at the data root: leaf groups kept
    for step in ("eval-test", "eval-field-proxy", "eval-feedback"):
        assert (run_dir / step / "metrics.json").is_file(), step
    assert json.loads((run_dir / "data" / "feedback" / "ingest.json").read_text())["accepted"] == 12

    # The API's side: the result tarball (caches and photos left on the volume), then the bundle made and signed here.
    back = tmp_path / "back"
    with tarfile.open(fileobj=io.BytesIO(pack_run(run_dir)), mode="r:gz") as tar:
        names = tar.getnames()
        tar.extractall(back, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))  # filters: 3.11.4+
    assert not any(n.startswith(("./cache", "./data/Tomato", "./data/manifest.csv")) for n in names)  # base data stays
    assert any(n.startswith("./data/feedback/photos/") for n in names)  # so the API can score the served bundle on them
    from trainer.make_bundle import make_bundle
    from trainer.pipeline import run_pipeline
    from trainer.sources.feedback_bundle import complete_field_checks

    # The bundle farmers have, trained here on the same data without feedback: the gate needs every one of its metrics.
    monkeypatch.setenv("LEAFCHECK_HOME", str(tmp_path / "home"))
    local = tmp_path / "local.toml"
    local.write_text(
        CONFIG.replace('"../shared/data"', json.dumps(str(root / DATA)))
        .replace('"/api/runs/r1/run"', json.dumps(str(tmp_path / "run0")))
        .replace('"/api/runs/r1/bundle"', json.dumps(str(tmp_path / "served")))
        .replace('version = "0.2.0"', 'version = "0.1.0"')
        .replace("[bundle]", f"[bundle]\nadvice = {json.dumps(str(write_advice(tmp_path / 'a0.json', [*CLASSES])))}")
    )
    run_pipeline(local)
    # The API's bundle step on the run folder from Modal: the served-bundle slice and the agreement are computed here.
    unlabelled = tmp_path / "unlabelled"
    unlabelled.mkdir()
    make_image(rng, (200, 60, 200), 9, size=64).save(unlabelled / "00000000-0000-7000-8000-000000000001.jpg")
    api_config = {"feedback": {"served_bundle": str(tmp_path / "served")}, "agreement": {"photos": str(unlabelled)}}
    complete_field_checks(back, api_config)
    advice = write_advice(tmp_path / "advice.json", [*CLASSES, "Cassava___Mosaic_disease"])
    sources = [{"prefix": "", "name": "s", "licence": "CC0-1.0"}]
    out = tmp_path / "candidate"
    candidate = make_bundle(back, out, version="0.2.0", command="modal", sources=sources, advice=advice, key=test_key)
    assert {"feedback.top1", "feedback.top1.served", "agreement.rate", "agreement.photos.n"} <= set(candidate["metrics"])
    served = json.loads((tmp_path / "served" / "manifest.json").read_text())
    missing = sorted(set(served["metrics"]) - set(candidate["metrics"]))
    assert missing == [], f"a Modal candidate lacks metrics the served bundle has: {missing}"
    assert any(k.startswith("fieldProxy.") for k in candidate["metrics"])
    assert "Cassava" in candidate["taxonomy"]["crops"] and candidate["taxonomy"]["notALeaf"] == NOT_A_LEAF
