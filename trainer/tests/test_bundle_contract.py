"""The bundle contract, Python side, against the same fixtures as packages/bundle/test (TypeScript)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from trainer.bundle import BundleError, SigningKey, TrustedKey, canonical_json, parse_manifest, validate_manifest, verify_bundle
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
    src: Path, out: Path, manifest: dict[str, object], species: str = "leafnet.onnx", disease: str = "leafnet.onnx"
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


@pytest.mark.parametrize("name", ["leafnet.onnx", "advice.json", "model-card.md"])
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
    data = (bundle_copy / "leafnet.onnx").read_bytes()
    (bundle_copy / "leafnet.onnx").write_bytes(data[: len(data) // 2])
    err = failure(bundle_copy)
    assert err.code == "FILE_SIZE_MISMATCH"
    assert str(err).startswith("leafnet.onnx is ")


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
    species, disease = manifest["models"]["species"]["output"], manifest["models"]["disease"]["output"]
    species["name"], disease["name"] = disease["name"], species["name"]  # each head reads the other's output
    out, key = resign(bundle_copy, tmp_path / "swapped", manifest)
    err = failure(out, [key.trusted()])
    assert err.code == "LABEL_COUNT_MISMATCH"
    assert str(err) == "leafnet.onnx: the species model outputs 4 classes but the manifest lists 3 labels"


def test_two_file_layout_still_verifies(tmp_path: Path) -> None:
    """The shared graph is allowed, not required: species.onnx + disease.onnx, each with output "logits", stay valid."""
    manifest = json.loads((FIXTURES / "signed-by-python" / "manifest.json").read_text())
    for kind in ("species", "disease"):
        manifest["models"][kind]["file"] = f"{kind}.onnx"
        manifest["models"][kind]["output"]["name"] = "logits"
    tiny = FIXTURES / "tiny-models"
    shutil.copy(tiny / "species.onnx", tmp_path / "species.onnx")
    shutil.copy(tiny / "disease.onnx", tmp_path / "disease.onnx")
    for name in ("advice.json", "model-card.md"):
        shutil.copy(FIXTURES / "signed-by-python" / name, tmp_path / name)
    out, key = resign(tmp_path, tmp_path / "two-files", manifest, species="species.onnx", disease="disease.onnx")
    verified = verify_bundle(out, [key.trusted()])
    assert verified.manifest["models"]["disease"]["file"] == "disease.onnx"
    assert {p.name for p in out.iterdir()} == {"manifest.json", "species.onnx", "disease.onnx", "advice.json", "model-card.md"}


def test_python_fixture_is_one_shared_graph() -> None:
    manifest = json.loads((FIXTURES / "signed-by-python" / "manifest.json").read_text())
    species, disease = manifest["models"]["species"], manifest["models"]["disease"]
    assert species["file"] == disease["file"] == "leafnet.onnx"
    assert (species["output"]["name"], disease["output"]["name"]) == ("species_logits", "disease_logits")
    assert sorted(p.name for p in (FIXTURES / "signed-by-python").iterdir()) == [
        "advice.json",
        "leafnet.onnx",
        "manifest.json",
        "model-card.md",
    ]


def test_shared_graph_outputs_equal_the_separate_tiny_models() -> None:
    import numpy as np
    import onnxruntime as ort

    tiny = FIXTURES / "tiny-models"
    image = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    shared = ort.InferenceSession(str(tiny / "leafnet.onnx")).run(["species_logits", "disease_logits"], {"image": image})
    for head, logits in zip(("species", "disease"), shared, strict=True):
        alone = ort.InferenceSession(str(tiny / f"{head}.onnx")).run(["logits"], {"image": image})[0]
        np.testing.assert_array_equal(logits, alone)


def test_shared_graph_is_hashed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from trainer.bundle import verify as verify_module

    checked: list[str] = []
    real = verify_module._checked_file

    def counting(directory: Path, name: str, size: int, sha256: str) -> bytes:
        checked.append(name)
        return real(directory, name, size, sha256)

    monkeypatch.setattr(verify_module, "_checked_file", counting)
    verify_bundle(FIXTURES / "signed-by-python", [fixture_key("signed-by-python")])
    assert sorted(checked) == ["advice.json", "leafnet.onnx", "model-card.md"]


def _valid() -> dict[str, Any]:
    return json.loads((MANIFESTS / "valid.json").read_text())  # type: ignore[no-any-return]


PREFIX = "manifest.json labels are inconsistent: "
DIFFER = PREFIX + 'models.species and models.disease share "leafnet.onnx" but differ in sha256, bytes or input'


@pytest.mark.parametrize(
    ("field", "value"),
    [("sha256", "f" * 64), ("bytes", 665), ("input", {"height": 64, "width": 64})],
)
def test_shared_file_entries_must_agree(field: str, value: object) -> None:
    manifest = _valid()
    entry = manifest["models"]["disease"]
    entry[field] = {**entry[field], **value} if isinstance(value, dict) else value
    with pytest.raises(BundleError) as info:
        validate_manifest(manifest)
    assert (info.value.code, str(info.value)) == ("LABELS_INCONSISTENT", DIFFER)


def test_shared_file_must_be_read_at_two_outputs() -> None:
    manifest = _valid()
    manifest["models"]["disease"]["output"]["name"] = "species_logits"
    with pytest.raises(BundleError) as info:
        validate_manifest(manifest)
    assert (
        str(info.value)
        == PREFIX + 'models.species and models.disease share "leafnet.onnx" but read the same output "species_logits"'
    )


def test_shared_check_runs_before_listed_twice() -> None:
    manifest = _valid()
    manifest["models"]["disease"]["sha256"] = "f" * 64
    manifest["files"]["leafnet.onnx"] = manifest["files"]["advice.json"]
    with pytest.raises(BundleError) as info:
        validate_manifest(manifest)
    assert str(info.value) == DIFFER


@pytest.mark.parametrize("also", ["leafnet.onnx", "disease.onnx"])
def test_model_file_also_under_files_is_listed_twice(also: str) -> None:
    manifest = _valid()
    if also == "disease.onnx":  # the two-file layout
        manifest["models"]["disease"]["file"] = also
    manifest["files"][also] = manifest["files"]["advice.json"]
    with pytest.raises(BundleError) as info:
        validate_manifest(manifest)
    assert str(info.value) == PREFIX + f'file "{also}" is listed twice'


def test_two_models_naming_one_file_need_one_source(tmp_path: Path) -> None:
    tiny, src = FIXTURES / "tiny-models", FIXTURES / "signed-by-python"
    files = {"advice.json": src / "advice.json", "model-card.md": src / "model-card.md"}
    manifest = _valid()
    with pytest.raises(ValueError, match="two sources"):
        write_bundle(
            tmp_path, manifest, {"species": tiny / "leafnet.onnx", "disease": tiny / "disease.onnx"}, files, SigningKey.generate()
        )


def test_rewriting_a_bundle_removes_the_files_it_no_longer_lists(tmp_path: Path) -> None:
    tiny, src = FIXTURES / "tiny-models", FIXTURES / "signed-by-python"
    files = {"advice.json": src / "advice.json", "model-card.md": src / "model-card.md"}
    key = SigningKey.generate()
    two = _valid()
    for kind in ("species", "disease"):
        two["models"][kind]["file"], two["models"][kind]["output"]["name"] = f"{kind}.onnx", "logits"
    write_bundle(tmp_path, two, {k: tiny / f"{k}.onnx" for k in ("species", "disease")}, files, key)
    (tmp_path / "notes.txt").write_text("not part of any bundle")
    write_bundle(tmp_path, _valid(), {k: tiny / "leafnet.onnx" for k in ("species", "disease")}, files, key)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "advice.json",
        "leafnet.onnx",
        "manifest.json",
        "model-card.md",
        "notes.txt",
    ]
    assert verify_bundle(tmp_path, [key.trusted()]).manifest["models"]["species"]["file"] == "leafnet.onnx"


def test_advice_missing_a_class_is_refused(bundle_copy: Path, tmp_path: Path) -> None:
    advice = json.loads((bundle_copy / "advice.json").read_text())
    del advice["entries"]["Tomato___Late_blight"]
    (bundle_copy / "advice.json").write_text(json.dumps(advice))
    manifest = json.loads((bundle_copy / "manifest.json").read_text())
    out, key = resign(bundle_copy, tmp_path / "resigned", manifest)
    err = failure(out, [key.trusted()])
    assert (err.code, err.file) == ("ADVICE_INVALID", "advice.json")
    assert "Tomato___Late_blight" in str(err)
