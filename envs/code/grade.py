"""Grading outside the sandbox: code extraction, output comparators, call-mode equality.

Nothing here executes submission or test text. Values come back from the sandbox as tagged JSON of
plain values (``sandbox.plain``) and are compared here.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

from sandbox import plain

# ---------------------------------------------------------------- extraction

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+#.-]*)[^\n]*\n(.*?)```", re.S)
LANG_TAGS = {
    "python": {"python", "py", "python3"},
    "c": {"c", "h"},
    "cpp": {"cpp", "c++", "cxx", "cc", "hpp"},
    "javascript": {"javascript", "js", "node", "nodejs"},
    "java": {"java"},
}


def extract_code(completion: str, language: str) -> str:
    """The last fenced block in the language; else the last untagged block; else the whole text."""
    blocks = _FENCE.findall(completion)
    tags = LANG_TAGS.get(language, {language})
    for tag, body in reversed(blocks):
        if tag.lower() in tags:
            return body
    for tag, body in reversed(blocks):
        if not tag:
            return body
    return completion


# ---------------------------------------------------------------- stdio comparison

_NUM = re.compile(r"[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)")


def _lines(s: str) -> list[str]:
    lines = [ln.rstrip() for ln in s.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _float_tok(a: str, b: str, tol: float) -> bool:
    if a == b:
        return True
    if not (_NUM.fullmatch(a) and _NUM.fullmatch(b)):
        return False
    if "." not in b and "e" not in b.lower():
        # An integer expectation is exact: the value must equal it (no tolerance, no float rounding).
        try:
            return Decimal(a) == int(b)
        except (ValueError, ArithmeticError):  # more digits than int() takes: only the same text matched
            return False
    x, y = float(a), float(b)
    if not (math.isfinite(x) and math.isfinite(y)):
        return False
    return abs(x - y) <= max(tol, tol * abs(y))


def compare_output(got: str, want: str, mode: str = "lines") -> bool:
    """``exact``; ``lines`` (trailing whitespace and blank lines ignored, equal line count);
    ``tokens`` (whitespace-separated tokens equal); ``float:<tol>`` (tokens, numbers within tol)."""
    if mode == "exact":
        return got == want
    if mode == "lines":
        return _lines(got) == _lines(want)
    ga, wa = got.split(), want.split()
    if len(ga) != len(wa):
        return False
    if mode == "tokens":
        return ga == wa
    if mode.startswith("float:"):
        tol = float(mode[6:])
        return all(_float_tok(a, b, tol) for a, b in zip(ga, wa, strict=True))
    raise ValueError(f"unknown compare mode {mode!r}")


def valid_compare(mode: str) -> bool:
    if mode in ("exact", "lines", "tokens"):
        return True
    if mode.startswith("float:"):
        try:
            t = float(mode[6:])
        except ValueError:
            return False
        return math.isfinite(t) and t >= 0
    return False


# ---------------------------------------------------------------- plain values

Unplain = plain.Unplain
decode = plain.unplain  # the harness's tagged JSON back to exact builtin values


def json_equal(got: Any, want: Any, tol: float = 1e-6) -> bool:
    """Call-mode equality: tuples are lists, an integer expectation is exact (``3.0`` matches ``3``,
    ``1000000000.0`` does not match ``1000000007``), a float one within tol (NaN/inf never equal), bool
    is not a number, dict keys compared as JSON would serialise them."""
    if isinstance(want, bool) or isinstance(got, bool):
        return type(got) is bool and type(want) is bool and got == want
    if isinstance(want, int | float) and isinstance(got, int | float):
        if isinstance(want, int):  # an integer expectation is exact (int/float == compares exactly)
            return (not isinstance(got, float) or math.isfinite(got)) and got == want
        g, w = float(got), float(want)
        if not (math.isfinite(g) and math.isfinite(w)):
            return False
        return abs(g - w) <= max(tol, tol * abs(w))
    if isinstance(want, list | tuple) and isinstance(got, list | tuple):
        return len(got) == len(want) and all(json_equal(a, b, tol) for a, b in zip(got, want, strict=True))
    if isinstance(want, dict) and isinstance(got, dict):
        g = {json.dumps(k) if not isinstance(k, str) else k: v for k, v in got.items()}
        return set(g) == set(want) and all(json_equal(g[k], want[k], tol) for k in want)
    if isinstance(want, str) and isinstance(got, str):
        return got == want
    if want is None:
        return got is None
    return False
