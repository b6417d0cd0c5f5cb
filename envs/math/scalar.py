"""Scalar comparison, cheapest first: structure, exact numbers, random-point identity, sympy.

Each function returns ``(equal, stage)`` where ``equal`` is True/False when the stage decided and
None when it could not (the next stage is tried).
"""

from __future__ import annotations

from fractions import Fraction

import mpmath

from envs.math.ast import Node, canon, decimal_places, size, symbols
from envs.math.evaluate import PrecisionLoss, Refused, exact, numeric
from envs.math.symbolic import sympy_equal  # imported up front so workers pay it at start-up

POINTS = 3  # random test points for the identity test
EXACT_REL_TOL = Fraction(1, 10**6)  # a decimal prediction of an exact gold must be this close
DPS = 40  # working precision of the identity test (decimal digits)
MAX_DPS = 2000  # a term smaller than this many digits below the total is never taken as proof


def _round(x: Fraction, p: int) -> Fraction:
    """Round half away from zero to p decimals: the schoolbook rule a rounded answer is written with."""
    scale = 10**p
    mag = abs(x) * scale + Fraction(1, 2)
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


def decimals_close(a: Fraction, pa: tuple[int | None, bool], b: Fraction, pb: tuple[int | None, bool],
                   rel_tol: float | None = None) -> bool:
    """Gold ``a`` against prediction ``b``, exact rationals; the gold's exactness decides.

    * both exact (integers, fractions): equality;
    * ``rel_tol`` set by the reference and a decimal on either side: ``|b - a| <= rel_tol·|a|``;
    * both decimals: equal up to trailing zeros (gold 0.5 rejects 0.50001, 0.04 rejects 0.0);
    * decimal prediction, exact gold: within ``EXACT_REL_TOL`` (1e-6) of it, so ``0.33`` does not
      earn ⅓ while ``0.3333333`` does (strictly inside the tolerance);
    * exact prediction, decimal gold: the prediction rounded (half away from zero) to the gold's
      places is the gold (``\\frac23`` for 0.6667; the rounding favours the exact side only).
    """
    if a == b:
        return True
    na, nb = pa[0], pb[0]
    if na is None and nb is None:
        return False
    if rel_tol is not None:
        return abs(b - a) <= Fraction(rel_tol) * abs(a)
    if na is not None and nb is not None:
        return False
    if nb is not None:
        return abs(b - a) < EXACT_REL_TOL * abs(a)
    assert na is not None
    return _round(b, na) == a


def exact_stage(g: Node, p: Node, rel_tol: float | None = None) -> tuple[bool | None, str]:
    eg = exact(g)
    if eg is None:
        return None, ""
    ep = exact(p)
    if ep is None:
        return None, ""
    return decimals_close(eg, literal_places(g), ep, literal_places(p), rel_tol), "numeric"


def identity_stage(g: Node, p: Node, rel_tol: float | None = None) -> tuple[bool | None, str]:
    """Random-point identity test at DPS digits (more when a term would be lost at DPS)."""
    rule = _decimal_rule(g, p, rel_tol)
    free = symbols(g) | symbols(p)
    points = POINTS if free - {"i", "I", "e"} else 1
    agree = 0
    refused = 0
    for k in range(points + 2):  # a couple of spare points for poles / domain errors
        try:
            dps, a, b = _evaluate_pair(g, p, k)
        except Refused as exc:
            refused += any(w in str(exc) for w in ("large", "magnitude", "precision"))
            continue
        except (ZeroDivisionError, ValueError, TypeError, OverflowError, ArithmeticError):
            continue
        with mpmath.workdps(dps):
            if not _close(a, b, g, p, k, rule, rel_tol):
                return False, "numeric_identity"
        agree += 1
        if agree >= points:
            return True, "numeric_identity"
    # A size guard fired: no later stage may try to build the monster either.
    return None, ("refused" if refused else "")


