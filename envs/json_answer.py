"""Strict JSON answers: the last ``<answer>`` block, parsed with caps, exact decimals and no hedging.

Numbers become ``Decimal`` (exact: ``0.1`` is one tenth, not the nearest binary float), so rules can
be decided exactly with + − × and comparisons. ``NaN``/``Infinity``, duplicate keys, nesting deeper
than ``max_depth`` and texts longer than ``max_chars`` are refused before or while parsing. Nothing
is evaluated: ``json.loads`` with our hooks is the only reader.
"""

from __future__ import annotations

import decimal
import json
import re
from decimal import Decimal
from typing import Any

from envs.answer import answer_tag as last_answer_tag
from envs.answer import strip_think as _strip_think
from envs.base import InvalidReference


def strip_think(text: str) -> str:
    """The text after the reasoning; after an unclosed ``<think>`` nothing counts (strict)."""
    return _strip_think(text, True)


ANSWER_OPEN, ANSWER_CLOSE = "<answer>", "</answer>"

MAX_CHARS = 32_000
MAX_DEPTH = 4
MAX_LITERAL = 40  # characters in one number literal (answers)
MAX_EXP = 30  # |exponent| of a reference number's most significant digit
MAX_ANSWERS = 20  # <answer> blocks compared for hedging

# Exact arithmetic: any rounding raises instead of silently changing a verdict.
EXACT = decimal.Context(prec=2000, Emax=10**6, Emin=-(10**6),
                        traps=[decimal.Inexact, decimal.Overflow, decimal.InvalidOperation,
                               decimal.DivisionByZero])
# Byte tables for C-speed scans of the raw text (bytes.translate): keep only brackets; mark number characters.
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_NUMBER_MARK = bytes.maketrans(bytes(range(256)), bytes(ord("x") if c in b"0123456789.eE+-" else 32 for c in range(256)))
_FENCE = re.compile(r"^```[A-Za-z]*\s*|\s*```$")


class AnswerError(ValueError):
    """The answer block is there but is not an acceptable JSON value; ``code`` is the reason."""

    def __init__(self, code: str, msg: str) -> None:
        super().__init__(msg)
        self.code = code


def _constant(name: str) -> Any:
    raise AnswerError("bad_number", f"{name} is not a finite number")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise AnswerError("duplicate_key", f"key {k[:40]!r} given twice")
        out[k] = v
    return out


def depth_over(raw: bytes, limit: int) -> bool:
    """True when ``[``/``{`` nest deeper than ``limit`` in UTF-8 ``raw`` (unbalanced: ``AnswerError``).

    Brackets inside strings count too: conservative, and exact for our answers, whose only strings
    are names without brackets. Innermost pairs are peeled ``limit`` times; any bracket left is
    deeper. Every step is a C-level bytes operation, so the check is linear and cheap.
    """
    s = raw.translate(None, _NOT_BRACKETS)
    if s.count(b"[") + s.count(b"{") != s.count(b"]") + s.count(b"}"):
        raise AnswerError("bad_json", "brackets do not balance")
    return _peel(s, limit)


def _peel(s: bytes, limit: int) -> bool:
    for _ in range(limit):
        t = s.replace(b"[]", b"").replace(b"{}", b"")
        if t == s:
            break
        s = t
    return bool(s)


def loads(text: str, max_chars: int = MAX_CHARS, max_depth: int = MAX_DEPTH) -> Any:
    """Parse one JSON value with exact decimals; raise ``AnswerError`` on anything else."""
    text = text.strip()
    if text.startswith("```"):  # a Markdown code fence around the JSON
        text = _FENCE.sub("", text)
    if len(text) > max_chars:
        raise AnswerError("too_long", f"answer longer than {max_chars} characters")
    raw = text.encode("utf-8", "surrogatepass")
    if depth_over(raw, max_depth):
        raise AnswerError("too_deep", f"answer nested deeper than {max_depth}")
    # A run of number characters longer than any name (names are at most 40 characters) is a number
    # literal over the cap. Huge exponents need no scan: exact arithmetic on them raises (see EXACT).
    if b"x" * (MAX_LITERAL + 1) in raw.translate(_NUMBER_MARK):
        raise AnswerError("bad_number", f"a number literal longer than {MAX_LITERAL} characters")
    try:
        return json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=_constant,
                          object_pairs_hook=_pairs)
    except AnswerError:
        raise
    except (ValueError, RecursionError, decimal.DecimalException) as exc:
        raise AnswerError("bad_json", f"not JSON: {str(exc)[:80]}") from None


def answer_blocks(text: str, limit: int = MAX_ANSWERS) -> list[str]:
    """Contents of the last ``limit`` complete ``<answer>`` blocks after the reasoning, last first."""
    body = strip_think(text)
    out: list[str] = []
    end = len(body)
    while len(out) < limit:
        found = last_answer_tag(body[:end])
        if found is None:
            break
        out.append(found)
        close = body.rfind(ANSWER_CLOSE, 0, end)
        end = body.rfind(ANSWER_OPEN, 0, close)
    return out


def read_answer(completion: str) -> tuple[Any, str] | None:
    """The last ``<answer>`` JSON and its raw text; ``None`` when there is no answer block.

    Hedging: when earlier blocks hold a *different* answer, the completion offered several and
    scores nothing (``AnswerError("hedging")``); repeating the same answer is fine.
    """
    blocks = answer_blocks(completion)
    if not blocks:
        return None
    if len(blocks) >= MAX_ANSWERS and strip_think(completion).count(ANSWER_CLOSE) > MAX_ANSWERS:
        raise AnswerError("hedging", f"more than {MAX_ANSWERS} <answer> blocks")
    value = loads(blocks[0])
    for other in blocks[1:]:
        try:
            if loads(other) != value:
                raise AnswerError("hedging", "several different <answer> blocks")
        except AnswerError as exc:
            if exc.code == "hedging":
                raise
            raise AnswerError("hedging", "several <answer> blocks, not all the same answer") from None
    return value, blocks[0].strip()


def is_number(v: Any) -> bool:
    return isinstance(v, Decimal)


def to_decimal(v: Any, field: str, error: type[Exception]) -> Decimal:
    """A reference number (already parsed by the server as int/float) as an exact finite Decimal."""
    if isinstance(v, bool) or not isinstance(v, (int, float, Decimal)):
        raise error(f"{field}: expected a number")
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            raise error(f"{field}: not a finite number")
        d = Decimal(repr(v))  # the shortest decimal that round-trips: what the author wrote
    else:
        d = Decimal(v)
    if not d.is_finite():
        raise error(f"{field}: not a finite number")
    if d and abs(d.adjusted()) > MAX_EXP:
        raise error(f"{field}: out of range")
    return d


def only_fields(obj: Any, allowed: tuple[str, ...], where: str) -> dict[str, Any]:
    """``obj`` when it is a JSON object holding no field but ``allowed``; else ``InvalidReference``
    naming the field (``where`` is its path prefix, e.g. ``"walls[2]."``)."""
    if not isinstance(obj, dict):
        raise InvalidReference(f"{where.rstrip('.') or 'reference'}: expected an object")
    extra = sorted(set(obj) - set(allowed))
    if extra:
        raise InvalidReference(f"{where}{extra[0]}: unknown field")
    return obj
