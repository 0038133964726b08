"""advice.json: schema-valid, one entry for every class in ../shared/data, clear errors for bad advice."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from trainer.advice import ADVICE_PATH, AdviceError, load_advice, parse_advice, select_advice

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
NOT_A_LEAF = "Background_without_leaves"
# The classes of the default bundle, spelled as in ../shared/data/README.md (space, trailing _, comma included).
EXPECTED_LABELS = [
    "Apple___Apple_scab", "Apple___Black_rot", "Apple___Cedar_apple_rust", "Apple___healthy",
    "Blueberry___healthy",
    "Cherry_(including_sour)___Powdery_mildew", "Cherry_(including_sour)___healthy",
    "Corn_(maize)___Cercospora_leaf_spot Gray_leaf_spot", "Corn_(maize)___Common_rust_",
    "Corn_(maize)___Northern_Leaf_Blight", "Corn_(maize)___healthy",
    "Orange___Haunglongbing_(Citrus_greening)",
    "Potato___Early_blight", "Potato___Late_blight", "Potato___healthy",
    "Raspberry___healthy",
    "Strawberry___Leaf_scorch", "Strawberry___healthy",
    "Grape___Black_rot", "Grape___Esca_(Black_Measles)", "Grape___Leaf_blight_(Isariopsis_Leaf_Spot)", "Grape___healthy",
    "Pepper,_bell___Bacterial_spot", "Pepper,_bell___healthy",
    "Tomato___Bacterial_spot", "Tomato___Early_blight", "Tomato___Late_blight", "Tomato___Leaf_Mold",
    "Tomato___Septoria_leaf_spot", "Tomato___Spider_mites Two-spotted_spider_mite", "Tomato___Target_Spot",
    "Tomato___Tomato_Yellow_Leaf_Curl_Virus", "Tomato___Tomato_mosaic_virus", "Tomato___healthy",
    "Bean___Angular_leaf_spot", "Bean___Bean_rust", "Bean___healthy",
    NOT_A_LEAF,
]  # fmt: skip
# A line that names a product a farmer would spray must carry the label warning.
PRODUCT = re.compile(r"fungicide|bactericide|insecticid|miticide|pesticide|horticultural oil|containing copper|protectant", re.I)


def real_advice() -> dict[str, Any]:
    return load_advice(ADVICE_PATH, EXPECTED_LABELS)


def data_labels() -> list[str]:
    plantvillage = [p.name for p in (DATA / "plantvillage").iterdir() if p.is_dir()]
    ibean = {p.name for split in (DATA / "ibean").iterdir() if split.is_dir() for p in split.iterdir() if p.is_dir()}
    return sorted([*plantvillage, *ibean])


def test_real_advice_is_schema_valid_and_covers_the_expected_labels() -> None:
    advice = real_advice()
    assert len(advice["entries"]) == 38


@pytest.mark.skipif(not (DATA / "plantvillage").is_dir(), reason="../shared/data is not present")
def test_real_advice_covers_every_class_folder_in_shared_data() -> None:
    labels = data_labels()
    assert NOT_A_LEAF in labels and "Bean___Bean_rust" in labels
    assert sorted(labels) == sorted(EXPECTED_LABELS)
    load_advice(ADVICE_PATH, labels)


def test_urgency_matches_the_kind_of_class() -> None:
    for label, entry in real_advice()["entries"].items():
        if label.endswith("___healthy") or label == NOT_A_LEAF:
            assert entry["urgency"] == "none", label
        else:
            assert entry["urgency"] in ("low", "medium", "high"), label


def test_every_product_line_says_follow_the_label() -> None:
    lines = [(label, line) for label, e in real_advice()["entries"].items() for line in [*e["actions"], *e["prevention"]]]
    product_lines = [(label, line) for label, line in lines if PRODUCT.search(line)]
    assert len(product_lines) >= 25  # most diseases have a spray step; the check below must bite
    for label, line in product_lines:
        assert "follow the label and local rules" in line, f"{label}: {line}"


def test_every_entry_names_a_source() -> None:
    for label, entry in real_advice()["entries"].items():
        assert len(entry["source"]["name"]) > 10, label


def test_missing_entry_is_rejected_with_the_label_named(tmp_path: Path) -> None:
    advice = copy.deepcopy(real_advice())
    del advice["entries"]["Tomato___Late_blight"]
    path = tmp_path / "advice.json"
    path.write_text(json.dumps(advice))
    with pytest.raises(AdviceError) as info:
        load_advice(path, EXPECTED_LABELS)
    assert info.value.code == "ADVICE_LABELS"
    assert "missing: Tomato___Late_blight;" in str(info.value)


def test_unknown_entry_is_rejected_with_the_label_named(tmp_path: Path) -> None:
    path = tmp_path / "advice.json"
    path.write_text(ADVICE_PATH.read_text())
    with pytest.raises(AdviceError) as info:
        load_advice(path, [label for label in EXPECTED_LABELS if label != "Apple___Black_rot"])
    assert "unknown: Apple___Black_rot)" in str(info.value)


def test_entry_missing_a_field_is_rejected_with_its_location() -> None:
    advice = copy.deepcopy(real_advice())
    del advice["entries"]["Bean___Bean_rust"]["actions"]
    with pytest.raises(AdviceError) as info:
        parse_advice(json.dumps(advice))
    assert info.value.code == "ADVICE_SCHEMA"
    assert "/entries/Bean___Bean_rust" in str(info.value) and "'actions' is a required property" in str(info.value)


@pytest.mark.parametrize(
    ("mutate", "code", "contains"),
    [
        (lambda a: a.update(formatVersion=2), "UNSUPPORTED_ADVICE_FORMAT_VERSION", "format version 2"),
        (lambda a: a["entries"]["Bean___healthy"].update(urgency="urgent"), "ADVICE_SCHEMA", "/entries/Bean___healthy/urgency"),
        (lambda a: a["entries"]["Bean___healthy"].update(symptoms=[]), "ADVICE_SCHEMA", "/entries/Bean___healthy/symptoms"),
        (lambda a: a["entries"]["Bean___healthy"]["source"].update(url="ftp://x"), "ADVICE_SCHEMA", "/source/url"),
    ],
    ids=["format-version", "bad-urgency", "empty-symptoms", "non-https-url"],
)
def test_malformed_advice_is_rejected(mutate: Any, code: str, contains: str) -> None:
    advice = copy.deepcopy(real_advice())
    mutate(advice)
    with pytest.raises(AdviceError) as info:
        parse_advice(json.dumps(advice))
    assert info.value.code == code
    assert contains in str(info.value)


def test_not_json_is_rejected() -> None:
    with pytest.raises(AdviceError, match=r"advice\.json is not valid JSON"):
        parse_advice('{"formatVersion": 1,')


def test_select_advice_keeps_only_the_bundle_labels_and_names_a_missing_one() -> None:
    subset = select_advice(real_advice(), ["Tomato___healthy", NOT_A_LEAF])
    assert list(subset["entries"]) == ["Tomato___healthy", NOT_A_LEAF]
    with pytest.raises(AdviceError, match="no entry for: Tomato___Mystery"):
        select_advice(real_advice(), ["Tomato___healthy", "Tomato___Mystery"])
