"""Guarded evaluation of parse trees: exact rationals first, then high-precision numerics.

``exact`` works in ``Fraction`` and refuses (returns None) anything irrational or too big: a power
whose result would pass ``MAX_DIGITS`` digits, a factorial above ``MAX_FACTORIAL``, a huge
binomial. Those estimates are made from logarithms *before* any bignum is built, so
``5^{5^{5^{5^5}}}`` or ``(10^{100})!`` cost microseconds, not a hung worker.

``numeric`` evaluates with mpmath at a chosen precision, with symbols bound to fixed
pseudo-random values, refusing any intermediate whose binary exponent passes ``MAX_MAG`` (so no
power tower is ever materialised). It is the engine of the random-point identity test.
"""

from __future__ import annotations

import math
import zlib
from fractions import Fraction

import mpmath

from envs.math.ast import Node

MAX_DIGITS = 20_000
MAX_FACTORIAL = 5_000
MAX_MAG = 30_000  # bits of binary exponent allowed in a numeric intermediate (~9,000 digits)


class Refused(ArithmeticError):
    """Evaluation refused by a size/magnitude guard (or undefined here)."""


class PrecisionLoss(Refused):
    """A term of a sum is too small to survive the working precision (``\\pi + 10^{-100}`` at 40
    digits): the caller re-evaluates with ``digits`` more digits or gives up; a value computed
    without the term is never returned."""

    def __init__(self, digits: int) -> None:
        super().__init__(f"precision: {digits} digits needed")
        self.digits = digits


def _digits(q: Fraction) -> float:
    return math.log10(abs(q.numerator) + 1) + math.log10(q.denominator + 1)


def exact(node: Node) -> Fraction | None:
    """Exact rational value of a constant tree, or None (irrational, symbolic, refused)."""
    try:
        return _exact(node)
    except (Refused, ZeroDivisionError, OverflowError, ValueError, RecursionError):
        return None


def _exact(node: Node) -> Fraction | None:
    kind = node[0]
    if kind == "n":
        return node[1]
    if kind == "+":
        total = Fraction(0)
        for t in node[1]:
            v = _exact(t)
            if v is None:
                return None
            total += v
        return total
    if kind == "*":
        prod = Fraction(1)
        for f in node[1]:
            v = _exact(f[1]) if f[0] == "inv" else _exact(f)
            if v is None:
                return None
            prod = prod / v if f[0] == "inv" else prod * v
        return prod
    if kind == "inv":
        v = _exact(node[1])
        return None if v is None else 1 / v
    if kind == "neg":
        v = _exact(node[1])
        return None if v is None else -v
    if kind == "%":
        v = _exact(node[1])
        return None if v is None else v / 100
    if kind == "^":
        b, e = _exact(node[1]), _exact(node[2])
        if b is None or e is None:
            return None
        return _rational_pow(b, e)
    if kind == "!":
        v = _exact(node[1])
        if v is None or v.denominator != 1 or v < 0:
            return None
        if v > MAX_FACTORIAL:
            raise Refused("factorial too large")
        return Fraction(math.factorial(int(v)))
    if kind == "f" and node[1] == "sqrt":
        v = _exact(node[2][0])
        return None if v is None else _rational_pow(v, Fraction(1, 2))
    if kind == "f" and node[1] == "binom":
        n, k = _exact(node[2][0]), _exact(node[2][1])
        if n is None or k is None or n.denominator != 1 or k.denominator != 1 or n < 0:
            return None
        ni, ki = int(n), int(k)
        if ni > 10**6:
            raise Refused("binomial too large")
        ki = min(ki, ni - ki)
        if ki < 0:
            return Fraction(0)
        if ki * math.log10(max(ni, 2)) > MAX_DIGITS:
            raise Refused("binomial too large")
        return Fraction(math.comb(ni, ki))
    if kind == "f" and node[1] == "abs":
        v = _exact(node[2][0])
        return None if v is None else abs(v)
    if kind == "f" and node[1] == "mod":
        a, m = _exact(node[2][0]), _exact(node[2][1])
        return None if a is None or m is None or m == 0 else a - m * (a / m).__floor__()
    return None


