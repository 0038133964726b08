"""A bundle's farmer-facing content besides advice.json: class names per language (names.json) and advice
translations (advice.<lang>.json). Shipped inside the signed bundle, so a new class brings its names.

Twin of packages/bundle/src/content.ts: same rules, same messages (packages/bundle/fixtures/content-cases.json).
Both files are optional in a bundle (1.x bundles have neither); when listed, they must be right.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from trainer.bundle.errors import BundleError

SCHEMAS = Path(__file__).resolve().parents[2] / "packages" / "bundle" / "schema"
NAMES_FILE = "names.json"
TRANSLATION_FILE = re.compile(r"^advice\.([a-z]{2,3})\.json$")

_names_schema = Draft202012Validator(json.loads((SCHEMAS / "names.schema.json").read_text()))
_translation_schema = Draft202012Validator(json.loads((SCHEMAS / "advice-translation.schema.json").read_text()))


def _fail(file: str, message: str) -> BundleError:
    return BundleError("CONTENT_INVALID", message, file)


def _document(file: str, data: bytes, schema: Draft202012Validator) -> dict[str, Any]:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise _fail(file, f"{file} is not valid JSON") from err
    errors = sorted(schema.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        where = "/" + "/".join(str(p) for p in errors[0].absolute_path)
        raise _fail(file, f"{file} does not match its schema at {where}: {errors[0].message}")
    return doc  # type: ignore[no-any-return]


def check_names(manifest: dict[str, Any], data: bytes) -> dict[str, Any]:
    """Every crop, class and 'healthy' the file names is named in every language it lists.

    A crop or class it does not list at all (a new class from reviewed feedback, before anyone named it) passes:
    the app names it by its cleaned-up label until names are added.
    """
    names = _document(NAMES_FILE, data, _names_schema)
    languages: list[str] = names["languages"]

    def gaps(what: str, localized: dict[str, str] | None) -> list[str]:
        if localized is None:
            return []
        absent = [lang for lang in languages if not localized.get(lang)]
        return [f"{what} ({', '.join(absent)})"] if absent else []

    missing: list[str] = []
    for crop in [*manifest["taxonomy"]["crops"], manifest["taxonomy"]["notALeaf"]]:
        missing += gaps(f"crop {crop}", names["crops"].get(crop))
    missing += gaps("healthy", names["healthy"])
    for label in manifest["models"]["disease"]["output"]["labels"]:
        if not label.endswith("___healthy"):
            missing += gaps(f"class {label}", names["classes"].get(label, {}).get("names"))
    if missing:
        raise _fail(NAMES_FILE, f"{NAMES_FILE} has no name for: {', '.join(missing)}")
    return names


def check_translation(manifest: dict[str, Any], file: str, data: bytes) -> dict[str, Any]:
    """advice.<lang>.json: in the language its name says, for classes this bundle answers."""
    match = TRANSLATION_FILE.match(file)
    if match is None:
        raise _fail(file, f"{file} is not an advice translation file name (advice.<language>.json)")
    doc = _document(file, data, _translation_schema)
    if doc["language"] != match.group(1):
        raise _fail(file, f'{file} says it is in "{doc["language"]}"')
    answerable = {*manifest["models"]["disease"]["output"]["labels"], manifest["taxonomy"]["notALeaf"]}
    unknown = sorted(label for label in doc["entries"] if label not in answerable)
    if unknown:
        raise _fail(file, f"{file} has advice for classes this bundle does not answer: {', '.join(unknown)}")
    return doc


def check_content(manifest: dict[str, Any], files: dict[str, bytes]) -> None:
    """Checks every content file the manifest lists (files: bundle file name -> bytes, already hash-checked)."""
    for name, data in files.items():
        if name == NAMES_FILE:
            check_names(manifest, data)
        elif TRANSLATION_FILE.match(name):
            check_translation(manifest, name, data)
