"""Scalar comparison, cheapest first: structure, exact numbers, random-point identity, sympy.

Each function returns ``(equal, stage)`` where ``equal`` is True/False when the stage decided and
None when it could not (the next stage is tried).
"""

from __future__ import annotations

from fractions import Fraction

import mpmath

from envs.math.ast import Node, canon, decimal_places, size, symbols
from envs.math.evaluate import Refused, exact, numeric
from envs.math.symbolic import sympy_equal  # imported up front so workers pay it at start-up

POINTS = 3  # random test points for the identity test
MIN_APPROX_PLACES = 2  # a predicted decimal approximation needs at least this many places
DPS = 40  # working precision of the identity test (decimal digits)


def _round(x: Fraction, p: int) -> Fraction:
    """Round half away from zero to p decimals: the schoolbook rule a rounded answer is written with."""
    scale = 10**p
    mag = abs(x) * scale + Fraction(1, 2)
    return Fraction(mag.numerator // mag.denominator, scale) * (1 if x >= 0 else -1)


def _trunc(x: Fraction, p: int) -> Fraction:
    scale = 10**p
    mag = abs(x) * scale
    return Fraction(mag.numerator // mag.denominator, scale) * (1 if x >= 0 else -1)


def literal_places(node: Node) -> tuple[int | None, bool]:
    """(decimal places, whether the decimal *is* the value: ``-1.25``, ``2.31 \\times 10^{-3}``)."""
    kind = node[0]
    if kind == "n":
        return node[2], True
    if kind == "neg":
        return literal_places(node[1])
    if kind == "*" and len(node[1]) == 2 and node[1][0][0] == "n" and node[1][0][2] is not None:
        pw = node[1][1]
        if pw[0] == "^" and pw[1] == ("n", Fraction(10), None):
            k = exact(pw[2])
            if k is not None and k.denominator == 1:
                return max(0, node[1][0][2] - int(k)), True
    return decimal_places(node), False


def decimals_close(a: Fraction, pa: tuple[int | None, bool], b: Fraction, pb: tuple[int | None, bool]) -> bool:
    """Exact numbers, where a decimal literal stands for the values that round or truncate to it.

    Both exact (integers, fractions): equality. One a decimal with ``p`` places: it must be the other
    rounded (half away from zero) or truncated to ``p`` places, so 1/3 ≈ 0.3333 and 40π ≈ 125.663
    but √2 ≠ 1.5 and 5 ≠ 5.001. A *predicted* approximation needs at least ``MIN_APPROX_PLACES``
    places (``0.3`` does not earn 1/3). Both decimals: the more precise must round to the other.
    A decimal inside a larger expression allows 0.6 units of its last place. No absolute "chop"
    anywhere: 1/2006! and 1/2004! are compared exactly.
    """
    if a == b:
        return True
    (na, la), (nb, lb) = pa, pb
    if na is None and nb is None:
        return False
    if na is not None and nb is not None:
        if na == nb:
            return False
        (lo, plo), hi = ((a, na), b) if na < nb else ((b, nb), a)
        return lo == _round(hi, plo)
    places, literal = (na, la) if na is not None else (nb, lb)
    dec, other = (a, b) if na is not None else (b, a)
    if not literal:
        return abs(a - b) <= Fraction(6, 10 ** (places + 1))
    if nb is not None and places < MIN_APPROX_PLACES:
        return False  # the prediction approximates: "0.3" for 1/3 is too coarse to earn the reward
    return dec in (_round(other, places), _trunc(other, places))


def exact_stage(g: Node, p: Node) -> tuple[bool | None, str]:
    eg = exact(g)
    if eg is None:
        return None, ""
    ep = exact(p)
    if ep is None:
        return None, ""
    return decimals_close(eg, literal_places(g), ep, literal_places(p)), "numeric"


def identity_stage(g: Node, p: Node) -> tuple[bool | None, str]:
    """Random-point identity test at DPS digits; tolerance follows any decimals written."""
    places = decimal_places(g)
    pp = decimal_places(p)
    if pp is not None:
        places = pp if places is None else max(places, pp)
    lg, lp = literal_places(g), literal_places(p)
    # A bare decimal against an exact expression: the rounding/truncation rule, at each point.
    lit = lg if lg[1] and lg[0] is not None and lp[0] is None else lp if lp[1] and lp[0] is not None \
        and lg[0] is None else None
    free = symbols(g) | symbols(p)
    points = POINTS if free - {"i", "I", "e"} else 1
    agree = 0
    refused = 0
    with mpmath.workdps(DPS):
        for k in range(points + 2):  # a couple of spare points for poles / domain errors
            try:
                a = numeric(g, k)
                b = numeric(p, k)
            except Refused as exc:
                refused += "large" in str(exc) or "magnitude" in str(exc)
                continue
            except (ZeroDivisionError, ValueError, TypeError, OverflowError, ArithmeticError):
                continue
            if not _close(a, b, places, g, p, k, lit):
                return False, "numeric_identity"
            agree += 1
            if agree >= points:
                return True, "numeric_identity"
    # A size guard fired: no later stage may try to build the monster either.
    return None, ("refused" if refused else "")


def _close(a: mpmath.mpc, b: mpmath.mpc, places: int | None, g: Node, p: Node, k: int,
           lit: tuple[int | None, bool] | None = None) -> bool:
    d = abs(a - b)
    if lit is not None and lit[0] is not None and mpmath.im(a) == 0 and mpmath.im(b) == 0:
        gold_side = _lit_is_gold(g, lit)
        if not gold_side and lit[0] < MIN_APPROX_PLACES:
            return False
        dec, x = (a, b) if gold_side else (b, a)
        scale = mpmath.mpf(10) ** lit[0]
        rounded = mpmath.sign(x) * mpmath.floor(abs(x) * scale + mpmath.mpf(1) / 2) / scale
        truncated = mpmath.sign(x) * mpmath.floor(abs(x) * scale) / scale
        eps = mpmath.mpf(10) ** (-lit[0] - 8)
        return bool(abs(dec - rounded) < eps or abs(dec - truncated) < eps)
    if places is not None:
        return bool(d <= mpmath.mpf(6) / 10 ** (places + 1) + mpmath.mpf(10) ** (-DPS + 8))
    scale = max(abs(a), abs(b))
    close = d <= scale * mpmath.mpf(10) ** (-(DPS - 10))
    if not close and d > mpmath.mpf(10) ** -20:
        return False
    if close and k > 0:
        return True  # the first point was already confirmed at double precision
    # Equal at 30 digits, or a tiny difference: real (x vs x + 10^-50, 1/2006! vs 1/2004!) or
    # rounding noise (sin(pi) vs 0, sec^2 vs tan^2+1)? Re-evaluate at double precision: noise
    # shrinks with precision, a real difference does not.
    with mpmath.workdps(DPS * 2):
        try:
            a2, b2 = numeric(g, k), numeric(p, k)
        except (Refused, ZeroDivisionError, ValueError, ArithmeticError):
            return False
        d2 = abs(a2 - b2)
        if d2 <= max(abs(a2), abs(b2)) * mpmath.mpf(10) ** (-(2 * DPS - 10)):
            return True
        return bool(d > 0 and d2 < d * mpmath.mpf(10) ** -(DPS // 2))


def _lit_is_gold(g: Node, lit: tuple[int | None, bool]) -> bool:
    lg = literal_places(g)
    return lg[1] and lg[0] == lit[0]


SYMPY_MAX_NODES = 60


def symbolic_stage(g: Node, p: Node) -> tuple[bool | None, str]:
    """Last resort for small trees the numeric stage could not evaluate (budget = tree size)."""
    if size(g) > SYMPY_MAX_NODES or size(p) > SYMPY_MAX_NODES:
        return None, ""
    if not (symbols(g) | symbols(p)) - {"i", "I", "e"}:
        return None, ""  # constants are decided by the exact and numeric stages, never by evalf
    res = sympy_equal(g, p)
    return res, ("symbolic" if res is not None else "")


def scalar_equal(g: Node, p: Node) -> tuple[bool, str]:
    if canon(g) == canon(p):
        return True, "structural"
    for stage in (exact_stage, identity_stage, symbolic_stage):
        res, name = stage(g, p)
        if res is not None:
            return res, name
        if name == "refused":
            return False, "refused"
    return False, "undecided"
