"""`python -m trainer pipeline` end to end on the tiny folder: a signed bundle that verifies."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from trainer.taxonomy import NOT_A_LEAF

from .conftest import CLASSES, make_imagefolder, write_advice

REPO = Path(__file__).resolve().parents[2]


def test_pipeline_builds_a_verified_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_imagefolder(tmp_path / "data", per_class=20)
    advice = write_advice(tmp_path / "advice.json", [c for c in CLASSES if c != NOT_A_LEAF] + [NOT_A_LEAF])
    config = tmp_path / "tiny.toml"
    config.write_text(f"""
[data]
root = "{data}"
[train]
run_dir = "{tmp_path / "run"}"
size = 32
store = 40
head_epochs = 3
tail_epochs = 1
full_epochs = 0
batch = 16
workers = 1
threads = 1
[export]
int8 = false
[bundle]
out = "{tmp_path / "bundle"}"
version = "0.0.1-tiny"
command = "python -m trainer pipeline --config tiny.toml"
advice = "{advice}"
[[bundle.sources]]
prefix = ""
name = "synthetic"
licence = "CC0-1.0"
""")
    env = {"LEAFCHECK_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    r = subprocess.run(
        [sys.executable, "-m", "trainer", "pipeline", "--config", str(config)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    manifest = json.loads((tmp_path / "bundle" / "manifest.json").read_text())
    key = json.loads((tmp_path / "home" / "signing-key.json").read_text())
    assert manifest["signature"]["keyId"] == key["keyId"]
    assert manifest["provenance"]["command"] == "python -m trainer pipeline --config tiny.toml"
    assert manifest["models"]["species"]["output"]["labels"][-1] == NOT_A_LEAF
    timings = json.loads((tmp_path / "run" / "pipeline.json").read_text())["seconds"]
    assert set(timings) >= {"validate", "split", "train", "calibrate", "export", "evaluate", "evaluate-field-proxy", "bundle"}
