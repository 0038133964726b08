"""Farmer advice for every class (advice.json), checked against packages/bundle/schema/advice.schema.json.

The content lives in trainer/advice/advice.json; the bundle step loads it with `load_advice` and copies it in.
Codes and messages match packages/bundle/src/advice.ts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

ADVICE_PATH = Path(__file__).resolve().parent / "advice.json"
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "packages" / "bundle" / "schema" / "advice.schema.json"
SUPPORTED_FORMAT_VERSIONS = (1,)

_validator = Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


class AdviceError(Exception):
    """advice.json is wrong in one specific way; `code` matches AdviceErrorCode in packages/bundle/src/advice.ts."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def parse_advice(text: str) -> dict[str, Any]:
    """JSON text -> advice dict, checked for format version and schema."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise AdviceError("ADVICE_NOT_JSON", f"advice.json is not valid JSON: {err}") from err
    return validate_advice(data)


def validate_advice(data: Any) -> dict[str, Any]:
    if isinstance(data, dict) and data.get("formatVersion") not in SUPPORTED_FORMAT_VERSIONS:
        supported = ", ".join(str(v) for v in SUPPORTED_FORMAT_VERSIONS)
        raise AdviceError(
            "UNSUPPORTED_ADVICE_FORMAT_VERSION",
            f"advice.json has format version {json.dumps(data.get('formatVersion'))}; this app reads versions {supported}",
        )
    error = best_match(_validator.iter_errors(data))
    if error is not None:
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        raise AdviceError("ADVICE_SCHEMA", f"advice.json does not match the schema at {where}: {error.message}")
    return data  # type: ignore[no-any-return]


def check_advice_labels(advice: dict[str, Any], labels: Iterable[str]) -> None:
    """Fail naming every label without an entry and every entry for a label the models cannot answer."""
    wanted = list(labels)
    entries: dict[str, Any] = advice["entries"]
    missing = [label for label in wanted if label not in entries]
    unknown = [label for label in entries if label not in wanted]
    if missing or unknown:
        raise AdviceError(
            "ADVICE_LABELS",
            "advice.json does not match the model labels "
            f"(missing: {', '.join(missing) or 'none'}; unknown: {', '.join(unknown) or 'none'})",
        )


def load_advice(path: Path | str, labels: Iterable[str]) -> dict[str, Any]:
    """Read and validate advice.json; it must have exactly one entry per label (disease classes + not-a-leaf)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise AdviceError("ADVICE_NOT_JSON", f"advice.json not found at {path}") from err
    advice = parse_advice(text)
    check_advice_labels(advice, labels)
    return advice


def select_advice(advice: dict[str, Any], labels: Iterable[str]) -> dict[str, Any]:
    """The entries for `labels` only (a bundle trained on fewer classes); fails naming any label without an entry."""
    wanted = list(labels)
    missing = [label for label in wanted if label not in advice["entries"]]
    if missing:
        raise AdviceError("ADVICE_LABELS", f"advice.json has no entry for: {', '.join(missing)}")
    return validate_advice({"formatVersion": advice["formatVersion"], "entries": {k: advice["entries"][k] for k in wanted}})


def advice_labels_for(manifest: dict[str, Any]) -> list[str]:
    """The labels a bundle needs advice for: every disease class plus the not-a-leaf label."""
    return [*manifest["models"]["disease"]["output"]["labels"], manifest["taxonomy"]["notALeaf"]]


__all__ = [
    "ADVICE_PATH",
    "SCHEMA_PATH",
    "AdviceError",
    "advice_labels_for",
    "check_advice_labels",
    "load_advice",
    "parse_advice",
    "select_advice",
    "validate_advice",
]
