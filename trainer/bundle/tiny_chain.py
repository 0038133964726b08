"""Tiny real ONNX models for the chained layout (backbone file -> heads file), used by make_fixtures.

The backbone keeps the feature map before pooling (NCHW float32, as the real export does); the heads pool it
globally and apply one linear layer per head. `merged` composes the two into the single graph they stand for,
so both languages can test that running the chain gives the single graph's answer.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, compose, helper, numpy_helper

SIZE = 32
CHANNELS = 4
FEATURES = "features"


def finish(graph: onnx.GraphProto) -> onnx.ModelProto:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    onnx.checker.check_model(model)
    return model


def tiny_backbone(seed: int) -> onnx.ModelProto:
    """uint8 NHWC image -> float NCHW -> 1x1 convolution to CHANNELS -> ReLU: the last feature map."""
    rng = np.random.default_rng(seed)
    weight = numpy_helper.from_array((rng.normal(size=(CHANNELS, 3, 1, 1)) / 64).astype(np.float32), "conv_weight")
    bias = numpy_helper.from_array(rng.normal(size=(CHANNELS,)).astype(np.float32), "conv_bias")
    nodes = [
        helper.make_node("Cast", ["image"], ["pixels"], to=TensorProto.FLOAT),
        helper.make_node("Transpose", ["pixels"], ["nchw"], perm=[0, 3, 1, 2]),
        helper.make_node("Conv", ["nchw", "conv_weight", "conv_bias"], ["conv"]),
        helper.make_node("Relu", ["conv"], [FEATURES]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_backbone",
        [helper.make_tensor_value_info("image", TensorProto.UINT8, ["batch", SIZE, SIZE, 3])],
        [helper.make_tensor_value_info(FEATURES, TensorProto.FLOAT, ["batch", CHANNELS, SIZE, SIZE])],
        initializer=[weight, bias],
    )
    return finish(graph)


def linear_heads(
    source: str, in_dim: int, heads: list[tuple[str, int, int]], weight_scale: float = 1.0
) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto], list[onnx.ValueInfoProto]]:
    """One linear layer per (output name, classes, seed) on the `source` vector: nodes, weights, outputs."""
    nodes, weights, outputs = [], [], []
    for output, num_classes, seed in heads:
        prefix = "" if len(heads) == 1 else output.removesuffix("logits")
        rng = np.random.default_rng(seed)
        w = rng.normal(size=(in_dim, num_classes)).astype(np.float32) / np.float32(1 / weight_scale)
        weights.append(numpy_helper.from_array(w, f"{prefix}weight"))
        weights.append(numpy_helper.from_array(rng.normal(size=(num_classes,)).astype(np.float32), f"{prefix}bias"))
        nodes.append(helper.make_node("MatMul", [source, f"{prefix}weight"], [f"{prefix}scores"]))
        nodes.append(helper.make_node("Add", [f"{prefix}scores", f"{prefix}bias"], [output]))
        outputs.append(helper.make_tensor_value_info(output, TensorProto.FLOAT, ["batch", num_classes]))
    return nodes, weights, outputs


def tiny_heads(heads: list[tuple[str, int, int]]) -> onnx.ModelProto:
    """The feature map -> global average pooling -> one linear layer per (output name, classes, seed)."""
    axes = numpy_helper.from_array(np.array([2, 3], dtype=np.int64), "pool_axes")
    head_nodes, weights, outputs = linear_heads("pooled", CHANNELS, heads)
    graph = helper.make_graph(
        [helper.make_node("ReduceMean", [FEATURES, "pool_axes"], ["pooled"], keepdims=0), *head_nodes],
        "tiny_heads",
        [helper.make_tensor_value_info(FEATURES, TensorProto.FLOAT, ["batch", CHANNELS, SIZE, SIZE])],
        outputs,
        initializer=[axes, *weights],
    )
    return finish(graph)


def merged(backbone: onnx.ModelProto, heads: onnx.ModelProto) -> onnx.ModelProto:
    """The one graph the chain stands for: the backbone's feature map wired into the heads."""
    model = compose.merge_models(backbone, heads, io_map=[(FEATURES, FEATURES)])
    onnx.checker.check_model(model)
    return model
