"""The bundle contract, Python side, against the same fixtures as packages/bundle/test (TypeScript)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from trainer.bundle import BundleError, SigningKey, TrustedKey, canonical_json, parse_manifest, verify_bundle
from trainer.bundle.make_fixtures import FIXTURES
from trainer.bundle.writer import write_bundle

MANIFESTS = FIXTURES / "manifests"
CASES = json.loads((MANIFESTS / "cases.json").read_text())


def fixture_key(name: str) -> TrustedKey:
    data = json.loads((FIXTURES / f"{name}.key.json").read_text())
    return TrustedKey(data["keyId"], data["publicKeyHex"])


def failure(directory: Path, keys: list[TrustedKey] | None = None) -> BundleError:
    with pytest.raises(BundleError) as info:
        verify_bundle(directory, keys or [fixture_key("signed-by-python")])
    return info.value


@pytest.fixture
def bundle_copy(tmp_path: Path) -> Path:
    target = tmp_path / "bundle"
    shutil.copytree(FIXTURES / "signed-by-python", target)
    return target


def resign(
    src: Path, out: Path, manifest: dict[str, object], species: str = "species.onnx", disease: str = "disease.onnx"
) -> tuple[Path, SigningKey]:
    """Write src's files as a new bundle signed by a throwaway key, as a tamperer with their own key would."""
    key = SigningKey.generate()
    models = {"species": src / species, "disease": src / disease}
    files = {"advice.json": src / "advice.json", "model-card.md": src / "model-card.md"}
    write_bundle(out, manifest, models, files, key)
    return out, key


def flip(path: Path, offset: int, mask: int = 0xFF) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= mask
    path.write_bytes(bytes(data))


def test_valid_fixture_manifest_parses() -> None:
    manifest = parse_manifest((MANIFESTS / "valid.json").read_text())
    assert len(manifest["models"]["disease"]["output"]["labels"]) == 4


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_malformed_manifest_rejected_with_its_message(case: dict[str, str]) -> None:
    with pytest.raises(BundleError) as info:
        parse_manifest((MANIFESTS / case["file"]).read_text())
    assert info.value.code == case["code"]
    assert case["contains"] in str(info.value)


@pytest.mark.parametrize("vector", json.loads((FIXTURES / "canonical-json.json").read_text()))
def test_canonical_json_matches_shared_vectors(vector: dict[str, object]) -> None:
    assert canonical_json(vector["input"]) == vector["canonical"]


def test_verifies_bundle_signed_by_typescript() -> None:
    verified = verify_bundle(FIXTURES / "signed-by-ts", [fixture_key("signed-by-ts")])
    assert verified.manifest["bundleVersion"] == "0.0.2-ts-fixture"


def test_verifies_bundle_signed_by_python() -> None:
    verified = verify_bundle(FIXTURES / "signed-by-python", [fixture_key("signed-by-python")])
    assert verified.signed_by.key_id == fixture_key("signed-by-python").key_id


def test_untrusted_key_refused() -> None:
    assert failure(FIXTURES / "signed-by-ts").code == "UNTRUSTED_KEY"


@pytest.mark.parametrize("name", ["species.onnx", "disease.onnx", "advice.json", "model-card.md"])
def test_flipped_byte_in_a_file_names_the_file(bundle_copy: Path, name: str) -> None:
    size = (bundle_copy / name).stat().st_size
    for offset in (0, 1, size // 3, size // 2, size - 2, size - 1):
        flip(bundle_copy / name, offset)
        err = failure(bundle_copy)
        assert (err.code, err.file) == ("FILE_HASH_MISMATCH", name)
        assert name in str(err)
        flip(bundle_copy / name, offset)


def test_flipped_byte_anywhere_in_manifest_is_caught(bundle_copy: Path) -> None:
    path = bundle_copy / "manifest.json"
    codes = set()
    for mask in (0x01, 0xFF):
        for offset in range(path.stat().st_size):
            flip(path, offset, mask)
            err = failure(bundle_copy)
            assert err.file == "manifest.json", (offset, mask)
            assert "manifest.json" in str(err)
            codes.add(err.code)
            flip(path, offset, mask)
    assert {"SIGNATURE_INVALID", "MANIFEST_SCHEMA", "MANIFEST_NOT_JSON"} <= codes


def test_half_downloaded_model_is_a_size_mismatch(bundle_copy: Path) -> None:
    data = (bundle_copy / "disease.onnx").read_bytes()
    (bundle_copy / "disease.onnx").write_bytes(data[: len(data) // 2])
    err = failure(bundle_copy)
    assert err.code == "FILE_SIZE_MISMATCH"
    assert str(err).startswith("disease.onnx is ")


def test_missing_files_are_named(bundle_copy: Path) -> None:
    (bundle_copy / "advice.json").unlink()
    assert str(failure(bundle_copy)) == "advice.json is missing from the bundle"
    (bundle_copy / "manifest.json").unlink()
    assert failure(bundle_copy).code == "MANIFEST_MISSING"


def test_unsigned_manifest_refused(bundle_copy: Path) -> None:
    manifest = json.loads((bundle_copy / "manifest.json").read_text())
    del manifest["signature"]
    (bundle_copy / "manifest.json").write_text(json.dumps(manifest))
    assert failure(bundle_copy).code == "SIGNATURE_MISSING"


def test_label_count_mismatch(bundle_copy: Path, tmp_path: Path) -> None:
    manifest = json.loads((bundle_copy / "manifest.json").read_text())
    manifest["models"]["species"]["file"], manifest["models"]["disease"]["file"] = "disease.onnx", "species.onnx"
    out, key = resign(bundle_copy, tmp_path / "swapped", manifest, species="disease.onnx", disease="species.onnx")
    err = failure(out, [key.trusted()])
    assert err.code == "LABEL_COUNT_MISMATCH"
    assert str(err) == "disease.onnx: the species model outputs 4 classes but the manifest lists 3 labels"


def test_advice_missing_a_class_is_refused(bundle_copy: Path, tmp_path: Path) -> None:
    advice = json.loads((bundle_copy / "advice.json").read_text())
    del advice["entries"]["Tomato___Late_blight"]
    (bundle_copy / "advice.json").write_text(json.dumps(advice))
    manifest = json.loads((bundle_copy / "manifest.json").read_text())
    out, key = resign(bundle_copy, tmp_path / "resigned", manifest)
    err = failure(out, [key.trusted()])
    assert (err.code, err.file) == ("ADVICE_INVALID", "advice.json")
    assert "Tomato___Late_blight" in str(err)
