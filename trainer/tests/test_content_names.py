"""packages/bundle/content: every class the trainer knows has a human name in every language (so a new class brings
its names), and names.json / advice/<lang>.json match the same JSON schemas the app's tests use."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from trainer.taxonomy import KNOWN_CLASSES, NOT_A_LEAF, crop_of

PACKAGE = Path(__file__).resolve().parents[2] / "packages" / "bundle"
NAMES = json.loads((PACKAGE / "content" / "names.json").read_text())


def test_names_match_their_schema() -> None:
    schema = json.loads((PACKAGE / "schema" / "names.schema.json").read_text())
    assert [e.message for e in Draft202012Validator(schema).iter_errors(NAMES)] == []


def test_every_known_class_and_crop_has_a_name_in_every_language() -> None:
    languages = set(NAMES["languages"])
    for label in KNOWN_CLASSES:
        crop = NOT_A_LEAF if label == NOT_A_LEAF else crop_of(label)
        assert set(NAMES["crops"].get(crop, {})) == languages, f"crop {crop} needs a name in {sorted(languages)}"
        if label != NOT_A_LEAF and not label.endswith("___healthy"):
            names = NAMES["classes"].get(label, {}).get("names", {})
            assert set(names) == languages, f"{label} needs a name in {sorted(languages)} (packages/bundle/content/names.json)"


def test_advice_translations_match_their_schema_and_name_known_classes() -> None:
    schema = json.loads((PACKAGE / "schema" / "advice-translation.schema.json").read_text())
    for path in sorted((PACKAGE / "content" / "advice").glob("*.json")):
        doc = json.loads(path.read_text())
        assert [e.message for e in Draft202012Validator(schema).iter_errors(doc)] == [], path.name
        assert path.stem == doc["language"]
        assert set(doc["entries"]) <= set(KNOWN_CLASSES), path.name
