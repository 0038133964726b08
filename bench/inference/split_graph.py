"""Cut a bundle's single graph at its last feature map into the chained layout's two files, for the benchmark.

  python bench/inference/split_graph.py BUNDLE_DIR OUT_DIR   -> OUT_DIR/backbone.onnx, OUT_DIR/heads.onnx, prints JSON

The feature map is the 4-D input of the last global pooling (GlobalAveragePool or ReduceMean over H, W); the backbone
file ends there and the heads file starts there, so the pair computes exactly what the single graph computes
(the class activation map output too, which reads the same feature map).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import onnx
from onnx.utils import Extractor


def feature_map(model: onnx.ModelProto) -> str:
    pools = [n for n in model.graph.node if n.op_type in ("GlobalAveragePool", "ReduceMean")]
    if not pools:
        raise SystemExit("no global pooling in the graph: cannot find the last feature map")
    return pools[-1].input[0]


def main() -> None:
    bundle, out = Path(sys.argv[1]), Path(sys.argv[2])
    manifest = json.loads((bundle / "manifest.json").read_text())
    model = onnx.load(str(bundle / manifest["models"]["species"]["file"]))
    model = onnx.shape_inference.infer_shapes(model)
    features = feature_map(model)
    extractor = Extractor(model)
    image = [i.name for i in model.graph.input]
    outputs = [o.name for o in model.graph.output]
    out.mkdir(parents=True, exist_ok=True)
    onnx.save(extractor.extract_model(image, [features]), str(out / "backbone.onnx"))
    onnx.save(extractor.extract_model([features], outputs), str(out / "heads.onnx"))
    print(json.dumps({"features": features, "image": image[0], "outputs": outputs}))


if __name__ == "__main__":
    main()
