"""Verify a bundle directory exactly as packages/bundle/src/verify.ts does."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import onnx

from trainer.advice import AdviceError, advice_labels_for, check_advice_labels, parse_advice
from trainer.bundle.chain import check_chain_graphs
from trainer.bundle.content import check_content
from trainer.bundle.errors import BundleError
from trainer.bundle.manifest import parse_manifest
from trainer.bundle.signing import TrustedKey, verify_manifest_signature


@dataclass
class VerifiedBundle:
    manifest: dict[str, Any]
    signed_by: TrustedKey
    directory: Path


def _checked_file(directory: Path, name: str, size: int, sha256: str) -> bytes:
    path = directory / name
    if not path.is_file():
        raise BundleError("FILE_MISSING", f"{name} is missing from the bundle", name)
    data = path.read_bytes()
    if len(data) != size:
        raise BundleError(
            "FILE_SIZE_MISMATCH",
            f"{name} is {len(data)} bytes but the manifest says {size} (incomplete download or wrong file)",
            name,
        )
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise BundleError("FILE_HASH_MISMATCH", f"{name} has sha256 {actual} but the manifest says {sha256}", name)
    return data


def check_label_count(kind: str, model: dict[str, Any], data: bytes) -> None:
    try:
        proto = onnx.load_model_from_string(data)
    except Exception as err:  # onnx raises several types for bad protobufs
        raise BundleError("MODEL_UNREADABLE", f"{model['file']} is not a readable ONNX model: {err}", model["file"]) from err
    out = next((o for o in proto.graph.output if o.name == model["output"]["name"]), None)
    if out is None:
        raise BundleError("MODEL_UNREADABLE", f'{model["file"]} has no output named "{model["output"]["name"]}"', model["file"])
    last = out.type.tensor_type.shape.dim[-1]
    width: int | str = last.dim_value if last.HasField("dim_value") else last.dim_param
    labels = model["output"]["labels"]
    if width != len(labels):
        raise BundleError(
            "LABEL_COUNT_MISMATCH",
            f"{model['file']}: the {kind} model outputs {width} classes but the manifest lists {len(labels)} labels",
            model["file"],
        )


def _check_advice(manifest: dict[str, Any], data: bytes) -> None:
    """advice.json must be valid and cover exactly the labels the models can answer."""
    try:
        check_advice_labels(parse_advice(data.decode("utf-8")), advice_labels_for(manifest))
    except (AdviceError, UnicodeDecodeError) as err:
        raise BundleError("ADVICE_INVALID", str(err), "advice.json") from err


def verify_bundle(directory: Path, trusted: list[TrustedKey]) -> VerifiedBundle:
    manifest_path = directory / "manifest.json"
    if not manifest_path.is_file():
        raise BundleError("MANIFEST_MISSING", "manifest.json is missing from the bundle", "manifest.json")
    try:
        text = manifest_path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise BundleError("MANIFEST_NOT_JSON", "manifest.json is not valid UTF-8 text", "manifest.json") from err
    manifest = parse_manifest(text)
    signed_by = verify_manifest_signature(manifest, trusted)
    checked: dict[str, bytes] = {}  # a graph shared by both models is read and hashed once
    for kind in ("species", "disease"):
        model = manifest["models"][kind]
        if model["file"] not in checked:
            checked[model["file"]] = _checked_file(directory, model["file"], model["bytes"], model["sha256"])
        check_label_count(kind, model, checked[model["file"]])
    backbone = manifest["models"].get("backbone")
    if backbone is not None:
        data = _checked_file(directory, backbone["file"], backbone["bytes"], backbone["sha256"])
        heads = manifest["models"]["species"]["file"]
        check_chain_graphs(backbone, data, heads, checked[heads])
    files = {name: _checked_file(directory, name, ref["bytes"], ref["sha256"]) for name, ref in manifest["files"].items()}
    _check_advice(manifest, files["advice.json"])  # the schema requires it in files: read and hashed once, above
    check_content(manifest, files)
    return VerifiedBundle(manifest, signed_by, directory)
