"""Starting a run from an earlier model whose label spaces may be smaller: heads keep their rows by label name.

A reviewed new class adds a row to a head (and a new crop a row to the species head): the old rows are copied
from the checkpoint, the new ones keep the fresh initialisation and are trained. A label the checkpoint had but
the data no longer has is dropped (the promotion gate refuses a candidate that loses a class the served bundle has).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn


def _copy_rows(head: nn.Linear, weight: torch.Tensor, bias: torch.Tensor, old: list[str], new: list[str]) -> list[str]:
    added = []
    with torch.no_grad():
        for i, label in enumerate(new):
            if label in old:
                j = old.index(label)
                head.weight[i] = weight[j]
                head.bias[i] = bias[j]
            else:
                added.append(label)
    return added


def load_expanded(net: nn.Module, checkpoint: Path, species: list[str], disease: list[str]) -> dict[str, Any]:
    """Load `checkpoint` into `net` (heads sized for `species`/`disease`); returns which head rows are new."""
    ck = torch.load(checkpoint, map_location="cpu", weights_only=False)
    state, meta = ck["state"], ck["meta"]
    old = {"species": list(meta["speciesLabels"]), "disease": list(meta["diseaseLabels"])}
    heads = {k: v for k, v in state.items() if k.startswith(("species.", "disease."))}
    missing, unexpected = net.load_state_dict({k: v for k, v in state.items() if k not in heads}, strict=False)
    if unexpected or any(not k.startswith(("species.", "disease.")) for k in missing):
        raise ValueError(f"{checkpoint} is not a checkpoint of this architecture (missing {missing[:3]}, extra {unexpected[:3]})")
    added = {
        "species": _copy_rows(net.species, heads["species.weight"], heads["species.bias"], old["species"], species),  # type: ignore[arg-type]
        "disease": _copy_rows(net.disease, heads["disease.weight"], heads["disease.bias"], old["disease"], disease),  # type: ignore[arg-type]
    }
    dropped = {k: sorted(set(old[k]) - set(new)) for k, new in (("species", species), ("disease", disease))}
    return {"checkpoint": str(checkpoint), "addedRows": added, "droppedRows": dropped}
