"""The bundle content checks against the fixture cases the app's tests read too
(packages/bundle/test/content-cases.test.ts): the same files pass or fail with the same message on both sides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trainer.bundle.content import check_content
from trainer.bundle.errors import BundleError

FIXTURE = json.loads(
    (Path(__file__).resolve().parents[2] / "packages" / "bundle" / "fixtures" / "content-cases.json").read_text(encoding="utf-8")
)


def _bytes(case: dict[str, Any]) -> bytes:
    text = case["text"] if "text" in case else json.dumps(case["json"], ensure_ascii=False)
    return str(text).encode("utf-8")


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=[c["name"] for c in FIXTURE["cases"]])
def test_content_case(case: dict[str, Any]) -> None:
    files = {case["file"]: _bytes(case)}
    if case.get("error", "") is None:
        check_content(FIXTURE["manifest"], files)
        return
    with pytest.raises(BundleError) as raised:
        check_content(FIXTURE["manifest"], files)
    assert raised.value.code == "CONTENT_INVALID"
    assert raised.value.file == case["file"]
    if "errorPrefix" in case:
        assert str(raised.value).startswith(case["errorPrefix"]), str(raised.value)
    else:
        assert str(raised.value) == case["error"]
