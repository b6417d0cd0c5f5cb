"""Formula answers: the math task's parser and evaluator, a dimension gate, random-point identity.

A formula (``\\sqrt{2gh}``, ``sqrt(2*g*h)``) is parsed by ``envs.math.latex.parse`` after the math
task's LaTeX clean-up; declared multi-letter names (``theta``, ``mu``) become their commands
first, and ``v0`` becomes ``v_0`` when ``v_0`` is declared. Then, in this order:

1. every symbol must be declared (``e`` and ``\\pi`` are the constants) — ``unknown_symbol``;
2. the dimension of the answer, from the declared units (exact rational exponents; functions
   other than ``sqrt``/``abs`` need dimensionless arguments; sums need one dimension), must be the
   reference formula's — ``wrong_dimension: L^2 T^-2 vs L T^-1``;
3. numeric identity: both formulas at ``POINTS`` random points of the declared domains (positive
   reals unless declared), evaluated by the math task's guarded mpmath evaluator at ``DPS``
   digits. Every intermediate value must lie in ``[10^-MAG, 10^MAG]`` (or be 0), so a perturbation
   such as ``(1 + 10^{-150})`` or ``10^{120} + x - 10^{120}`` is refused rather than lost below the
   working precision; the points are seeded by the reference text (deterministic per problem).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from fractions import Fraction

import mpmath

from envs.math.ast import Node, size
from envs.math.evaluate import Refused, exact, numeric
from envs.math.latex import ParseError, parse
from envs.math.normalize import clean_latex, unwrap
from envs.math.tokens import GREEK
from envs.physics.units import NODIM, Dim, show_dim

POINTS = 4
SPARE = 4
DPS = 240
MAG = 100
MAX_NODES = 200
MAX_FORMULA = 1000
_BOUND_HI = mpmath.mpf(10) ** MAG
_BOUND_LO = mpmath.mpf(10) ** -MAG
NAME = re.compile(r"^(?:[A-Za-z]|\\?(?:" + "|".join(sorted(GREEK, key=len, reverse=True)) + r"))(?:_\{?[A-Za-z0-9]{1,8}\}?)?$")
DOMAINS = ("positive", "negative", "nonnegative", "real", "nonzero")
_TRANSCENDENTAL = {"sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh",
                   "tanh", "exp", "log", "arcsec", "arccsc", "arccot"}
_ALLOWED_KINDS = {"n", "s", "c", "+", "*", "inv", "neg", "^", "f", "deg"}


class FormulaError(ValueError):
    def __init__(self, code: str, msg: str = "") -> None:
        super().__init__(msg or code)
        self.code = code


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    dim: Dim
    domain: str = "positive"
    lo: Fraction | None = None
    hi: Fraction | None = None


def canonical_name(name: str) -> str:
    """``\\theta`` -> ``theta``, ``v_{0}`` -> ``v_0``, ``v0`` -> ``v_0`` (as our parser names symbols)."""
    n = name.strip().lstrip("\\").replace("{", "").replace("}", "")
    m = re.fullmatch(r"([A-Za-z])(\d{1,8})", n)
    return f"{m.group(1)}_{m.group(2)}" if m else n


_UNICODE_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "θ": "theta",
                  "λ": "lambda", "μ": "mu", "ν": "nu", "ρ": "rho", "σ": "sigma", "τ": "tau", "φ": "phi",
                  "ω": "omega", "Δ": "Delta", "Ω": "Omega"}


def prepare(text: str, names: set[str]) -> str:
    s = text.strip()
    if any(c in s for c in _UNICODE_GREEK):
        s = "".join(f" \\{_UNICODE_GREEK[c]} " if c in _UNICODE_GREEK else c for c in s)
    s = clean_latex(s)
    s = unwrap(s)
    s = s.replace("\\(", " ").replace("\\)", " ").replace("\\[", " ").replace("\\]", " ").replace("$", " ")
    s = " ".join(s.split()).rstrip(".。 ").strip()
    for name in sorted(names, key=len, reverse=True):
        base, _, sub = name.partition("_")
        if base in GREEK:  # plain "theta", "mu_k" -> \theta, \mu_k
            s = re.sub(r"(?<![\\A-Za-z])" + base + r"(?![A-Za-z])", "\\\\" + base, s)
        if sub and len(base) == 1 and sub.isdigit():  # v0 -> v_0
            s = re.sub(r"(?<![\\A-Za-z_])" + base + sub + r"(?![\d])", base + "_" + sub, s)
    return s


def parse_formula(text: str, names: set[str]) -> Node:
    if len(text) > MAX_FORMULA:
        raise FormulaError("too_long", f"formula longer than {MAX_FORMULA} characters")
    s = prepare(text, names)
    if not s:
        raise FormulaError("empty")
    try:
        node = parse(s)
    except ParseError as exc:
        raise FormulaError("unparsed", f"{s[:60]!r}: {exc}") from exc
    if size(node, MAX_NODES + 1) > MAX_NODES:
        raise FormulaError("too_large", f"more than {MAX_NODES} nodes")
    return node


def answer_sides(node: Node, names: set[str]) -> list[Node]:
    """``v = \\sqrt{2gh}``: the sides after a label; a chain's sides must all be answers."""
    if node[0] != "rel":
        return [node]
    ops, operands = node[1], node[2]
    if any(op not in ("=", "~") for op in ops):
        raise FormulaError("hedging", "an inequality is not a formula")
    first = operands[0]
    if first[0] == "s" and first[1] not in names:
        operands = operands[1:]
    return list(operands)


