"""Matrix arithmetic on parse trees: sums, scalar multiples and products of explicit matrices.

The result is again a matrix of *trees* (``("+", …)``, ``("*", …)``), so the entries are compared
by the usual scalar stages; nothing is evaluated here and sizes are capped at ``MAX_MATRIX``.
"""

from __future__ import annotations

from envs.math.ast import CONTAINERS, Node

MAX_MATRIX = 10


def has_matrix(node: Node) -> bool:
    parts = node[1] if node[0] in ("+", "*") else (node[1],)
    return any(x[0] == "mat" or (x[0] == "neg" and x[1][0] == "mat") for x in parts)


def matrix_value(node: Node) -> Node | None:
    """Sums, scalar multiples and products of explicit matrices, entry by entry (trees, not numbers)."""
    kind = node[0]
    if kind == "mat":
        rows = node[1]
        if len(rows) > MAX_MATRIX or any(len(r) != len(rows[0]) or len(r) > MAX_MATRIX for r in rows):
            return None
        return node
    if kind == "neg":
        m = matrix_value(node[1])
        return None if m is None else ("mat", tuple(tuple(("neg", x) for x in r) for r in m[1]))
    if kind == "+":
        mats = [matrix_value(t) for t in node[1]]
        if any(m is None for m in mats):
            return None
        shape = (len(mats[0][1]), len(mats[0][1][0]))
        if any((len(m[1]), len(m[1][0])) != shape for m in mats):
            return None
        return ("mat", tuple(tuple(("+", tuple(m[1][i][j] for m in mats)) for j in range(shape[1]))
                             for i in range(shape[0])))
    if kind == "*":
        acc: Node | None = None
        scalars: list[Node] = []
        for f in node[1]:
            if f[0] == "mat" or (f[0] == "neg" and f[1][0] == "mat"):
                m = matrix_value(f)
                if m is None:
                    return None
                acc = m if acc is None else _matmul(acc, m)
                if acc is None:
                    return None
            elif f[0] in CONTAINERS or f[0] == "inv" and f[1][0] == "mat":
                return None
            else:
                scalars.append(f)
        if acc is None:
            return None
        if scalars:
            acc = ("mat", tuple(tuple(("*", (*scalars, x)) for x in r) for r in acc[1]))
        return acc
    return None


def _matmul(a: Node, b: Node) -> Node | None:
    ra, rb = a[1], b[1]
    if len(ra[0]) != len(rb):
        return None
    return ("mat", tuple(tuple(("+", tuple(("*", (ra[i][k], rb[k][j])) for k in range(len(rb))))
                               for j in range(len(rb[0]))) for i in range(len(ra))))