def _rational_pow(b: Fraction, e: Fraction) -> Fraction | None:
    if e.denominator == 1:
        ei = e.numerator
        if b == 0:
            if ei < 0:
                raise ZeroDivisionError
            return Fraction(1 if ei == 0 else 0)
        if abs(b) == 1:
            return b ** (ei % 2) if b < 0 else Fraction(1)
        if abs(ei) * _digits(b) > MAX_DIGITS:
            raise Refused("power too large")
        return b**ei
    if e.denominator == 2 and b >= 0:  # square roots of perfect squares stay exact
        rn, rd = math.isqrt(b.numerator), math.isqrt(b.denominator)
        if rn * rn == b.numerator and rd * rd == b.denominator:
            return _rational_pow(Fraction(rn, rd), Fraction(e.numerator))
    return None


def symbol_value(name: str, point: int) -> mpmath.mpf:
    """A fixed pseudo-random value in (0.6, 2.6) for a symbol at a test point (deterministic)."""
    h = zlib.crc32(f"{name}#{point}".encode())
    return mpmath.mpf(0.6) + mpmath.mpf(h % 1_000_003) / 500_001


_F1 = {
    "sin": mpmath.sin, "cos": mpmath.cos, "tan": mpmath.tan, "sec": mpmath.sec, "csc": mpmath.csc,
    "cot": mpmath.cot, "arcsin": mpmath.asin, "arccos": mpmath.acos, "arctan": mpmath.atan,
    "sinh": mpmath.sinh, "cosh": mpmath.cosh, "tanh": mpmath.tanh, "exp": mpmath.exp,
    "log": mpmath.log, "sqrt": mpmath.sqrt, "abs": mpmath.fabs, "arcsec": mpmath.asec,
    "arccsc": mpmath.acsc, "arccot": mpmath.acot, "floor": mpmath.floor, "ceil": mpmath.ceil,
    "Re": mpmath.re, "Im": mpmath.im,
}


def numeric(node: Node, point: int) -> mpmath.mpc:
    """Value of the tree at test point ``point`` (symbols bound by ``symbol_value``)."""
    v = _num(node, point)
    if not mpmath.isfinite(v):
        raise Refused("not finite")
    return v


def _check(v: mpmath.mpc) -> mpmath.mpc:
    if v != 0 and mpmath.isfinite(v) and abs(mpmath.mag(v)) > MAX_MAG:
        raise Refused("magnitude")
    return v


