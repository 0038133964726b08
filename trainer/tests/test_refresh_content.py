"""`python -m trainer content`: a new signed version of a bundle with the names and advice translations, same models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from trainer.bundle import SigningKey, TrustedKey, verify_bundle
from trainer.bundle_content import write_content
from trainer.errors import DataError
from trainer.refresh_content import refresh_content

PACKAGE = Path(__file__).resolve().parents[2] / "packages" / "bundle"
FIXTURE = PACKAGE / "fixtures" / "signed-by-python"
FIXTURE_KEY = json.loads((PACKAGE / "fixtures" / "signed-by-python.key.json").read_text())


def _trusted() -> list[TrustedKey]:
    return [TrustedKey(FIXTURE_KEY["keyId"], FIXTURE_KEY["publicKeyHex"], "fixture")]


def test_refresh_adds_content_and_keeps_the_models(tmp_path: Path, test_key: SigningKey) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(FIXTURE, bundle)
    before = json.loads((bundle / "manifest.json").read_text())
    result = refresh_content(bundle, bundle, "0.1.0", test_key, _trusted())  # in place, as for bundles/default
    after = verify_bundle(bundle, [test_key.trusted()]).manifest
    assert result["from"] == before["bundleVersion"] and after["bundleVersion"] == "0.1.0"
    assert {"names.json", "advice.sw.json", "advice.hi.json", "advice.json", "model-card.md"} <= set(after["files"])
    for kind in ("species", "disease"):
        assert after["models"][kind]["sha256"] == before["models"][kind]["sha256"]
    assert (after["metrics"], after["thresholds"], after["taxonomy"]) == (
        before["metrics"],
        before["thresholds"],
        before["taxonomy"],
    )
    assert after["files"]["advice.json"] == before["files"]["advice.json"]
    card = (bundle / "model-card.md").read_text()
    assert f"has the models, metrics, thresholds and English advice of bundle {before['bundleVersion']}" in card
    # Cut to the bundle's classes: the fixture answers beans and tomatoes only.
    sw = json.loads((bundle / "advice.sw.json").read_text())
    labels = {*before["models"]["disease"]["output"]["labels"], before["taxonomy"]["notALeaf"]}
    assert set(sw["entries"]) <= labels


def test_refresh_refuses_a_version_that_is_not_newer(tmp_path: Path, test_key: SigningKey) -> None:
    old = json.loads((FIXTURE / "manifest.json").read_text())["bundleVersion"]
    with pytest.raises(DataError, match="must be above"):
        refresh_content(FIXTURE, tmp_path / "out", old, test_key, _trusted())


def test_refresh_refuses_a_bundle_that_does_not_verify(tmp_path: Path, test_key: SigningKey) -> None:
    with pytest.raises(DataError, match="does not verify"):
        refresh_content(FIXTURE, tmp_path / "out", "9.0.0", test_key)  # the fixture's key is not trusted here


def test_content_without_a_name_for_a_class_stops_the_bundle(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(PACKAGE / "content", content)
    names = json.loads((content / "names.json").read_text())
    del names["classes"]["Tomato___Late_blight"]["names"]["sw"]
    (content / "names.json").write_text(json.dumps(names, ensure_ascii=False))
    manifest = json.loads((FIXTURE / "manifest.json").read_text())
    with pytest.raises(DataError, match=r"no name for: class Tomato___Late_blight \(sw\)"):
        write_content(manifest, tmp_path / "out", content)
