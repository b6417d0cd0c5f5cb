"""Exact feasibility of ``{v ≥ 0 : A v + b ≥ 0}`` over the rationals (dictionary simplex, Bland's rule).

Floating-point LP solvers decide with tolerances (about 1e-7), which is exactly where a knife-edge
stack lives; this one pivots in ``Fraction``s, so "feasible" is a proof, not an estimate. The problems
it sees are small (a few variables per object that rests on more than one support), and Bland's rule
guarantees termination.
"""

from __future__ import annotations

from fractions import Fraction

Row = list[Fraction]  # [constant, coefficient of nonbasic 0, 1, ...]


def feasible(a: list[list[Fraction]], b: list[Fraction], n: int) -> bool:
    """True iff some ``v ≥ 0`` (``n`` variables) makes every ``a[i]·v + b[i] ≥ 0``."""
    m = len(b)
    if all(x >= 0 for x in b):
        return True  # v = 0
    # Chvátal's auxiliary problem: w_i = b_i + a_i·v + x0 ≥ 0, maximise −x0; feasible iff x0 can be 0.
    x0 = n + m
    nonbasic = [*range(n), x0]
    basic = [n + i for i in range(m)]
    rows: list[Row] = [[Fraction(b[i]), *(Fraction(c) for c in a[i]), Fraction(1)] for i in range(m)]
    obj: Row = [Fraction(0)] * (n + 1) + [Fraction(-1)]
    leave = min(range(m), key=lambda i: (rows[i][0], basic[i]))
    _pivot(rows, obj, basic, nonbasic, leave, n)
    for _ in range(10_000):
        if x0 not in basic:
            return True
        cols = [j for j in range(len(nonbasic)) if obj[j + 1] > 0]
        if not cols:
            return obj[0] == 0
        col = min(cols, key=lambda j: nonbasic[j])
        best: tuple[Fraction, int, int] | None = None
        leave = -1
        for i, row in enumerate(rows):
            c = row[col + 1]
            if c < 0:
                # Smallest ratio; on ties x0 leaves first (then the problem is feasible), else Bland.
                key = (row[0] / -c, 0 if basic[i] == x0 else 1, basic[i])
                if best is None or key < best:
                    best, leave = key, i
        if leave < 0:
            raise RuntimeError("auxiliary problem unbounded")  # impossible: −x0 ≤ 0
        _pivot(rows, obj, basic, nonbasic, leave, col)
    raise RuntimeError("simplex did not terminate")


def _pivot(rows: list[Row], obj: Row, basic: list[int], nonbasic: list[int], r: int, c: int) -> None:
    """Exchange basic ``basic[r]`` and nonbasic ``nonbasic[c]``."""
    row = rows[r]
    k = row[c + 1]
    # x_c = (basic_r − const − Σ_{j≠c} a_j x_j) / a_c: the old basic variable takes column c.
    new = [-v / k for v in row]
    new[c + 1] = 1 / k
    rows[r] = new
    for target in (*rows[:r], *rows[r + 1:], obj):
        f = target[c + 1]
        if f:
            for j, v in enumerate(new):
                if v:
                    target[j] = target[j] + f * v if j != c + 1 else f * v
    basic[r], nonbasic[c] = nonbasic[c], basic[r]
