"""Exact feasibility of ``{v ≥ 0 : A v + b ≥ 0}`` over the rationals (dictionary simplex, Bland's rule).

Floating-point LP solvers decide with tolerances (about 1e-7), which is exactly where a knife-edge
stack lives; this one is exact, so "feasible" is a proof, not an estimate. Each dictionary row is
kept as integers over one positive row denominator (reduced by their gcd after every pivot), which
is an order of magnitude faster than ``Fraction`` entries. The problems are small (a few variables
per box that rests on more than one support); pivots follow the largest coefficient, then Bland's
rule, which guarantees termination.
"""

from __future__ import annotations

import math
from fractions import Fraction

DANTZIG_STEPS = 200
Row = list[int]  # [denominator > 0, constant, coefficient of nonbasic 0, 1, ...] as integers


def _row(values: list[Fraction]) -> Row:
    den = 1
    for v in values:
        den = den * v.denominator // math.gcd(den, v.denominator)
    return _reduce([den, *(v.numerator * (den // v.denominator) for v in values)])


def _reduce(row: Row) -> Row:
    g = math.gcd(*row)
    return row if g == 1 else [x // g for x in row]


def feasible(a: list[list[Fraction]], b: list[Fraction], n: int) -> bool:
    """True iff some ``v ≥ 0`` (``n`` variables) makes every ``a[i]·v + b[i] ≥ 0``."""
    m = len(b)
    if all(x >= 0 for x in b):
        return True  # v = 0
    # Chvátal's auxiliary problem: w_i = b_i + a_i·v + x0 ≥ 0, maximise −x0; feasible iff x0 can be 0.
    x0 = n + m
    nonbasic = [*range(n), x0]
    basic = [n + i for i in range(m)]
    rows = [_row([Fraction(b[i]), *(Fraction(c) for c in a[i]), Fraction(1)]) for i in range(m)]
    obj: Row = [1, 0] + [0] * n + [-1]
    # The most negative constant leaves (compare n/d exactly: d > 0).
    leave = 0
    for i in range(1, m):
        if rows[i][1] * rows[leave][0] < rows[leave][1] * rows[i][0]:
            leave = i
    _pivot(rows, obj, basic, nonbasic, leave, n)
    for step in range(100_000):
        if x0 not in basic:
            return True
        cols = [j for j in range(len(nonbasic)) if obj[j + 2] > 0]
        if not cols:
            return obj[1] == 0
        # Largest coefficient first (few pivots in practice); Bland's rule after that (never cycles).
        col = max(cols, key=lambda j: obj[j + 2]) if step < DANTZIG_STEPS else min(cols, key=lambda j: nonbasic[j])
        best: tuple[int, int, int, int] | None = None  # (num, den) of the ratio, tie rank, basic id
        leave = -1
        for i, row in enumerate(rows):
            c = row[col + 2]
            if c < 0:
                num, den = row[1], -c  # ratio = const / −coef (the row denominator cancels)
                rank = (0 if basic[i] == x0 else 1, basic[i])
                if best is None or num * best[1] < best[0] * den or (
                        num * best[1] == best[0] * den and rank < (best[2], best[3])):
                    best, leave = (num, den, *rank), i
        if leave < 0:
            raise RuntimeError("auxiliary problem unbounded")  # impossible: −x0 ≤ 0
        _pivot(rows, obj, basic, nonbasic, leave, col)
    raise RuntimeError("simplex did not terminate")


def _pivot(rows: list[Row], obj: Row, basic: list[int], nonbasic: list[int], r: int, c: int) -> None:
    """Exchange basic ``basic[r]`` and nonbasic ``nonbasic[c]``."""
    row = rows[r]
    d, k = row[0], row[c + 2]
    # x_c = (basic_r − const − Σ_{j≠c} a_j x_j) / a_c, with a = n/d: the old basic variable takes column c.
    new = [k, *(-v for v in row[1:])]
    new[c + 2] = d
    if k < 0:
        new = [-v for v in new]
    new = _reduce(new)
    rows[r] = new
    pd = new[0]
    for t, target in enumerate((*rows, obj)):
        if t == r:
            continue
        f = target[c + 2]
        if not f:
            continue
        td = target[0]
        out = [td * pd] + [tv * pd + f * pv for tv, pv in zip(target[1:], new[1:], strict=True)]
        out[c + 2] = f * new[c + 2]
        out = _reduce(out)
        if t < len(rows):
            rows[t] = out
        else:
            obj[:] = out
    basic[r], nonbasic[c] = nonbasic[c], basic[r]
