"""Unit strings: our own whitelist and grammar; pint supplies the facts about each parsed unit.

Untrusted text never reaches pint. A unit string is tokenized and parsed here (symbols and words
from ``SYMBOLS``/``WORDS``, SI prefixes, products with space ``·`` ``*`` ``\\cdot``, division with
``/`` or "per", integer exponents ``^2`` ``^{-1}`` ``⁻¹`` "squared", ``\\frac{}{}``, brackets) into
a canonical tuple of ``(pint name, exponent)`` pairs; only that tuple, built from names of ours,
is handed to pint (``Unit``), once per distinct unit (``lru_cache``).

Deliberate choices (pint's traps): ``G`` (gauss), ``a`` (year), ``c``, ``e`` are not units here;
``Nm`` is the newton metre; ``ms`` is the millisecond (SI). After a ``/``, the whole following
product is the denominator (``J/kg K`` = J/(kg·K)), as physics tables write it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

MAX_UNIT_CHARS = 200
MAX_FACTORS = 16
MAX_EXPONENT = 12

# symbol -> (pint name, takes SI prefixes, tag). Tags: "angle" (rad, °, rev), "cycle" (Hz),
# "offset" (°C, °F: absolute temperatures on their own, differences inside a compound unit).
SYMBOLS: dict[str, tuple[str, bool, str]] = {
    "m": ("meter", True, ""), "g": ("gram", True, ""), "s": ("second", True, ""),
    "A": ("ampere", True, ""), "K": ("kelvin", True, ""), "mol": ("mole", True, ""),
    "cd": ("candela", True, ""), "N": ("newton", True, ""), "J": ("joule", True, ""),
    "W": ("watt", True, ""), "Pa": ("pascal", True, ""), "Hz": ("hertz", True, "cycle"),
    "C": ("coulomb", True, ""), "V": ("volt", True, ""), "Ω": ("ohm", True, ""),
    "ohm": ("ohm", True, ""), "F": ("farad", True, ""), "H": ("henry", True, ""),
    "T": ("tesla", True, ""), "Wb": ("weber", True, ""), "S": ("siemens", True, ""),
    "L": ("liter", True, ""), "l": ("liter", True, ""), "eV": ("electron_volt", True, ""),
    "bar": ("bar", True, ""), "cal": ("calorie", True, ""), "Wh": ("watt_hour", True, ""),
    "Ah": ("ampere_hour", True, ""), "rad": ("radian", True, "angle"), "Nm": ("newton * meter", True, ""),
    "min": ("minute", False, ""), "h": ("hour", False, ""), "hr": ("hour", False, ""),
    "d": ("day", False, ""), "yr": ("year", False, ""), "t": ("tonne", False, ""),
    "℃": ("degree_Celsius", False, "offset"), "℉": ("degree_Fahrenheit", False, "offset"),
    "°": ("degree", False, "angle"), "deg": ("degree", False, "angle"),
    "rev": ("revolution", False, "angle"), "rpm": ("revolution / minute", False, "angle"),
    "sr": ("steradian", False, ""), "atm": ("atmosphere", False, ""), "psi": ("psi", False, ""),
    "mph": ("mile / hour", False, ""), "kph": ("kilometer / hour", False, ""),
    "ft": ("foot", False, ""), "in": ("inch", False, ""), "mi": ("mile", False, ""),
    "yd": ("yard", False, ""), "lb": ("pound", False, ""), "lbf": ("pound_force", False, ""),
    "Å": ("angstrom", False, ""), "u": ("unified_atomic_mass_unit", False, ""),
    "Da": ("dalton", True, ""), "%": ("percent", False, ""), "mmHg": ("millimeter_Hg", False, ""),
    "Torr": ("torr", False, ""), "torr": ("torr", False, ""), "kn": ("knot", False, ""),
    "au": ("astronomical_unit", False, ""), "AU": ("astronomical_unit", False, ""),
    "ly": ("light_year", False, ""),
}
PREFIXES = {"P": "peta", "T": "tera", "G": "giga", "M": "mega", "k": "kilo", "h": "hecto", "d": "deci",
            "c": "centi", "m": "milli", "μ": "micro", "µ": "micro", "u": "micro", "n": "nano",
            "p": "pico", "f": "femto"}
# Spelled-out names (matched lower-case, singular or plural) -> symbol.
WORDS = {
    "meter": "m", "metre": "m", "second": "s", "sec": "s", "gram": "g", "gramme": "g", "ampere": "A",
    "amp": "A", "kelvin": "K", "mole": "mol", "candela": "cd", "newton": "N", "joule": "J", "watt": "W",
    "pascal": "Pa", "hertz": "Hz", "coulomb": "C", "volt": "V", "ohm": "Ω", "farad": "F", "henry": "H",
    "henrie": "H", "tesla": "T", "weber": "Wb", "siemens": "S", "liter": "L", "litre": "L",
    "electronvolt": "eV", "calorie": "cal", "radian": "rad", "degree": "°", "minute": "min", "hour": "h",
    "day": "d", "year": "yr", "tonne": "t", "revolution": "rev", "atmosphere": "atm", "foot": "ft",
    "feet": "ft", "inche": "in", "inch": "in", "mile": "mi", "yard": "yd", "pound": "lb", "celsius": "℃",
    "fahrenheit": "℉", "percent": "%", "knot": "kn", "torr": "Torr",
}
PREFIX_WORDS = {"peta": "P", "tera": "T", "giga": "G", "mega": "M", "kilo": "k", "hecto": "h", "deci": "d",
                "centi": "c", "milli": "m", "micro": "μ", "nano": "n", "pico": "p", "femto": "f"}
PREFIXABLE_WORDS = {w for w, s in WORDS.items() if SYMBOLS[s][1]}


class UnitError(ValueError):
    """The unit text is not in our grammar; ``code`` names the rule."""

    def __init__(self, code: str, msg: str) -> None:
        super().__init__(msg)
        self.code = code


@dataclass(frozen=True, slots=True)
class Unit:
    """A parsed unit: canonical factors ((prefix, symbol), exponent), sorted, non-zero exponents."""

    factors: tuple[tuple[tuple[str, str], int], ...]

    @property
    def tags(self) -> frozenset[str]:
        return _tags(self.factors)

    @property
    def is_lone_offset(self) -> bool:
        return len(self.factors) == 1 and self.factors[0][1] == 1 and "offset" in self.tags

    def __str__(self) -> str:
        if not self.factors:
            return "1"
        parts = []
        for (p, s), e in self.factors:
            parts.append(p + s + ("" if e == 1 else f"^{e}"))
        return " ".join(parts)


@lru_cache(maxsize=4096)
def _tags(factors: tuple[tuple[tuple[str, str], int], ...]) -> frozenset[str]:
    return frozenset(SYMBOLS[s][2] for (_, s), _ in factors if SYMBOLS[s][2])


DIMENSIONLESS = Unit(())

_SUPER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_TOKEN = re.compile(
    r"(?P<frac>\\frac)|(?P<mul>\\cdot|\\times|[·⋅*×])|(?P<div>/)"
    r"|(?P<pow>\^\s*(?:\{\s*[-+−]?\s*\d+\s*\}|\(\s*[-+−]?\s*\d+\s*\)|[-+−]?\s*\d+))"
    r"|(?P<glued>(?<=[A-Za-zΩ])-?\d{1,2}(?![\d.]))|(?P<sup>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)|(?P<open>[({])|(?P<close>[)}])|(?P<one>1(?![\d.]))"
    r"|(?P<word>[A-Za-zΩμµ°℃℉%Å]+)|(?P<space>\s+)"
)


def tokenize(text: str) -> list[tuple[str, str]]:
    if len(text) > MAX_UNIT_CHARS:
        raise UnitError("unit_too_long", f"unit longer than {MAX_UNIT_CHARS} characters")
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() != pos:
            raise UnitError("unknown_unit", f"unexpected {text[pos:m.start()]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        if kind != "space":
            out.append((kind, m.group()))
    if pos != len(text):
        raise UnitError("unknown_unit", f"unexpected {text[pos:]!r}")
    return out


def lookup(word: str) -> tuple[str, str]:
    """(prefix, symbol) of one glued unit word: a symbol, a prefixed symbol, or a spelled-out name."""
    if word in SYMBOLS:
        return "", word
    if word[:1] in PREFIXES and word[1:] in SYMBOLS and SYMBOLS[word[1:]][1]:
        return word[0], word[1:]
    low = word.lower()
    for cand in (low, low[:-1] if low.endswith("s") else None, low[:-2] if low.endswith("es") else None):
        if not cand:
            continue
        if cand in WORDS:
            return "", WORDS[cand]
        for pw, p in PREFIX_WORDS.items():
            if cand.startswith(pw) and cand[len(pw):] in PREFIXABLE_WORDS:
                return p, WORDS[cand[len(pw):]]
    raise UnitError("unknown_unit", f"unknown unit {word!r}")


class _Parser:
    def __init__(self, toks: list[tuple[str, str]]) -> None:
        self.toks = toks
        self.i = 0
        self.depth = 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("eof", "")

    def take(self) -> tuple[str, str]:
        t = self.peek()
        self.i += 1
        return t

    def expr(self) -> dict[tuple[str, str], int]:
        self.depth += 1
        if self.depth > 8:
            raise UnitError("unknown_unit", "brackets nested too deep")
        out = self.product()
        while self.peek()[0] == "div" or self.peek() == ("word", "per"):
            self.take()
            for k, e in self.product().items():
                out[k] = out.get(k, 0) - e
        self.depth -= 1
        return out

    def product(self) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        first = True
        while True:
            kind, val = self.peek()
            if kind == "mul" and not first:
                self.take()
                kind, val = self.peek()
            elif kind in ("eof", "div", "close") or (kind, val) == ("word", "per"):
                if first:
                    raise UnitError("unknown_unit", "a unit is missing")
                return out
            for k, e in self.power().items():
                out[k] = out.get(k, 0) + e
            first = False

    def power(self) -> dict[tuple[str, str], int]:
        square = 1
        if self.peek()[0] == "word" and self.peek()[1].lower() in ("square", "sq", "cubic"):
            square = 3 if self.take()[1].lower() == "cubic" else 2
        base = self.atom()
        exp = square
        kind, val = self.peek()
        if kind == "pow":
            self.take()
            exp *= int(val.lstrip("^ ").strip("{}() ").replace("−", "-").replace(" ", ""))
        elif kind == "glued":  # plain-text exponents glued to the unit: m2, s-1
            self.take()
            exp *= int(val)
        elif kind == "sup":
            self.take()
            exp *= int(val.translate(_SUPER))
        elif kind == "word" and val.lower() in ("squared", "cubed"):
            self.take()
            exp *= 2 if val.lower() == "squared" else 3
        if exp == 0 or abs(exp) > MAX_EXPONENT:
            raise UnitError("bad_exponent", f"exponent {exp} out of range (1..{MAX_EXPONENT})")
        return {k: e * exp for k, e in base.items()}

    def atom(self) -> dict[tuple[str, str], int]:
        kind, val = self.take()
        if kind == "word":
            return {lookup(val): 1}
        if kind == "one":  # only as a numerator: 1/s
            if self.peek()[0] != "div":
                raise UnitError("unknown_unit", "a number inside the unit")
            return {}
        if kind == "open":
            inner = self.expr()
            if self.take()[0] != "close":
                raise UnitError("unknown_unit", "unclosed bracket")
            return inner
        if kind == "frac":
            num = self.atom()
            den = self.atom()
            for k, e in den.items():
                num[k] = num.get(k, 0) - e
            return num
        raise UnitError("unknown_unit", f"unexpected {val!r}")


@lru_cache(maxsize=4096)
def parse_unit(text: str) -> Unit:
    """Parse a unit string of our grammar (already free of LaTeX wrappers). Raises ``UnitError``."""
    toks = tokenize(text.strip())
    if not toks:
        return DIMENSIONLESS
    p = _Parser(toks)
    factors = p.expr()
    if p.i != len(toks):
        raise UnitError("unknown_unit", f"unexpected {p.peek()[1]!r}")
    kept = tuple(sorted((k, e) for k, e in factors.items() if e))
    if len(kept) > MAX_FACTORS:
        raise UnitError("unit_too_long", "too many unit factors")
    if any(abs(e) > MAX_EXPONENT for _, e in kept):
        raise UnitError("bad_exponent", "exponent out of range")
    return Unit(kept)


# -- facts from pint -------------------------------------------------------------------------------

DIM_NAMES = ("[length]", "[mass]", "[time]", "[current]", "[temperature]", "[substance]", "[luminosity]")
DIM_SHORT = ("L", "M", "T", "I", "Θ", "N", "J")
Dim = tuple[Fraction, ...]
NODIM: Dim = (Fraction(0),) * 7

_UREG = None


def ureg():  # type: ignore[no-untyped-def]
    """The one pint registry of this process (built on first use: ~1 s, paid in ``setup``)."""
    global _UREG
    if _UREG is None:
        import pint

        _UREG = pint.UnitRegistry()
    return _UREG


@dataclass(frozen=True, slots=True)
class Facts:
    dim: Dim
    scale: float  # SI value = scale * value + offset
    offset: float


def _pint_unit(unit: Unit, absolute: bool):  # type: ignore[no-untyped-def]
    reg = ureg()
    out = reg.Unit("dimensionless")
    for (prefix, sym), e in unit.factors:
        name = SYMBOLS[sym][0]
        if SYMBOLS[sym][2] == "offset" and not absolute:
            name = "delta_" + ("degC" if sym == "℃" else "degF")
        if prefix:
            first, _, rest = name.partition(" * ")  # Nm: the prefix applies to the newton
            name = PREFIXES[prefix] + first + (" * " + rest if rest else "")
        out = out * reg.Unit(name) ** e
    return out


@lru_cache(maxsize=4096)
def facts(unit: Unit, difference: bool = False) -> Facts:
    """Dimension and SI conversion of a parsed unit, asked of pint once per distinct unit.

    A lone °C/°F is an absolute temperature unless ``difference`` (then, like inside a compound
    unit, it is a temperature difference: 10 °C of warming = 10 K).
    """
    reg = ureg()
    absolute = unit.is_lone_offset and not difference
    pu = _pint_unit(unit, absolute)
    dims = pu.dimensionality
    dim = tuple(Fraction(dims.get(n, 0)).limit_denominator(1000) for n in DIM_NAMES)
    if absolute:
        zero = reg.Quantity(0.0, pu).to("kelvin").magnitude
        one = reg.Quantity(1.0, pu).to("kelvin").magnitude
        return Facts(dim, one - zero, zero)
    return Facts(dim, float(reg.Quantity(1.0, pu).to_base_units().magnitude), 0.0)


def show_dim(dim: Dim) -> str:
    parts = [n if e == 1 else f"{n}^{e}" for n, e in zip(DIM_SHORT, dim, strict=True) if e]
    return " ".join(parts) or "1"
