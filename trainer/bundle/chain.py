"""The chained layout (backbone file -> heads file); twin of packages/bundle/src/chain.ts, same rules and messages."""

from __future__ import annotations

from typing import Any

import onnx

from trainer.bundle.canonical_json import canonical_json
from trainer.bundle.errors import BundleError

ONNX_FLOAT = 1


def content_addressed_name(stem: str, sha256: str) -> str:
    """`<name>-<first 16 hex digits of sha256>.onnx`: the name a chained bundle gives each model file."""
    return f"{stem}-{sha256[:16]}.onnx"


def _layout_error(message: str, file: str = "manifest.json") -> BundleError:
    return BundleError("LAYOUT_INVALID", message, file)


def check_chain_layout(manifest: dict[str, Any]) -> None:
    """Manifest-level rules of the chained layout (no-op for the other two layouts)."""
    models = manifest["models"]
    backbone = models.get("backbone")
    if backbone is None:
        return
    species, disease = models["species"], models["disease"]
    if species["file"] != disease["file"]:
        raise _layout_error(
            "with a backbone, models.species and models.disease must both name the heads file "
            f"(species: {species['file']}, disease: {disease['file']})"
        )
    if canonical_json(backbone["input"]) != canonical_json(species["input"]):
        raise _layout_error("models.backbone.input must equal the models' input (the photo the chain reads)")
    for file, sha256 in ((backbone["file"], backbone["sha256"]), (species["file"], species["sha256"])):
        if not file.endswith(f"-{sha256[:16]}.onnx"):
            raise _layout_error(
                f'"{file}" is not content-addressed: a chained bundle names each model file '
                "<name>-<first 16 hex digits of its sha256>.onnx"
            )


def _load(file: str, data: bytes) -> onnx.ModelProto:
    try:
        return onnx.load_model_from_string(data)
    except Exception as err:  # onnx raises several types for bad protobufs
        raise BundleError("MODEL_UNREADABLE", f"{file} is not a readable ONNX model: {err}", file) from err


def _channels(value: onnx.ValueInfoProto) -> int | None:
    dims = value.type.tensor_type.shape.dim
    return dims[1].dim_value if len(dims) > 1 and dims[1].HasField("dim_value") else None


def check_chain_graphs(backbone: dict[str, Any], backbone_bytes: bytes, heads_file: str, heads_bytes: bytes) -> None:
    """The backbone really outputs a float32 NCHW feature map, and the heads file reads it by that name."""
    name = backbone["output"]["name"]
    file = backbone["file"]
    features = next((o for o in _load(file, backbone_bytes).graph.output if o.name == name), None)
    heads_inputs = list(_load(heads_file, heads_bytes).graph.input)
    if features is None:
        raise BundleError("MODEL_UNREADABLE", f'{file} has no output named "{name}"', file)
    tensor = features.type.tensor_type
    if tensor.elem_type != ONNX_FLOAT or len(tensor.shape.dim) != 4:
        raise _layout_error(f'{file} output "{name}" is not a float32 NCHW feature map', file)
    read = next((i for i in heads_inputs if i.name == name), None)
    if read is None:
        inputs = ", ".join(i.name for i in heads_inputs) or "none"
        raise _layout_error(f'{heads_file} does not read the backbone\'s output "{name}" (its inputs: {inputs})', heads_file)
    out_c, in_c = _channels(features), _channels(read)
    if out_c is not None and in_c is not None and out_c != in_c:
        raise _layout_error(f"{file} outputs {out_c} feature channels but {heads_file} reads {in_c}", heads_file)
