"""Imagefolder scanning, image decoding and the app's preprocessing (centre square crop + bilinear resize)."""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path
from typing import TypeVar

import numpy as np
from PIL import Image, ImageOps

from trainer.errors import DataError

T = TypeVar("T")
IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}
OFFICIAL_SPLITS = {"train": "train", "val": "val", "validation": "val", "test": "test"}


@dataclass(frozen=True)
class Sample:
    path: str  # relative to the data root, '/'-separated
    label: str
    sha256: str
    group: str = ""  # e.g. PlantVillage leaf_group: images of one leaf stay on one side of a split
    official: str = ""  # train/val/test when the folder layout already fixes it (iBean)


def _official(rel: str) -> str:
    for part in rel.split("/")[:-2]:
        if part.lower() in OFFICIAL_SPLITS:
            return OFFICIAL_SPLITS[part.lower()]
    return ""


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def scan(root: Path) -> list[Sample]:
    """All images under root. Uses root/manifest.csv (relative_path,class,sha256,leaf_group) when present."""
    if not root.is_dir():
        raise DataError(f"data folder {root} does not exist")
    manifest = root / "manifest.csv"
    if manifest.is_file():
        with manifest.open(newline="") as f:
            rows = list(csv.DictReader(f))
        return [
            Sample(r["relative_path"], r["class"], r["sha256"], r.get("leaf_group") or "", _official(r["relative_path"]))
            for r in rows
        ]
    samples: list[Sample] = []
    empty: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        here = Path(dirpath)
        images = sorted(f for f in filenames if Path(f).suffix.lower() in IMAGE_EXTS)
        if here != root and not dirnames and not images:
            empty.append(here.relative_to(root).as_posix())
        for name in images:
            rel = (here / name).relative_to(root).as_posix()
            if "/" not in rel:
                raise DataError(f"image {rel} sits at the top of {root}; put each image in a folder named after its class")
            samples.append(Sample(rel, here.name, file_sha256(here / name), "", _official(rel)))
    if empty:
        raise DataError(f"class folder(s) with no images: {', '.join(empty)} (remove them or add images)")
    if not samples:
        raise DataError(f"no images found under {root}")
    return samples


def parallel_map(fn: Callable[[str], T], items: list[str], workers: int, chunksize: int = 64) -> list[T]:
    """fn over items, in a process pool when there are enough of them to pay for one."""
    if workers > 1 and len(items) > 64:
        with Pool(workers) as pool:
            return pool.map(fn, items, chunksize=chunksize)
    return [fn(item) for item in items]


def open_rgb(path: Path) -> Image.Image:
    """Fully decode (so truncated files fail here), apply EXIF orientation like the app does."""
    try:
        with Image.open(path) as im:
            im.load()
            return ImageOps.exif_transpose(im).convert("RGB")
    except Exception as err:  # PIL raises many types for broken files
        raise DataError(f"cannot decode image {path}: {err}") from err


def center_square(img: Image.Image) -> Image.Image:
    w, h = img.size
    s = min(w, h)
    left, top = (w - s) // 2, (h - s) // 2
    return img.crop((left, top, left + s, top + s))


def app_preprocess(img: Image.Image, size: int) -> np.ndarray:
    """What the app does (manifest input.resize = center-crop-bilinear): uint8 HWC RGB."""
    return np.asarray(center_square(img).resize((size, size), Image.Resampling.BILINEAR), dtype=np.uint8)


def _load_one(args: tuple[str, int, int]) -> tuple[np.ndarray, np.ndarray]:
    path, size, store = args
    img = open_rgb(Path(path))
    return app_preprocess(img, size), app_preprocess(img, store) if store else np.empty((0, 0, 3), np.uint8)


def load_arrays(root: Path, samples: Iterable[Sample], size: int, store: int, workers: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Decode every image once: the eval view (size) and a larger view (store, 0 for none) to augment from."""
    jobs = [(str(root / s.path), size, store) for s in samples]
    ev = np.empty((len(jobs), size, size, 3), np.uint8)
    st = np.empty((len(jobs) if store else 0, store, store, 3), np.uint8)
    if workers > 1 and len(jobs) > 64:
        with Pool(workers) as pool:
            results: Iterable[tuple[np.ndarray, np.ndarray]] = pool.imap(_load_one, jobs, chunksize=32)
            for i, (a, b) in enumerate(results):
                ev[i] = a
                if store:
                    st[i] = b
    else:
        for i, job in enumerate(jobs):
            a, b = _load_one(job)
            ev[i] = a
            if store:
                st[i] = b
    return ev, st
