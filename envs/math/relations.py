"""Relations: equations and inequalities compared as relations, inequalities as intervals, and
equation chains (``x = 5 + 5 + 1 = 11``) checked before their last side is taken as the answer."""

from __future__ import annotations

import mpmath

from envs.math.ast import Node, canon, decimal_places, symbols
from envs.math.evaluate import Refused, numeric
from envs.math.scalar import DPS, scalar_equal


def is_name(node: Node) -> bool:
    """A left-hand side that names the answer: x, x_1, f(x), AB, |AB|, NO/BO, (p, q), S_1:S_2."""
    kind = node[0]
    if kind == "s":
        return node[1] not in ("i", "e")
    if kind == "*":
        return all(is_name(f[1] if f[0] == "inv" else f) for f in node[1])
    if kind == "f" and node[1] == "abs":
        return is_name(node[2][0])
    if kind in ("tuple", "ratio"):
        return all(is_name(x) for x in node[1])
    return False


_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "!=": "!="}


def inequality_set(rel: Node) -> Node | None:
    """``a < x <= b`` / ``x >= a`` / ``a <= |x| <= b`` as an interval (or union) value."""
    ops, sides = rel[1], rel[2]
    inf, ninf = ("c", "oo"), ("neg", ("c", "oo"))
    if len(ops) == 2:
        if ops[0][0] == ">" and ops[1][0] == ">":
            sides, ops = sides[::-1], tuple(_FLIP[o] for o in ops[::-1])
        if ops[0][0] != "<" or ops[1][0] != "<":
            return None
        lo, mid, hi = sides
        lo_c, hi_c = ops[0] == "<=", ops[1] == "<="
        if mid[0] == "f" and mid[1] == "abs" and mid[2][0][0] == "s":
            return ("union", (("iv", ("neg", hi), ("neg", lo), hi_c, lo_c), ("iv", lo, hi, lo_c, hi_c)))
        if not is_name(mid):
            return None
        return ("iv", lo, hi, lo_c, hi_c)
    if len(ops) == 1 and ops[0] in ("<", ">", "<=", ">="):
        lhs, rhs = sides
        op = ops[0]
        if rhs[0] == "s" and lhs[0] != "s":
            lhs, rhs, op = rhs, lhs, _FLIP[op]
        if lhs[0] != "s":
            return None
        closed = op.endswith("=")
        return ("iv", rhs, inf, closed, False) if op[0] == ">" else ("iv", ninf, rhs, False, closed)
    return None


def relation_equal(g: Node, p: Node, rel_tol: float | None = None) -> tuple[bool, str]:
    gops, gs = g[1], g[2]
    pops, ps = p[1], p[2]
    if len(gops) != len(pops):
        return False, "relation"
    if gops != pops:
        pops, ps = tuple(_FLIP.get(o, o) for o in pops[::-1]), ps[::-1]
        if gops != pops:
            return False, "relation"
    if len(gops) == 1 and gops[0] in ("=", "<", "<=", ">", ">=", "!="):
        # Same left side and equal right sides is the cheap positive; anything else goes to
        # the proportionality test (2x+4y-3=0 vs y=-x/2+3/4).
        if canon(gs[0]) == canon(ps[0]) and scalar_equal(gs[1], ps[1], rel_tol)[0]:
            return True, "relation"
        a = ("+", (gs[0], ("neg", gs[1])))
        b = ("+", (ps[0], ("neg", ps[1])))
        return proportional(a, b, positive=gops[0] not in ("=", "!=")), "equation"
    for x, y in zip(gs, ps, strict=True):
        if not scalar_equal(x, y, rel_tol)[0]:
            return False, "relation"
    return True, "relation"


def proportional(a: Node, b: Node, positive: bool) -> bool:
    """a = c·b for one non-zero constant c (c > 0 when ``positive``), tested at random points."""
    places = decimal_places(a)
    tol = mpmath.mpf(10) ** (-(places or (DPS - 12)))
    ratio = None
    seen = 0
    with mpmath.workdps(DPS):
        for k in range(6):
            try:
                va, vb = numeric(a, k), numeric(b, k)
            except (Refused, ZeroDivisionError, ValueError, ArithmeticError, TypeError):
                continue
            if abs(vb) < tol or abs(va) < tol:
                if abs(va) < tol and abs(vb) < tol:
                    continue
                return False
            r = va / vb
            if ratio is None:
                ratio = r
                if positive and (abs(mpmath.im(r)) > tol or mpmath.re(r) <= 0):
                    return False
            elif abs(r - ratio) > tol * max(1, abs(ratio)):
                return False
            seen += 1
            if seen >= 3:
                return True
    return False


CONSTANT_SYMBOLS = {"i", "I", "e"}


def bound_free(node: Node) -> set[str]:
    """Free symbols, without ``i``/``e`` and the variables bound by a ``\\lim_{x \\to a}``."""
    free = symbols(node) - CONSTANT_SYMBOLS
    stack = [node]
    while stack and free:
        cur = stack.pop()
        if not isinstance(cur, tuple) or not cur:
            continue
        if not isinstance(cur[0], str):
            stack.extend(cur)
            continue
        if cur[0] == "big" and cur[1] == "lim" and cur[2][0] == "rel" and cur[2][2][0][0] == "s":
            free.discard(cur[2][2][0][1])
        stack.extend(x for x in cur[1:] if isinstance(x, tuple))
    return free


def chain_holds(sides: list[Node]) -> bool:
    """Every two neighbouring constant sides of an ``=`` chain are equal (``2 + 2 = 5`` fails,
    ``e^{i\\pi} = -1`` and ``17 \\bmod 5 = 2`` hold). Symbolic sides cannot be refuted and are
    skipped; a constant side that cannot be evaluated makes the chain fail."""
    consts = [x for x in sides if not bound_free(x)]
    # Either side may be the rounded one: "\\frac13 = 0.333" holds, its last side is 0.333.
    return all(scalar_equal(a, b)[0] or scalar_equal(b, a)[0] for a, b in zip(consts, consts[1:], strict=False))
