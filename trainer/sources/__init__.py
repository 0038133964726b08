"""Where training images come from: the base imagefolder (PlantVillage lab photos, iBean field photos) and the
reviewed field feedback the API exports (`feedback.py`), joined into one run data root (`combined.py`).

Lab photos (a leaf on a plain card) are the only ones augmentation pastes onto other backgrounds; iBean and
feedback photos are field photos and keep their own.
"""

from __future__ import annotations

from trainer.taxonomy import NOT_A_LEAF

LAB_PREFIXES = ("plantvillage/",)
FEEDBACK_PREFIX = "feedback/"


def is_lab_photo(path: str, label: str) -> bool:
    return path.startswith(LAB_PREFIXES) and label != NOT_A_LEAF
