"""Label spaces and decoded split arrays (cached in the run folder so later steps reuse them)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trainer.data import Sample, load_arrays
from trainer.sources import is_lab_photo
from trainer.split import read_splits
from trainer.taxonomy import NOT_A_LEAF, build_taxonomy, crop_of, disease_labels, species_labels


@dataclass
class Labels:
    taxonomy: dict[str, list[str]]
    species: list[str] = field(init=False)
    disease: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.species = species_labels(self.taxonomy)
        self.disease = disease_labels(self.taxonomy)

    def species_index(self, label: str) -> int:
        return self.species.index(crop_of(label))

    def disease_index(self, label: str) -> int:
        """-1 for not-a-leaf images: they train only the species head."""
        return -1 if label == NOT_A_LEAF else self.disease.index(label)


@dataclass
class SplitData:
    paths: list[str]
    labels: list[str]
    eval_images: np.ndarray  # N,S,S,3 uint8: exactly what the app feeds the model
    store_images: np.ndarray  # N,T,T,3 uint8: larger view that augmentation crops from
    y_species: np.ndarray
    y_disease: np.ndarray
    lab: np.ndarray  # True for lab photos (PlantVillage): candidates for compositing; field and feedback photos are not
    sha256: list[str] = field(default_factory=list)  # of each file: the photo half of the feature cache key


def labels_from_splits(run_dir: Path) -> Labels:
    return Labels(build_taxonomy([r["label"] for r in read_splits(run_dir)]))


def load_split(run_dir: Path, root: Path, split: str, size: int, store: int, labels: Labels, workers: int = 2) -> SplitData:
    rows = [r for r in read_splits(run_dir) if r["split"] == split]
    key = hashlib.sha256(("\n".join(r["sha256"] for r in rows) + f"/{size}/{store}").encode()).hexdigest()[:12]
    cache = run_dir / "cache" / f"{split}-{size}-{store}-{key}.npz"
    if cache.is_file():
        z = np.load(cache)
        ev, st = z["eval"], z["store"]
    else:
        samples = [Sample(r["path"], r["label"], r["sha256"]) for r in rows]
        ev, st = load_arrays(root, samples, size, store, workers)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, eval=ev, store=st)
    return SplitData(
        paths=[r["path"] for r in rows],
        labels=[r["label"] for r in rows],
        eval_images=ev,
        store_images=st,
        y_species=np.array([labels.species_index(r["label"]) for r in rows], np.int64),
        y_disease=np.array([labels.disease_index(r["label"]) for r in rows], np.int64),
        lab=np.array([is_lab_photo(r["path"], r["label"]) for r in rows], dtype=bool),
        sha256=[r["sha256"] for r in rows],
    )