def _evaluate_pair(g: Node, p: Node, k: int) -> tuple[int, mpmath.mpc, mpmath.mpc]:
    """Both values at point k, at DPS digits or at the precision a small term needs."""
    dps = DPS
    for _ in range(4):
        try:
            with mpmath.workdps(dps):
                return dps, numeric(g, k), numeric(p, k)
        except PrecisionLoss as exc:
            dps = exc.digits + DPS
            if dps > MAX_DPS:
                raise Refused("precision needed exceeds the limit") from exc
    raise Refused("precision")


def _decimal_rule(g: Node, p: Node, rel_tol: float | None) -> str:
    """Which number rule applies: ``equal``, ``rel`` (decimal vs exact), ``round`` (exact vs gold decimal)."""
    gp, pp = decimal_places(g), decimal_places(p)
    if gp is None and pp is None:
        return "equal"
    if rel_tol is not None:
        return "rel"
    if pp is not None and gp is None:
        return "rel"
    lg = literal_places(g)
    if gp is not None and pp is None and lg[1] and lg[0] is not None:
        return "round"
    return "equal"  # decimals on both sides, or inside a gold expression: equal values only


def _close(a: mpmath.mpc, b: mpmath.mpc, g: Node, p: Node, k: int, rule: str, rel_tol: float | None) -> bool:
    d = abs(a - b)
    if rule == "rel":
        tol = mpmath.mpf(rel_tol) if rel_tol is not None else mpmath.mpf(10) ** -6
        return bool(d < tol * abs(a) or (rel_tol is not None and d <= tol * abs(a))) if a != 0 else bool(d == 0)
    if rule == "round":
        places = literal_places(g)[0]
        assert places is not None
        if mpmath.im(a) != 0 or mpmath.im(b) != 0:
            return False
        scale = mpmath.mpf(10) ** places
        rounded = mpmath.sign(b) * mpmath.floor(abs(b) * scale + mpmath.mpf(1) / 2) / scale
        return bool(abs(a - rounded) < mpmath.mpf(10) ** (-places - 8))
    dps = mpmath.mp.dps
    scale = max(abs(a), abs(b))
    close = d <= scale * mpmath.mpf(10) ** (-(dps - 10))
    if not close and d > mpmath.mpf(10) ** -(dps // 2):
        return False
    if close and k > 0:
        return True  # the first point was already confirmed at double precision
    # Equal to working precision, or a tiny difference: real (x vs x + 10^-50, 1/2006! vs 1/2004!)
    # or rounding noise (sin(pi) vs 0, sec^2 vs tan^2+1)? Re-evaluate at double precision: noise
    # shrinks with precision, a real difference does not.
    with mpmath.workdps(dps * 2):
        try:
            a2, b2 = numeric(g, k), numeric(p, k)
        except (Refused, ZeroDivisionError, ValueError, ArithmeticError):
            return False
        d2 = abs(a2 - b2)
        if d2 <= max(abs(a2), abs(b2)) * mpmath.mpf(10) ** (-(2 * dps - 10)):
            return True
        return bool(d > 0 and d2 < d * mpmath.mpf(10) ** -(dps // 2))


SYMPY_MAX_NODES = 60


def symbolic_stage(g: Node, p: Node, rel_tol: float | None = None) -> tuple[bool | None, str]:
    """Last resort for small trees the numeric stage could not evaluate (budget = tree size)."""
    if size(g) > SYMPY_MAX_NODES or size(p) > SYMPY_MAX_NODES:
        return None, ""
    if not (symbols(g) | symbols(p)) - {"i", "I", "e"}:
        return None, ""  # constants are decided by the exact and numeric stages, never by evalf
    if decimal_places(g) is not None or decimal_places(p) is not None:
        return None, ""  # decimals follow the number rules, decided numerically
    res = sympy_equal(g, p)
    return res, ("symbolic" if res is not None else "")


def scalar_equal(g: Node, p: Node, rel_tol: float | None = None) -> tuple[bool, str]:
    """Gold ``g`` against prediction ``p`` (the order matters: the gold's exactness decides)."""
    if canon(g) == canon(p):
        return True, "structural"
    for stage in (exact_stage, identity_stage, symbolic_stage):
        res, name = stage(g, p, rel_tol)
        if res is not None:
            return res, name
        if name == "refused":
            return False, "refused"
    return False, "undecided"