def check_kinds(node: Node) -> None:
    stack = [node]
    while stack:
        cur = stack.pop()
        kind = cur[0]
        if kind == "pm":
            raise FormulaError("hedging", "qualifier ±")
        if kind in ("seq", "semi", "set", "tuple", "list", "iv"):
            raise FormulaError("multiple_answers", "a list is not one formula")
        if kind not in _ALLOWED_KINDS:
            raise FormulaError("unparsed", f"{kind!r} is not allowed in a formula")
        if kind == "f":
            stack.extend(cur[2])
        elif kind in ("+", "*"):
            stack.extend(cur[1])
        elif kind in ("inv", "neg", "deg"):
            stack.append(cur[1])
        elif kind == "^":
            stack.extend((cur[1], cur[2]))
        elif kind == "c" and cur[1] == "oo":
            raise FormulaError("non_finite", "infinity")


def _add(a: Dim, b: Dim, k: Fraction = Fraction(1)) -> Dim:
    return tuple(x + k * y for x, y in zip(a, b, strict=True))


def dimension(node: Node, specs: dict[str, SymbolSpec]) -> Dim:
    """The dimension of a formula, or ``FormulaError`` (``unknown_symbol``, ``wrong_dimension``)."""
    kind = node[0]
    if kind == "n" or kind == "c":
        return NODIM
    if kind == "s":
        spec = specs.get(node[1])
        if spec is not None:
            return spec.dim
        if node[1] == "e":
            return NODIM
        raise FormulaError("unknown_symbol", node[1])
    if kind == "+":
        dims = [dimension(t, specs) for t in node[1]]
        for d in dims[1:]:
            if d != dims[0]:
                raise FormulaError("wrong_dimension", f"sum of {show_dim(dims[0])} and {show_dim(d)}")
        return dims[0]
    if kind == "*":
        out = NODIM
        for f in node[1]:
            out = _add(out, dimension(f, specs))
        return out
    if kind == "inv":
        return _add(NODIM, dimension(node[1], specs), Fraction(-1))
    if kind == "neg":
        return dimension(node[1], specs)
    if kind == "deg":
        _need_dimensionless(node[1], specs, "degrees")
        return NODIM
    if kind == "^":
        base = dimension(node[1], specs)
        _need_dimensionless(node[2], specs, "an exponent")
        if base == NODIM:
            return NODIM
        e = exact(node[2])
        if e is None or abs(e) > 12 or e.denominator > 12:
            raise FormulaError("wrong_dimension", f"{show_dim(base)} to a non-rational power")
        return _add(NODIM, base, e)
    if kind == "f":
        name, args = node[1], node[2]
        if name == "sqrt" and len(args) == 1:
            return _add(NODIM, dimension(args[0], specs), Fraction(1, 2))
        if name == "abs" and len(args) == 1:
            return dimension(args[0], specs)
        if name in _TRANSCENDENTAL and len(args) == 1:
            _need_dimensionless(args[0], specs, f"the argument of {name}")
            return NODIM
        raise FormulaError("unparsed", f"function {name} is not allowed in a formula")
    raise FormulaError("unparsed", f"{kind!r} is not allowed in a formula")


def _need_dimensionless(node: Node, specs: dict[str, SymbolSpec], what: str) -> None:
    d = dimension(node, specs)
    if d != NODIM:
        raise FormulaError("wrong_dimension", f"{what} has dimension {show_dim(d)}")


