import json
import shutil
from pathlib import Path

import pytest

from trainer.bundle import BundleError, SigningKey
from trainer.errors import DataError
from trainer.make_bundle import make_bundle, verify
from trainer.taxonomy import NOT_A_LEAF

from .conftest import write_advice

SOURCES = [{"prefix": "", "name": "synthetic test images", "licence": "CC0-1.0"}]


def _bundle(run: Path, out: Path, advice: Path, key: SigningKey) -> dict[str, object]:
    return make_bundle(
        run, out, version="0.0.1-test", command="pytest", sources=SOURCES, advice=advice, key=key, eval_dir=run / "eval-bundle"
    )


@pytest.fixture
def evaluated(tiny_run: tuple[Path, Path]) -> Path:
    from trainer.evaluate import evaluate

    data, run = tiny_run
    if not (run / "eval-bundle" / "metrics.json").is_file():
        evaluate(run, data, run / "eval-bundle", splits_dir=run, split="test", measure_latency=False)
    return run


def test_bundle_is_signed_and_verifies(evaluated: Path, tmp_path: Path, test_key: SigningKey) -> None:
    labels = json.loads((evaluated / "export" / "export.json").read_text())["meta"]["diseaseLabels"]
    advice = write_advice(tmp_path / "advice.json", [*labels, NOT_A_LEAF])
    signed = _bundle(evaluated, tmp_path / "b", advice, test_key)
    assert signed["signature"]["keyId"] == test_key.key_id  # type: ignore[index]
    translations = {
        f"advice.{p.stem}.json" for p in (Path(__file__).resolve().parents[2] / "packages/bundle/content/advice").glob("*.json")
    }
    assert {p.name for p in (tmp_path / "b").iterdir()} == {
        "manifest.json",
        "leafnet.onnx",
        "advice.json",
        "model-card.md",
        "names.json",
        *translations,
    }
    models = signed["models"]  # type: ignore[index]
    assert models["species"]["file"] == models["disease"]["file"] == "leafnet.onnx"
    assert (models["species"]["output"]["name"], models["disease"]["output"]["name"]) == ("species_logits", "disease_logits")
    assert models["species"]["sha256"] == models["disease"]["sha256"]
    card = (tmp_path / "b" / "model-card.md").read_text()
    assert "`leafnet.onnx`" in card and "`species_logits`" in card and "species.onnx" not in card
    assert "## Limitations" in card and "Lab vs field" in card and "synthetic test images" in card and "pytest" in card
    assert verify(tmp_path / "b", extra=[test_key.trusted()])["signedBy"] == test_key.key_id
    (tmp_path / "b" / "advice.json").write_text("{}")  # tampering is caught
    with pytest.raises(BundleError, match=r"advice\.json"):
        verify(tmp_path / "b", extra=[test_key.trusted()])


def test_missing_advice_entry_is_a_clear_error(evaluated: Path, tmp_path: Path, test_key: SigningKey) -> None:
    advice = write_advice(tmp_path / "advice.json", ["Tomato___healthy"])
    with pytest.raises(DataError, match=r"no advice entry for: .*Bean___healthy"):
        _bundle(evaluated, tmp_path / "b", advice, test_key)
    with pytest.raises(DataError, match=r"does not exist"):
        _bundle(evaluated, tmp_path / "b", tmp_path / "nope.json", test_key)


def test_untrusted_key_is_refused(evaluated: Path, tmp_path: Path, test_key: SigningKey) -> None:
    labels = json.loads((evaluated / "export" / "export.json").read_text())["meta"]["diseaseLabels"]
    advice = write_advice(tmp_path / "advice.json", [*labels, NOT_A_LEAF])
    _bundle(evaluated, tmp_path / "b", advice, test_key)
    shutil.copytree(tmp_path / "b", tmp_path / "c")
    with pytest.raises(BundleError, match="does not trust"):
        verify(tmp_path / "c", extra=[SigningKey.generate().trusted()])
