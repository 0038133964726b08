"""train: progressive unfreezing of one backbone with a species head and a disease head.

Phase "head": backbone frozen; features are computed once per image (cached) and only the heads train.
Phase "tail": the last stages train on augmented images; the frozen stem and early stages run without
gradients. Phase "full": everything at a low learning rate. BatchNorm statistics stay frozen by default.
AdamW, class-weighted cross-entropy (or balanced sampling), mixed precision on GPU only.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from trainer.augment import augment
from trainer.dataset import Labels, SplitData, labels_from_splits, load_split
from trainer.feature_cache import FeatureCache, backbone_key
from trainer.incremental import load_expanded
from trainer.model import LeafNet, Normalisation, backbone_prefix, backbone_tail, build, tail_modules
from trainer.train_log import RunLog


@dataclass
class TrainConfig:
    data: str = "../shared/data"
    run_dir: str = "runs/default"
    init: str = "keras"
    arch: str = "mobilenetv2_035"
    size: int = 160
    store: int = 200
    head_epochs: int = 30
    tail_epochs: int = 4
    full_epochs: int = 1
    tail_from: int = 5  # backbone stages [tail_from:] train in the "tail" phase
    batch: int = 64
    lr_head: float = 3e-3
    lr_tail: float = 1e-3
    lr_full: float = 2e-4
    weight_decay: float = 1e-4
    balanced: bool = False  # balanced sampling instead of class-weighted loss
    aug_strength: float = 1.0  # 0: crops and flips only; 1: the full field-photo set
    freeze_bn: bool = True  # keep BatchNorm statistics fixed: small CPU batches, and the heads were fit on them
    seed: int = 0
    threads: int = 2
    workers: int = 2
    wandb_project: str = ""
    init_checkpoint: str = ""  # continue from a checkpoint; head rows are matched by label, new classes get new rows
    feature_cache: str = ""  # folder of frozen-backbone features kept across runs (trainer/feature_cache.py); "": none


def to_input(images: np.ndarray, norm: Normalisation, device: torch.device) -> torch.Tensor:
    x = torch.from_numpy(images).to(device).permute(0, 3, 1, 2).float() / 255.0
    mean = torch.tensor(norm.mean, device=device).view(1, 3, 1, 1)
    std = torch.tensor(norm.std, device=device).view(1, 3, 1, 1)
    # channels_last: depthwise convolutions run about 2x faster on CPU in this layout (the net is converted too)
    return ((x - mean) / std).contiguous(memory_format=torch.channels_last)


@torch.no_grad()
def embed(net: LeafNet, images: np.ndarray, norm: Normalisation, device: torch.device, batch: int = 128) -> torch.Tensor:
    net.eval()
    out = [net.features(to_input(images[i : i + batch], norm, device)).float() for i in range(0, len(images), batch)]
    return torch.cat(out) if out else torch.empty(0)


def class_weights(y: np.ndarray, n: int, device: torch.device) -> torch.Tensor:
    counts = np.bincount(y[y >= 0], minlength=n).astype(np.float64)
    w = np.where(counts > 0, counts[counts > 0].mean() / np.maximum(counts, 1), 0.0)
    return torch.tensor(w, dtype=torch.float32, device=device)


def joint_loss(
    out: tuple[torch.Tensor, torch.Tensor], ys: torch.Tensor, yd: torch.Tensor, w: dict[str, torch.Tensor | None]
) -> torch.Tensor:
    loss = F.cross_entropy(out[0].float(), ys, weight=w["species"])
    if bool((yd >= 0).any()):
        loss = loss + F.cross_entropy(out[1].float(), yd, weight=w["disease"], ignore_index=-1)
    return loss


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    keep = y >= 0
    return float((logits[keep].argmax(1) == y[keep]).float().mean()) if bool(keep.any()) else 0.0


@torch.no_grad()
def val_scores(net: LeafNet, val: SplitData, norm: Normalisation, device: torch.device) -> dict[str, float]:
    f = embed(net, val.eval_images, norm, device)
    ys, yd = torch.from_numpy(val.y_species).to(device), torch.from_numpy(val.y_disease).to(device)
    return {"val_acc_species": accuracy(net.species(f), ys), "val_acc_disease": accuracy(net.disease(f), yd)}


class Trainer:
    def __init__(self, cfg: TrainConfig) -> None:
        self.cfg = cfg
        torch.manual_seed(cfg.seed)
        torch.set_num_threads(cfg.threads)
        self.rng = np.random.default_rng(cfg.seed)
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.run_dir = Path(cfg.run_dir)
        self.labels: Labels = labels_from_splits(self.run_dir)
        root = Path(cfg.data)
        self.train = load_split(self.run_dir, root, "train", cfg.size, cfg.store, self.labels, cfg.workers)
        self.val = load_split(self.run_dir, root, "val", cfg.size, cfg.store, self.labels, cfg.workers)
        self.net, self.norm, self.keras_style = build(cfg.init, cfg.arch, len(self.labels.species), len(self.labels.disease))
        self.expansion = None
        if cfg.init_checkpoint:
            self.expansion = load_expanded(self.net, Path(cfg.init_checkpoint), self.labels.species, self.labels.disease)
        self.net.to(self.device, memory_format=torch.channels_last)
        self.arch = cfg.init.split(":", 1)[1] if cfg.init.startswith("timm:") else cfg.arch
        w = not cfg.balanced
        self.weights: dict[str, torch.Tensor | None] = {
            "species": class_weights(self.train.y_species, len(self.labels.species), self.device) if w else None,
            "disease": class_weights(self.train.y_disease, len(self.labels.disease), self.device) if w else None,
        }
        bg = [i for i, lab in enumerate(self.train.labels) if lab == self.labels.species[-1]]
        self.backgrounds = self.train.store_images[bg] if bg else None
        self.log = RunLog(self.run_dir, cfg.wandb_project)
        self.amp = self.device.type == "cuda"
        self.cache: FeatureCache | None = None

    def order(self) -> np.ndarray:
        n = len(self.train.labels)
        if not self.cfg.balanced:
            return self.rng.permutation(n)
        key = np.where(self.train.y_disease >= 0, self.train.y_disease, len(self.labels.disease))
        p = 1.0 / np.bincount(key)[key]
        return self.rng.choice(n, size=n, p=p / p.sum())

    def phase_head(self) -> None:
        """Frozen backbone: one forward pass per image, then many cheap epochs on the cached features."""
        cfg, dev = self.cfg, self.device
        t0 = time.time()
        feats, vfeats = self.frozen_features(self.train), self.frozen_features(self.val)
        vys, vyd = torch.from_numpy(self.val.y_species).to(dev), torch.from_numpy(self.val.y_disease).to(dev)
        ys, yd = torch.from_numpy(self.train.y_species).to(dev), torch.from_numpy(self.train.y_disease).to(dev)
        heads = nn.ModuleList([self.net.species, self.net.disease])
        opt = torch.optim.AdamW(heads.parameters(), lr=cfg.lr_head, weight_decay=cfg.weight_decay)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, cfg.head_epochs))
        for epoch in tqdm(range(cfg.head_epochs), desc="head", unit="ep"):
            self.net.train()
            total, n = 0.0, 0
            for idx in torch.from_numpy(self.order()).split(256):
                f = self.net.drop(feats[idx])
                loss = joint_loss((self.net.species(f), self.net.disease(f)), ys[idx], yd[idx], self.weights)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total, n = total + loss.item() * len(idx), n + len(idx)
            sched.step()
            if epoch == cfg.head_epochs - 1 or epoch % 10 == 9:
                self.net.eval()
                with torch.no_grad():
                    scores = {
                        "train_acc_disease": accuracy(self.net.disease(feats), yd),
                        "val_acc_species": accuracy(self.net.species(vfeats), vys),
                        "val_acc_disease": accuracy(self.net.disease(vfeats), vyd),
                    }
                self.log.log(
                    {
                        "phase": "head",
                        "epoch": epoch + 1,
                        "train_loss": total / n,
                        **scores,
                        "seconds": round(time.time() - t0, 1),
                    }
                )
        self.save("head")

    def frozen_features(self, split: SplitData) -> torch.Tensor:
        """The backbone's features of a split's eval views, through the persistent cache when one is configured."""
        if not self.cfg.feature_cache:
            return embed(self.net, split.eval_images, self.norm, self.device)
        if self.cache is None:
            key = backbone_key(self.net.backbone, self.cfg.size, self.norm.mean, self.norm.std)
            self.cache = FeatureCache(Path(self.cfg.feature_cache), key)
        cache = self.cache

        def compute(idx: np.ndarray) -> np.ndarray:
            return embed(self.net, split.eval_images[idx], self.norm, self.device).cpu().numpy()

        return torch.from_numpy(cache.features(split.sha256, compute)).to(self.device)

    def phase_images(self, phase: str, epochs: int, lr: float, split: int) -> None:
        """Augmented images; stages [0, split) frozen and run without gradients (split 0: all train)."""
        cfg, dev = self.cfg, self.device
        bb = self.net.backbone
        trainable = [*(tail_modules(bb, split) if split else [bb]), self.net.species, self.net.disease]
        for p in self.net.parameters():
            p.requires_grad_(False)
        params = [p for m in trainable for p in m.parameters()]
        for p in params:
            p.requires_grad_(True)
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=cfg.weight_decay)
        steps = epochs * -(-len(self.train.labels) // cfg.batch)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(1, steps), pct_start=0.1)
        scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        for epoch in range(epochs):
            t0 = time.time()
            self.net.eval()
            for m in trainable:
                m.train()
            if cfg.freeze_bn:
                for m in self.net.modules():
                    if isinstance(m, nn.BatchNorm2d):
                        m.eval()
            order = self.order()
            bar = tqdm(range(0, len(order), cfg.batch), desc=f"{phase} {epoch + 1}/{epochs}", unit="batch")
            total, correct, n = 0.0, 0.0, 0
            for start in bar:
                idx = order[start : start + cfg.batch]
                tr = self.train
                imgs = np.stack(
                    [
                        augment(tr.store_images[i], cfg.size, self.rng, bool(tr.lab[i]), self.backgrounds, cfg.aug_strength)
                        for i in idx
                    ]
                )
                x = to_input(imgs, self.norm, dev)
                ys, yd = torch.from_numpy(self.train.y_species[idx]).to(dev), torch.from_numpy(self.train.y_disease[idx]).to(dev)
                with torch.autocast(dev.type, dtype=torch.float16, enabled=self.amp):
                    if split:
                        with torch.no_grad():
                            x = backbone_prefix(bb, x, split)
                        f = self.net.drop(backbone_tail(bb, x, split))
                    else:
                        f = self.net.drop(self.net.features(x))
                    out = (self.net.species(f), self.net.disease(f))
                    loss = joint_loss(out, ys, yd, self.weights)
                opt.zero_grad()
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
                sched.step()
                total, n = total + loss.item() * len(idx), n + len(idx)
                correct += accuracy(out[1].detach(), yd) * len(idx)
                bar.set_postfix(loss=f"{total / n:.3f}", acc=f"{correct / n:.3f}")
            self.log.log(
                {
                    "phase": phase,
                    "epoch": epoch + 1,
                    "train_loss": total / n,
                    "train_acc_disease": correct / n,
                    **val_scores(self.net, self.val, self.norm, dev),
                    "seconds": round(time.time() - t0, 1),
                }
            )
            self.save(phase)

    def meta(self) -> dict[str, Any]:
        return {
            "arch": self.arch,
            "kerasStyle": self.keras_style,
            "init": self.cfg.init,
            "size": self.cfg.size,
            "mean": list(self.norm.mean),
            "std": list(self.norm.std),
            "taxonomy": self.labels.taxonomy,
            "speciesLabels": self.labels.species,
            "diseaseLabels": self.labels.disease,
            "config": dataclasses.asdict(self.cfg),
        }

    def save(self, name: str) -> None:
        (self.run_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().cpu() for k, v in self.net.state_dict().items()}
        torch.save({"state": state, "meta": self.meta()}, self.run_dir / "checkpoints" / f"{name}.pt")

    def run(self) -> dict[str, Any]:
        cfg, t0 = self.cfg, time.time()
        if cfg.head_epochs:
            self.phase_head()
        if cfg.tail_epochs:
            self.phase_images("tail", cfg.tail_epochs, cfg.lr_tail, cfg.tail_from)
        if cfg.full_epochs:
            self.phase_images("full", cfg.full_epochs, cfg.lr_full, 0)
        self.save("final")
        self.log.plot(self.run_dir / "training-curve.png")
        self.log.close()
        summary = {**self.log.rows[-1], "total_seconds": round(time.time() - t0, 1)}
        if self.cache is not None:
            summary["featureCache"] = {"key": self.cache.dir.name, "hits": self.cache.hits, "computed": self.cache.computed}
        if self.expansion is not None:
            summary["initCheckpoint"] = self.expansion
        (self.run_dir / "train_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        return summary


def train(cfg: TrainConfig) -> dict[str, Any]:
    return Trainer(cfg).run()


def load_checkpoint(path: Path) -> tuple[LeafNet, dict[str, Any]]:
    from trainer.model import rebuild

    ck = torch.load(path, map_location="cpu", weights_only=False)
    net = rebuild(ck["meta"])
    net.load_state_dict(ck["state"])
    net.eval()
    return net, ck["meta"]
