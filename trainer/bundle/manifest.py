"""Load and check manifest.json against the one schema file in packages/bundle/schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from trainer.bundle.chain import check_chain_layout
from trainer.bundle.errors import BundleError

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "packages" / "bundle" / "schema" / "manifest.schema.json"
SUPPORTED_FORMAT_VERSIONS = (1,)

_validator = Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


def parse_manifest(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except json.JSONDecodeError as err:
        raise BundleError("MANIFEST_NOT_JSON", f"manifest.json is not valid JSON: {err}", "manifest.json") from err
    except _DuplicateKey as dup:
        raise BundleError(
            "MANIFEST_DUPLICATE_KEY",
            f'manifest.json has the key "{dup.key}" twice in one object; readers could disagree on which one counts',
            "manifest.json",
        ) from None
    return validate_manifest(data)


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json.loads keeps the last of two equal keys and another reader may keep the first: refuse them outright."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def validate_manifest(data: Any) -> dict[str, Any]:
    if isinstance(data, dict) and data.get("formatVersion") not in SUPPORTED_FORMAT_VERSIONS:
        supported = ", ".join(str(v) for v in SUPPORTED_FORMAT_VERSIONS)
        raise BundleError(
            "UNSUPPORTED_FORMAT_VERSION",
            f"manifest.json has format version {json.dumps(data.get('formatVersion'))}; this app reads versions {supported}",
            "manifest.json",
        )
    error = best_match(_validator.iter_errors(data))
    if error is not None:
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        raise BundleError(
            "MANIFEST_SCHEMA", f"manifest.json does not match the schema at {where}: {error.message}", "manifest.json"
        )
    check_label_consistency(data)
    check_chain_layout(data)
    return data  # type: ignore[no-any-return]


def check_label_consistency(manifest: dict[str, Any]) -> None:
    """Species labels are the crops plus not-a-leaf; disease labels are exactly the taxonomy's classes.

    The two models may name the same file (one graph, two outputs) if they agree on its hash, size and input and
    read different outputs; otherwise no file is listed twice.
    """
    crops: dict[str, list[str]] = manifest["taxonomy"]["crops"]
    not_a_leaf: str = manifest["taxonomy"]["notALeaf"]

    def fail(msg: str) -> None:
        raise BundleError("LABELS_INCONSISTENT", f"manifest.json labels are inconsistent: {msg}", "manifest.json")

    for crop, diseases in crops.items():
        for d in diseases:
            if not d.startswith(f"{crop}___"):
                fail(f'disease "{d}" is listed under crop "{crop}"')
    species = manifest["models"]["species"]["output"]["labels"]
    expected_species = [*crops.keys(), not_a_leaf]
    missing = [x for x in expected_species if x not in species]
    extra = [x for x in species if x not in expected_species]
    if missing or extra:
        fail(
            f'species labels must be the taxonomy crops plus "{not_a_leaf}" '
            f"(missing: {', '.join(missing) or 'none'}; unexpected: {', '.join(extra) or 'none'})"
        )
    disease = manifest["models"]["disease"]["output"]["labels"]
    expected_disease = [d for ds in crops.values() for d in ds]
    missing = [x for x in expected_disease if x not in disease]
    extra = [x for x in disease if x not in expected_disease]
    if missing or extra:
        fail(
            "disease labels must be the taxonomy classes "
            f"(missing: {', '.join(missing) or 'none'}; unexpected: {', '.join(extra) or 'none'})"
        )
    sp, di = manifest["models"]["species"], manifest["models"]["disease"]
    model_files = [sp["file"]]
    if sp["file"] == di["file"]:  # one graph with two outputs: the same bytes, read at two different outputs
        if (sp["sha256"], sp["bytes"], sp["input"]) != (di["sha256"], di["bytes"], di["input"]):
            fail(f'models.species and models.disease share "{sp["file"]}" but differ in sha256, bytes or input')
        if sp["output"]["name"] == di["output"]["name"]:
            fail(f'models.species and models.disease share "{sp["file"]}" but read the same output "{sp["output"]["name"]}"')
    else:
        model_files.append(di["file"])
    backbone = [manifest["models"]["backbone"]["file"]] if "backbone" in manifest["models"] else []
    names = [*backbone, *model_files, *manifest["files"].keys()]
    dups = [n for i, n in enumerate(names) if n in names[:i]]
    if dups:
        fail(f'file "{dups[0]}" is listed twice')