# -- numeric identity ---------------------------------------------------------------------------

def point_value(seed: int, name: str, k: int, spec: SymbolSpec) -> Fraction:
    """A deterministic value of ``name`` at point ``k`` inside its declared domain."""
    h = zlib.crc32(f"{name}#{k}".encode(), seed)
    u = Fraction(h % 999_983 + 1, 1_000_000)  # in (0, 1)
    if spec.lo is not None or spec.hi is not None:
        lo = spec.lo if spec.lo is not None else (spec.hi - 10 if spec.hi is not None else Fraction(0))
        hi = spec.hi if spec.hi is not None else lo + 10
        return lo + (hi - lo) * (Fraction(1, 50) + u * Fraction(48, 50))
    mag = Fraction(1, 5) + u * Fraction(24, 5)  # (0.2, 5)
    if spec.domain == "negative":
        return -mag
    if spec.domain in ("real", "nonzero") and (h >> 20) & 1:
        return -mag
    return mag


def substitute(node: Node, values: dict[str, Fraction]) -> Node:
    kind = node[0]
    if kind == "s":
        v = values.get(node[1])
        return node if v is None else ("n", v, None)
    if kind in ("+", "*"):
        return (kind, tuple(substitute(t, values) for t in node[1]))
    if kind in ("inv", "neg", "deg"):
        return (kind, substitute(node[1], values))
    if kind == "^":
        return ("^", substitute(node[1], values), substitute(node[2], values))
    if kind == "f":
        return ("f", node[1], tuple(substitute(a, values) for a in node[2]))
    return node


def _subtrees(node: Node) -> list[Node]:
    out, stack = [], [node]
    while stack:
        cur = stack.pop()
        out.append(cur)
        kind = cur[0]
        if kind in ("+", "*"):
            stack.extend(cur[1])
        elif kind in ("inv", "neg", "deg"):
            stack.append(cur[1])
        elif kind == "^":
            stack.extend((cur[1], cur[2]))
        elif kind == "f":
            stack.extend(cur[2])
    return out


def guarded_value(node: Node) -> mpmath.mpc:
    """The value at DPS digits; Refused if any intermediate leaves [10^-MAG, 10^MAG] (0 allowed)."""
    for sub in _subtrees(node):
        a = abs(numeric(sub, 0))
        if a != 0 and (a > _BOUND_HI or a < _BOUND_LO):
            raise Refused("magnitude")
    return numeric(node, 0)


def equivalent(gold: Node, pred: Node, specs: dict[str, SymbolSpec], seed: int) -> tuple[bool, str]:
    """(equal, stage): numeric identity over the declared domains; sympy only when no point evaluates."""
    names = sorted(specs)
    agree = 0
    with mpmath.workdps(DPS):
        for k in range(POINTS + SPARE):
            values = {n: point_value(seed, n, k, specs[n]) for n in names}
            try:
                a = guarded_value(substitute(gold, values))
            except (Refused, ZeroDivisionError, ValueError, TypeError, OverflowError, ArithmeticError):
                continue  # the reference itself is undefined here: another point
            try:
                b = guarded_value(substitute(pred, values))
            except Refused as exc:
                # Out of the magnitude window, or undefined where the reference is defined.
                return False, "refused" if "large" in str(exc) or "magnitude" in str(exc) else "numeric_identity"
            except (ZeroDivisionError, ValueError, TypeError, OverflowError, ArithmeticError):
                return False, "numeric_identity"
            tol = mpmath.mpf(10) ** (-(DPS - 45)) * max(abs(a), abs(b)) + mpmath.mpf(10) ** -(DPS - 20)
            if abs(a - b) > tol:
                return False, "numeric_identity"
            agree += 1
            if agree >= POINTS:
                return True, "numeric_identity"
    return (True, "numeric_identity") if agree else (False, "undecided")


def evaluable(node: Node, specs: dict[str, SymbolSpec], seed: int) -> bool:
    """True when the formula has a value at enough of its test points (a reference check)."""
    ok = 0
    with mpmath.workdps(DPS):
        for k in range(POINTS + SPARE):
            values = {n: point_value(seed, n, k, specs[n]) for n in specs}
            try:
                v = guarded_value(substitute(node, values))
            except (Refused, ZeroDivisionError, ValueError, TypeError, OverflowError, ArithmeticError):
                continue
            ok += mpmath.im(v) == 0
    return ok >= POINTS

