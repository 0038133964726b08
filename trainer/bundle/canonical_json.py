"""Canonical JSON identical to packages/bundle/src/canonical-json.ts (RFC 8785 style).

Keys sorted by UTF-16 code units, no whitespace, numbers printed the way ECMAScript prints them,
so a manifest signed in one language verifies in the other.
"""

from __future__ import annotations

import json
import math
from typing import Any

_MAX_SAFE_INT = 2**53 - 1


def _js_number(value: float | int) -> str:
    if isinstance(value, bool):
        raise TypeError("bool is not a number")
    if isinstance(value, int):
        if abs(value) <= _MAX_SAFE_INT:
            return str(value)
        value = float(value)  # what JSON.parse gives for the same digits
    if not math.isfinite(value):
        raise TypeError(f"canonical JSON cannot hold {value}")
    if value == 0:
        return "0"
    # repr gives the shortest round-trip digits, as ECMAScript does; only the layout differs.
    mantissa, _, exp_text = repr(abs(value)).partition("e")
    int_part, _, frac_part = mantissa.partition(".")
    combined = int_part + frac_part
    leading_zeros = len(combined) - len(combined.lstrip("0"))
    # n: where the decimal point sits relative to the significant digits (ECMAScript's "n").
    n = len(int_part) + (int(exp_text) if exp_text else 0) - leading_zeros
    digits = combined.strip("0")
    k = len(digits)
    sign = "-" if value < 0 else ""
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    exponent = n - 1
    exp_str = ("+" if exponent >= 0 else "-") + str(abs(exponent))
    if k == 1:
        return sign + digits + "e" + exp_str
    return sign + digits[0] + "." + digits[1:] + "e" + exp_str


def canonical_json(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float)):
        return _js_number(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: kv[0].encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical_json(v) for k, v in items) + "}"
    raise TypeError(f"canonical JSON cannot hold a {type(value).__name__}")
