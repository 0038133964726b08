"""`python -m trainer pipeline` end to end on the tiny folder: a signed bundle that verifies."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from trainer.taxonomy import NOT_A_LEAF

from .conftest import CLASSES, make_imagefolder, write_advice

REPO = Path(__file__).resolve().parents[2]


def test_pipeline_builds_a_verified_int8_bundle_scored_against_fp32(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
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
int8 = true
[bundle]
use_int8 = true
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
    # The shipped graph is the int8 one, its metrics are the int8 graph's, and fp32 is scored beside it.
    assert (tmp_path / "bundle" / "leafnet.onnx").read_bytes() == (tmp_path / "run" / "export" / "leafnet.int8.onnx").read_bytes()
    assert {"evaluate-fp32", "evaluate-field-proxy-fp32"} <= set(timings)
    int8_eval = json.loads((tmp_path / "run" / "eval-test" / "metrics.json").read_text())
    fp32_eval = json.loads((tmp_path / "run" / "eval-test-fp32" / "metrics.json").read_text())
    assert (int8_eval["graph"], fp32_eval["graph"]) == ("int8", "fp32")
    assert manifest["metrics"]["disease.top1"] == int8_eval["disease"]["accuracy"]
    card = (tmp_path / "bundle" / "model-card.md").read_text()
    assert "## int8 vs fp32" in card and "| `disease.top1` |" in card
