"""One answer span -> quantities (number + unit), by our grammar only.

The span is cleaned with the math task's LaTeX clean-up, the number part is read by the math
task's number grammar (``envs.math.latex.parse`` + the guarded evaluators), the unit part by
``units.parse_unit``. The span must be exactly one quantity, optionally after a label
(``v = …``, ``≈``), or a chain/list of quantities (``19.6 m/s = 70.56 km/h``); anything else —
qualifiers (or, ±, between, at least, not, ≤ …), prose, two numbers side by side — is refused
here, so a hedge cannot reach the comparison.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

import mpmath

from envs.hedge import qualifiers
from envs.math.ast import symbols
from envs.math.evaluate import Refused, exact, numeric
from envs.math.latex import ParseError, parse
from envs.math.normalize import clean_latex, unwrap
from envs.math.tokens import num_token
from envs.physics.units import DIMENSIONLESS, Unit, UnitError, parse_unit

MAX_SPAN = 400


class QuantityError(ValueError):
    def __init__(self, code: str, msg: str = "") -> None:
        super().__init__(msg or code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float
    unit: Unit
    has_unit: bool
    text: str
    unit_text: str = ""


_SUP_RUN = re.compile(r"[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_DEGREE = re.compile(r"\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|\\degree(?![A-Za-z])|\^\s*\{\s*\\degree\s*\}")
_TEMP = re.compile(r"°\s*C(?![A-Za-z])|\bdeg\s*C\b|\bdegrees?\s+[Cc]elsius\b")
_TEMP_F = re.compile(r"°\s*F(?![A-Za-z])|\bdeg\s*F\b|\bdegrees?\s+[Ff]ahrenheit\b")
# ± states a range, not a value: a hedge here (the shared rule in envs.hedge names the words).
_PLUS_MINUS = re.compile(r"\\pm|\\mp|±|∓|\+/-")
_NON_FINITE = re.compile(r"\\infty|∞|(?<![A-Za-z])(?:inf|infinity|infinite|nan)(?![A-Za-z])", re.I)
_APPROX = re.compile(r"^\s*(?:approximately|approx\.?|about|around|roughly|≈|\\approx|\\sim)\s*", re.I)
_LABEL = re.compile(r"^\s*(?:\\?[A-Za-z][A-Za-z0-9_{}\\' ,()]{0,40}?)\s*(?:=|≈|\\approx)(?!=)")
_CHAIN = re.compile(r"=|≈|\\approx")
_LIST = re.compile(r";|,(?!\d)")  # "2,500" (thousands) and "19,6" (decimal comma) are numbers
_THOUSANDS = re.compile(r"^(-?)(\d{1,3}(?:,\d{3})+)(\.\d+)?(?=\s|$|\\|[A-Za-zΩμµ°℃℉%(/])")
_DEC_COMMA = re.compile(r"^(-?\d+),(\d+)(?=\s|$|\\|[A-Za-zΩμµ°℃℉%(/])")
_SPACE_THOUSANDS = re.compile(r"^(-?\d{1,3})((?: \d{3})+)(?=\s*(?:[A-Za-zΩμµ°℃℉%(/\\]|$))")
# Tokens a number part may hold: decimals, e-notation, \frac, \sqrt, \pi, ×10^n, brackets.
_NUM_TOKEN = re.compile(
    r"\s+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+|\\(?:frac|sqrt|times|cdot|pi)(?![A-Za-z])|[-+*/^(){}]"
    r"|x(?=\s*10\s*\^)")


_SIUNITX = re.compile(r"\\(?:SI|qty)\s*\{([^{}]{0,80})\}\s*\{([^{}]{0,80})\}")
_HAS_SUP = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]")
_MICRO_SPACE = re.compile(r"([μµ])\s+(?=[A-Za-zΩ])")
_PREFIX_OHM = re.compile(r"(?<![A-Za-z])([kMG])\s+(?=Ω)")


def prepare(span: str) -> str:
    """Spelling-level clean-up: LaTeX wrappers, spacing, Unicode super/subscripts, degree marks."""
    s = span.strip()
    if len(s) > MAX_SPAN * 4:  # refused whole, never cut: a cut could drop the end of a hedge
        raise QuantityError("too_long", f"answer longer than {MAX_SPAN * 4} characters")
    if "\\" in s:
        s = _SIUNITX.sub(r"\1 \2", s)  # siunitx: \SI{19.6}{m/s}
        s = s.replace("\\Omega", "Ω").replace("\\mu", "μ").replace("\\%", "%").replace("\\AA", "Å")
        s = s.replace("\\ohm", "Ω")
        s = _DEGREE.sub("°", s)
    if _HAS_SUP.search(s):
        s = _SUP_RUN.sub(lambda m: "^{" + m.group().translate(_SUP) + "}", s)
    s = clean_latex(s)
    if "\\" in s:
        s = unwrap(s)
        s = s.replace("\\(", " ").replace("\\)", " ").replace("\\[", " ").replace("\\]", " ")
        s = s.replace("\\,", " ").replace("\\ ", " ")
    s = s.replace("$", " ").replace("~", " ")
    if "μ" in s or "µ" in s or "Ω" in s:
        s = _MICRO_SPACE.sub(r"\1", s)  # \mu\mathrm{F}
        s = _PREFIX_OHM.sub(r"\1", s)  # \mathrm{k}\Omega
    if "°" in s or "deg" in s or "elsius" in s or "ahrenheit" in s:
        s = _TEMP.sub("℃", s)
        s = _TEMP_F.sub("℉", s)
    s = " ".join(s.split()).rstrip(".。 ").strip()
    if s.startswith("**") and s.endswith("**") and len(s) > 4:
        s = s[2:-2].strip()
    return s


def parse_span(span: str) -> list[Quantity]:
    """Every quantity the span states (one, or an agreeing chain/list). Raises ``QuantityError``."""
    s = prepare(span)
    if not s:
        raise QuantityError("empty")
    if len(s) > MAX_SPAN:
        raise QuantityError("too_long", f"answer longer than {MAX_SPAN} characters")
    if _NON_FINITE.search(s):
        raise QuantityError("non_finite", f"{_NON_FINITE.search(s).group()!r} is not a value")  # type: ignore[union-attr]
    if not any(c.isdigit() for c in s):
        raise QuantityError("no_number", f"no number in {s[:60]!r}")
    found = qualifiers(s) | ({"±"} if _PLUS_MINUS.search(s) else set())
    if found:
        raise QuantityError("hedging", f"qualifier {', '.join(sorted(found))}")
    m = _LABEL.match(s)
    if m and _is_label(s[:m.end()].rstrip("=≈").removesuffix("\\approx")):
        s = s[m.end():]
    s = _APPROX.sub("", s)
    sides = [p.strip() for p in _CHAIN.split(s)]
    items = [[p.strip() for p in _LIST.split(side)] for side in sides]
    if any(not p for side in items for p in side):
        raise QuantityError("unparsed", "empty side")
    if sum(len(side) for side in items) > 8:
        raise QuantityError("multiple_answers", "too many parts")
    out = [parse_quantity(p) for side in items for p in side]
    if len(sides) > 1 and len(out) == len(sides):
        # A chain "\sqrt{2 \cdot 9.8 \cdot 19.6} = 19.6 m/s": a bare number states a value in the
        # unit of the last side that has one, and every side must agree (checked by the task).
        unit = next((q for q in reversed(out) if q.has_unit), None)
        if unit is not None:
            out = [q if q.has_unit else Quantity(q.value, unit.unit, True, q.text, unit.unit_text) for q in out]
    return out


def _is_label(text: str) -> bool:
    """``v_0`` or ``F_{net}`` before ``=``; never something that itself reads as a quantity."""
    try:
        parse_quantity(text.strip())
    except QuantityError:
        return True
    return False


_PLAIN = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_TIMES_X = re.compile(r"(?<=\d)\s*x\s*(?=10\s*\^)")
_BARE_EXP = re.compile(r"\^\s*(-?\d+)")


def _number_prefix(s: str) -> int:
    """End of the longest run of number-part tokens at the start of ``s``."""
    pos = 0
    for m in _NUM_TOKEN.finditer(s):
        if m.start() != pos:
            break
        pos = m.end()
    return pos


def parse_quantity(s: str) -> Quantity:
    s = _SPACE_THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(" ", ""), s, count=1)
    s = _THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(",", "") + (m.group(3) or ""), s, count=1)
    s = _DEC_COMMA.sub(r"\1.\2", s, count=1)
    s = _TIMES_X.sub(r" \\times ", s)
    end = _number_prefix(s)
    if end == 0:
        raise QuantityError("no_number", f"no number in {s[:60]!r}")
    # Try the longest number part first, then shorter cuts at token ends (``\frac{J}{kg}`` etc.).
    cuts = sorted({m.end() for m in _NUM_TOKEN.finditer(s[:end])}, reverse=True)[:12]
    last_err: QuantityError | None = None
    for cut in cuts:
        num_text, unit_text = s[:cut].rstrip(), s[cut:].strip()
        while num_text.endswith(("\\times", "\\cdot", "*")):
            num_text = num_text.rsplit("\\", 1)[0].rstrip() if num_text.endswith(("\\times", "\\cdot")) \
                else num_text[:-1].rstrip()
        if not num_text or not any(c.isdigit() for c in num_text):
            continue
        try:
            value = read_number(num_text)
        except QuantityError as exc:
            last_err = last_err or exc
            continue
        try:
            unit = parse_unit(unit_text) if unit_text else DIMENSIONLESS
        except UnitError as exc:
            last_err = QuantityError(exc.code, str(exc))
            continue
        return Quantity(value, unit, bool(unit_text), f"{num_text} {unit_text}".strip(), unit_text)
    raise last_err or QuantityError("unparsed", f"cannot read {s[:60]!r}")


def read_number(text: str) -> float:
    """A constant through the math task's number grammar: decimals, e/×10^n, \\frac, \\sqrt, π."""
    if _PLAIN.fullmatch(text):  # the common case: one literal, read by the math grammar's own token rule
        try:
            node = num_token(text.lstrip("+-"))
        except ParseError as exc:
            raise QuantityError("unparsed_number", f"{text[:40]!r}: {exc}") from exc
        return _finite(exact(("neg", node) if text.startswith("-") else node))
    text = _BARE_EXP.sub(r"^{\1}", text)  # plain-text 10^25 means 10^{25}, not LaTeX's 10²5
    try:
        node = parse(text)
    except ParseError as exc:
        raise QuantityError("unparsed_number", f"{text[:40]!r}: {exc}") from exc
    if node[0] in ("seq", "semi", "tuple", "set", "list", "iv", "rel", "pm", "mat"):
        raise QuantityError("multiple_answers", f"{text[:40]!r} is not one number")
    if symbols(node):
        raise QuantityError("unparsed_number", f"{text[:40]!r} has letters")
    q = exact(node)
    if q is not None:
        return _finite(q)
    try:
        with mpmath.workdps(30):
            z = numeric(node, 0)
    except (Refused, ZeroDivisionError, ValueError, TypeError, OverflowError, ArithmeticError) as exc:
        raise QuantityError("non_finite", f"{text[:40]!r}: {exc}") from exc
    if mpmath.im(z) != 0:
        raise QuantityError("non_finite", "complex value")
    try:
        v = float(mpmath.re(z))
    except OverflowError:
        raise QuantityError("non_finite", "number too large") from None
    if not math.isfinite(v):
        raise QuantityError("non_finite", "number not finite")
    return v


def _finite(q: Fraction | None) -> float:
    if q is None:
        raise QuantityError("unparsed_number", "not a number")
    try:
        v = q.numerator / q.denominator
    except OverflowError:
        raise QuantityError("non_finite", "number too large") from None
    if not math.isfinite(v):
        raise QuantityError("non_finite", "number not finite")
    return v
