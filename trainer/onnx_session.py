"""The one way the trainer opens an ONNX graph with onnxruntime: export checks, evaluate, the bundle's self-test, parity."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort


def session(path: Path, threads: int = 1) -> ort.InferenceSession:
    """One thread, no spinning: on a shared 2-core machine this is both the fastest and the steadiest."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # As the apps do (ORT_SESSION_CONFIG in packages/diagnosis): int8 weights fold to float once, at load,
    # instead of being dequantized on every run (bench/inference/README.md, "Folding the int8 weights at load").
    opts.add_session_config_entry("session.disable_quant_qdq", "1")
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
