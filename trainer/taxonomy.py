"""Class names the trainer knows: PlantVillage's 38 classes, iBean's 3 and the not-a-leaf folder, plus the classes
a config declares (`[taxonomy] classes`) and the new classes agronomists declared in a feedback export.

A class outside these is refused: a typo would otherwise become a new disease. The model's label spaces are built
from the classes present in the data (`build_taxonomy`), so a declared new class adds a crop or a disease row.
"""

from __future__ import annotations

from collections.abc import Collection

NOT_A_LEAF = "Background_without_leaves"

KNOWN_CLASSES: tuple[str, ...] = (
    "Apple___Apple_scab",
    "Apple___Black_rot",
    "Apple___Cedar_apple_rust",
    "Apple___healthy",
    "Bean___Angular_leaf_spot",
    "Bean___Bean_rust",
    "Bean___healthy",
    "Blueberry___healthy",
    "Cherry_(including_sour)___Powdery_mildew",
    "Cherry_(including_sour)___healthy",
    "Corn_(maize)___Cercospora_leaf_spot Gray_leaf_spot",
    "Corn_(maize)___Common_rust_",
    "Corn_(maize)___Northern_Leaf_Blight",
    "Corn_(maize)___healthy",
    "Grape___Black_rot",
    "Grape___Esca_(Black_Measles)",
    "Grape___Leaf_blight_(Isariopsis_Leaf_Spot)",
    "Grape___healthy",
    "Orange___Haunglongbing_(Citrus_greening)",
    "Peach___Bacterial_spot",
    "Peach___healthy",
    "Pepper,_bell___Bacterial_spot",
    "Pepper,_bell___healthy",
    "Potato___Early_blight",
    "Potato___Late_blight",
    "Potato___healthy",
    "Raspberry___healthy",
    "Soybean___healthy",
    "Squash___Powdery_mildew",
    "Strawberry___Leaf_scorch",
    "Strawberry___healthy",
    "Tomato___Bacterial_spot",
    "Tomato___Early_blight",
    "Tomato___Late_blight",
    "Tomato___Leaf_Mold",
    "Tomato___Septoria_leaf_spot",
    "Tomato___Spider_mites Two-spotted_spider_mite",
    "Tomato___Target_Spot",
    "Tomato___Tomato_Yellow_Leaf_Curl_Virus",
    "Tomato___Tomato_mosaic_virus",
    "Tomato___healthy",
    NOT_A_LEAF,
)


def crop_of(label: str) -> str:
    return NOT_A_LEAF if label == NOT_A_LEAF else label.split("___", 1)[0]


def unknown_classes(classes: list[str], declared: Collection[str] = ()) -> list[str]:
    """Classes neither in KNOWN_CLASSES nor declared (by the config or as a reviewed new class)."""
    return sorted(c for c in classes if c not in KNOWN_CLASSES and c not in declared)


def build_taxonomy(classes: list[str]) -> dict[str, list[str]]:
    """Crop -> sorted disease classes, for the classes present in the data (not-a-leaf excluded)."""
    crops: dict[str, list[str]] = {}
    for c in sorted(set(classes)):
        if c != NOT_A_LEAF:
            crops.setdefault(crop_of(c), []).append(c)
    return crops


def species_labels(taxonomy: dict[str, list[str]]) -> list[str]:
    return [*taxonomy.keys(), NOT_A_LEAF]


def disease_labels(taxonomy: dict[str, list[str]]) -> list[str]:
    return [d for ds in taxonomy.values() for d in ds]
