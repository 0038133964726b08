"""A persistent cache of frozen-backbone features, keyed by backbone hash and photo hash.

A `head` run trains only the heads on a frozen backbone, so each photo's feature vector depends only on the
backbone's weights, the input size and normalisation (the backbone key) and the photo's bytes (its sha256, since
the eval view is a pure function of the file). Features are computed once and reused by every later run on the
same backbone: only photos new since the last run (the feedback that arrived) cost a forward pass.

Layout: `<root>/<backbone key>/<n>.npz`, each shard holding `sha256` (the photo hashes) and `features` (float32).
A shard is written to a temporary name and renamed, so a crash never leaves a half shard that a later run reads.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn


def backbone_key(backbone: nn.Module, size: int, mean: Sequence[float], std: Sequence[float]) -> str:
    """sha256 over the backbone's parameters and buffers (names, shapes, dtypes, bytes) plus the input it is fed."""
    h = hashlib.sha256(f"size={size};mean={list(mean)};std={list(std)}".encode())
    for name, tensor in sorted(backbone.state_dict().items()):
        t = tensor.detach().cpu().contiguous()
        h.update(f"{name}:{t.dtype}:{tuple(t.shape)}".encode())
        h.update(t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.float().numpy().tobytes())
    return h.hexdigest()[:32]


class FeatureCache:
    def __init__(self, root: Path, key: str) -> None:
        self.dir = root / key
        self._features: dict[str, np.ndarray] = {}
        if self.dir.is_dir():
            for shard in sorted(self.dir.glob("*.npz")):
                with np.load(shard) as z:
                    self._features.update(zip(z["sha256"].tolist(), z["features"], strict=True))
        self.hits = 0
        self.computed = 0

    def __len__(self) -> int:
        return len(self._features)

    def features(self, sha256: Sequence[str], compute: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Features for each photo (in order); `compute(indices)` embeds the photos not cached yet, then they are stored."""
        first_of: dict[str, int] = {}
        for i, s in enumerate(sha256):
            if s not in self._features:
                first_of.setdefault(s, i)  # the same photo twice in a split is embedded once
        todo = np.array(list(first_of.values()), dtype=np.int64)
        if len(todo):
            fresh = np.asarray(compute(todo), dtype=np.float32)
            new = {sha256[int(i)]: fresh[k] for k, i in enumerate(todo)}
            self._write(new)
            self._features.update(new)
        self.computed += len(todo)
        self.hits += sum(1 for s in sha256 if s not in first_of)
        if not sha256:
            return np.empty((0, 0), np.float32)
        return np.stack([self._features[s] for s in sha256])

    def _write(self, new: dict[str, np.ndarray]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        shard = self.dir / f"{len(list(self.dir.glob('*.npz'))):05d}-{os.getpid()}.npz"
        tmp = shard.with_name(shard.name + ".tmp")
        with tmp.open("wb") as f:
            np.savez(f, sha256=np.array(list(new)), features=np.stack(list(new.values())))
        tmp.replace(shard)
