"""Keras MobileNetV2 (TF.js tensors) -> state dict for timm `mobilenetv2_035`.

Layouts: Keras conv kernels are HWIO, depthwise kernels (H, W, C, 1); torch wants OIHW and (C, 1, H, W).
Keras BN has eps 1e-3 (set on the torch modules by trainer.model) and stores moving_mean / moving_variance.
"""

from __future__ import annotations

import numpy as np
import torch

from trainer.weights.keras_tfjs import TfjsModel

# timm MobileNetV2 stage lengths; Keras numbers its inverted-residual blocks 1..16 after `expanded_conv`.
_STAGES = (1, 2, 3, 4, 3, 3, 1)


def _keras_block_names() -> list[tuple[str, str]]:
    """(keras prefix, timm prefix) for every block in forward order."""
    names: list[tuple[str, str]] = []
    k = 0
    for stage, length in enumerate(_STAGES):
        for idx in range(length):
            names.append(("expanded_conv" if k == 0 else f"block_{k}", f"blocks.{stage}.{idx}"))
            k += 1
    return names


def _conv(w: np.ndarray, depthwise: bool = False) -> torch.Tensor:
    if depthwise:
        return torch.from_numpy(np.ascontiguousarray(w.transpose(2, 3, 0, 1)))  # H,W,C,1 -> C,1,H,W
    return torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))  # H,W,I,O -> O,I,H,W


def _bn(src: dict[str, np.ndarray], keras: str, torch_prefix: str) -> dict[str, torch.Tensor]:
    return {
        f"{torch_prefix}.weight": torch.from_numpy(src[f"{keras}/gamma"].copy()),
        f"{torch_prefix}.bias": torch.from_numpy(src[f"{keras}/beta"].copy()),
        f"{torch_prefix}.running_mean": torch.from_numpy(src[f"{keras}/moving_mean"].copy()),
        f"{torch_prefix}.running_var": torch.from_numpy(src[f"{keras}/moving_variance"].copy()),
    }


def keras_to_timm_state_dict(model: TfjsModel) -> dict[str, torch.Tensor]:
    w = model.weights
    out: dict[str, torch.Tensor] = {"conv_stem.weight": _conv(w["Conv1/kernel"])}
    out.update(_bn(w, "bn_Conv1", "bn1"))
    for keras, tm in _keras_block_names():
        if keras == "expanded_conv":  # timm DepthwiseSeparableConv: conv_dw, bn1, conv_pw, bn2
            out[f"{tm}.conv_dw.weight"] = _conv(w[f"{keras}_depthwise/depthwise_kernel"], depthwise=True)
            out.update(_bn(w, f"{keras}_depthwise_BN", f"{tm}.bn1"))
            out[f"{tm}.conv_pw.weight"] = _conv(w[f"{keras}_project/kernel"])
            out.update(_bn(w, f"{keras}_project_BN", f"{tm}.bn2"))
            continue
        # timm InvertedResidual: conv_pw (expand), bn1, conv_dw, bn2, conv_pwl (project), bn3
        out[f"{tm}.conv_pw.weight"] = _conv(w[f"{keras}_expand/kernel"])
        out.update(_bn(w, f"{keras}_expand_BN", f"{tm}.bn1"))
        out[f"{tm}.conv_dw.weight"] = _conv(w[f"{keras}_depthwise/depthwise_kernel"], depthwise=True)
        out.update(_bn(w, f"{keras}_depthwise_BN", f"{tm}.bn2"))
        out[f"{tm}.conv_pwl.weight"] = _conv(w[f"{keras}_project/kernel"])
        out.update(_bn(w, f"{keras}_project_BN", f"{tm}.bn3"))
    out["conv_head.weight"] = _conv(w["Conv_1/kernel"])
    out.update(_bn(w, "Conv_1_bn", "bn2"))
    used = 0
    for v in out.values():
        used += v.numel()
    if used != sum(a.size for a in w.values()):
        raise ValueError("not every Keras tensor was mapped onto the timm network")
    return out