def _num(node: Node, point: int) -> mpmath.mpc:
    kind = node[0]
    if kind == "n":
        q = node[1]
        return mpmath.mpf(q.numerator) / q.denominator
    if kind == "s":
        name = node[1]
        if name in _BOUND:
            return _BOUND[name]
        if name in ("i", "I"):
            return mpmath.mpc(0, 1)
        if name == "e":
            return +mpmath.e
        return symbol_value(name, point)
    if kind == "c":
        if node[1] == "pi":
            return +mpmath.pi
        if node[1] == "e":
            return +mpmath.e
        raise Refused("infinity")
    if kind == "+":
        terms = [_num(t, point) for t in node[1]]
        nonzero = [mpmath.mag(t) for t in terms if t != 0]
        if len(nonzero) > 1 and max(nonzero) - min(nonzero) > mpmath.mp.prec - 24:
            raise PrecisionLoss(int((max(nonzero) - min(nonzero)) * 0.302) + 10)
        return _check(mpmath.fsum(terms))
    if kind == "*":
        prod = mpmath.mpf(1)
        for f in node[1]:
            if f[0] == "inv":
                d = _num(f[1], point)
                if d == 0:
                    raise Refused("division by zero")
                prod /= d
            else:
                prod *= _num(f, point)
            _check(prod)
        return prod
    if kind == "inv":
        d = _num(node[1], point)
        if d == 0:
            raise Refused("division by zero")
        return 1 / d
    if kind == "neg":
        return -_num(node[1], point)
    if kind == "%":
        return _num(node[1], point) / 100
    if kind == "deg":
        return _num(node[1], point) * mpmath.pi / 180
    if kind == "^":
        b = _num(node[1], point)
        e = _num(node[2], point)
        if b == 0:
            if mpmath.re(e) <= 0:
                raise Refused("0 to a non-positive power")
            return mpmath.mpf(0)
        # log2 |b^e| <= |e| * (|log2|b|| + pi): refuse before computing anything huge.
        if abs(e) * (abs(mpmath.log(abs(b), 2)) + 4.6) > MAX_MAG:
            raise Refused("power too large")
        if mpmath.im(b) == 0 and mpmath.re(b) < 0 and mpmath.im(e) == 0:
            q = _exact(node[2]) if node[2][0] != "s" else None
            # A real odd root of a negative number: (-8)^(1/3) = -2, as students mean it.
            if q is not None and q.denominator % 2 == 1:
                return _check(-((-mpmath.re(b)) ** e) if q.numerator % 2 else (-mpmath.re(b)) ** e)
        return _check(mpmath.power(b, e))
    if kind == "!":
        v = _num(node[1], point)
        if abs(v) > 10**5:
            raise Refused("factorial too large")
        return _check(mpmath.gamma(v + 1))
    if kind == "f":
        name, args = node[1], node[2]
        if name in _F1 and len(args) == 1:
            a = _num(args[0], point)
            if name == "log" and a == 0:
                raise Refused("log 0")
            if name == "abs":
                return mpmath.mpf(abs(a))
            if name in ("exp", "sinh", "cosh") and abs(mpmath.re(a)) > MAX_MAG // 2:
                raise Refused("exponential too large")  # exp(exp(exp(10))) is never built
            if name in ("floor", "ceil") and mpmath.im(a) != 0:
                raise Refused("floor of complex")
            return _check(_F1[name](a))
        if name == "binom" and len(args) == 2:
            n, k = _num(args[0], point), _num(args[1], point)
            if abs(n) > 10**5 or abs(k) > 10**5:
                raise Refused("binomial too large")
            return _check(mpmath.binomial(n, k))
        if name == "mod" and len(args) == 2:
            a, m = _num(args[0], point), _num(args[1], point)
            if mpmath.im(a) != 0 or mpmath.im(m) != 0 or m == 0:
                raise Refused("mod of complex or by zero")
            return a - m * mpmath.floor(a / m)
        if name in ("max", "min") and args:
            vals = [_num(a, point) for a in args]
            if any(mpmath.im(v) != 0 for v in vals):
                raise Refused("max of complex")
            return max(vals, key=mpmath.re) if name == "max" else min(vals, key=mpmath.re)
    if kind == "big" and node[1] == "lim":
        return _limit(node, point)
    raise Refused(f"cannot evaluate {kind}")


_BOUND: dict[str, mpmath.mpc] = {}  # variables bound by a limit being evaluated


def _limit(node: Node, point: int) -> mpmath.mpc:
    """``\\lim_{x \\to a} f``: mpmath's extrapolation, trusted only when it agrees with itself at
    more digits (and, at a finite point, from both sides) to half the working precision."""
    to = node[2]
    if to[0] != "rel" or to[1] != ("->",) or to[2][0][0] != "s" or to[2][0][1] in _BOUND:
        raise Refused("limit form")
    var = to[2][0][1]
    target = to[2][1]
    at = mpmath.inf if target == ("c", "oo") else -mpmath.inf if target == ("neg", ("c", "oo")) \
        else _num(target, point)

    def f(x: mpmath.mpf) -> mpmath.mpc:
        _BOUND[var] = x
        try:
            return _num(node[4], point)
        finally:
            del _BOUND[var]

    tries = [(0, 1), (15, 1)]  # the extrapolation again with more digits: a divergence moves
    if mpmath.isfinite(at):
        tries.append((0, -1))
    try:
        values = []
        for extra, direction in tries:
            with mpmath.extradps(extra):
                values.append(+mpmath.limit(f, at, direction=direction))
    except (ZeroDivisionError, ValueError, OverflowError, TypeError, ArithmeticError) as exc:
        raise Refused("limit undefined") from exc
    tol = mpmath.mpf(10) ** -(mpmath.mp.dps // 2)
    if any(not mpmath.isfinite(v) or abs(v - values[0]) > tol * max(1, abs(values[0])) for v in values):
        raise Refused("limit does not converge")
    return values[0]
