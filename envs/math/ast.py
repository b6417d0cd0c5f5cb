"""Node kinds of the parse tree (plain tuples: cheap to build, hash and memoise).

=========  ===========================================  ==========================================
kind       shape                                        meaning
=========  ===========================================  ==========================================
``n``      ("n", Fraction, places|None)                 number; places = decimals written, or exact
``s``      ("s", name)                                  symbol (``x``, ``x_1``, ``alpha``, ``204_5``)
``c``      ("c", "pi"|"e"|"oo")                         constant
``+``      ("+", terms)                                 sum
``*``      ("*", factors)                               product; ``("inv", x)`` factors divide
``neg``    ("neg", x)                                   negation
``^``      ("^", base, exp)                             power
``f``      ("f", name, args)                            function (sin, sqrt, log, abs, binom, ...)
``!``      ("!", x)                                     factorial
``%``      ("%", x) / ``deg`` ("deg", x)                percent / degrees
``pm``     ("pm", a, b)                                 a ± b
``rel``    ("rel", ops, operands)                       (chained) relation: = < <= > >= != ~ in :
``seq``    ("seq", items)                               comma list; ``semi`` for ';' lists
``tuple``  ("tuple", items)                             parenthesised list, also an open interval
``iv``     ("iv", lo, hi, lo_closed, hi_closed)         interval (or 2-list in square brackets)
``list``   ("list", items)                              square-bracket list of 1 or 3+ items
``set``    ("set", items)                               braces
``union``  ("union", (a, b))                            set union (``cap``/``setminus`` likewise)
``mat``    ("mat", rows)                                matrix / vector
=========  ===========================================  ==========================================
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from typing import Any

Node = tuple[Any, ...]

FUNCS = {
    "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
    "exp", "log", "ln", "lg", "sqrt", "abs", "max", "min", "gcd", "lcm", "det", "deg", "arcsec", "arccsc",
    "arccot", "floor", "ceil", "sgn", "Re", "Im",
}
CONTAINERS = {"seq", "semi", "tuple", "iv", "list", "set", "union", "cap", "setminus", "mat"}


def num(v: int | Fraction, places: int | None = None) -> Node:
    return ("n", Fraction(v), places)


def size(node: Node, limit: int = 10_000) -> int:
    """Number of nodes, counted iteratively (no recursion), stopping past ``limit``."""
    count = 0
    stack = [node]
    while stack and count <= limit:
        cur = stack.pop()
        count += 1
        if not isinstance(cur, tuple) or not cur:
            continue
        if not isinstance(cur[0], str):
            stack.extend(cur)
            continue
        for part in cur[1:]:
            if isinstance(part, tuple):
                stack.append(part)
    return count


def nodes(node: Node) -> Iterator[Node]:
    """Every node of the tree (a tuple headed by its kind), walked iteratively: no recursion limit."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if not isinstance(cur, tuple) or not cur:
            continue
        if not isinstance(cur[0], str):  # a tuple of child nodes
            stack.extend(cur)
            continue
        yield cur
        stack.extend(part for part in cur[1:] if isinstance(part, tuple))


def symbols(node: Node) -> set[str]:
    return {cur[1] for cur in nodes(node) if cur[0] == "s"}


def decimal_places(node: Node) -> int | None:
    """Most decimal places written in any literal of the tree (None when all literals are exact)."""
    places = [cur[2] for cur in nodes(node) if cur[0] == "n" and cur[2] is not None]
    return max(places) if places else None


def canon(node: Node) -> str:
    """A canonical string: commutative operands sorted. Equal strings mean equal trees."""
    if not isinstance(node, tuple):
        return repr(node)
    kind = node[0]
    if kind == "n":
        return str(node[1])
    if kind in ("s", "c"):
        return node[1]
    if kind in ("+", "*"):
        return kind + "(" + ",".join(sorted(canon(x) for x in node[1])) + ")"
    if kind in ("set",):
        return "set(" + ",".join(sorted(canon(x) for x in node[1])) + ")"
    if kind == "f":
        return node[1] + "(" + ",".join(canon(x) for x in node[2]) + ")"
    if kind == "rel":
        return "rel" + repr(node[1]) + "(" + ",".join(canon(x) for x in node[2]) + ")"
    parts = []
    for p in node[1:]:
        if isinstance(p, tuple) and p and isinstance(p[0], str):
            parts.append(canon(p))
        elif isinstance(p, tuple):
            parts.append("[" + ",".join(canon(x) for x in p) + "]")
        else:
            parts.append(repr(p))
    return kind + "(" + ",".join(parts) + ")"


CONSTANT_SYMBOLS = {"i", "I", "e"}


def bound_free(node: Node) -> set[str]:
    """Free symbols, without ``i``/``e`` and the variables bound by a ``\\lim_{x \\to a}``."""
    free = symbols(node) - CONSTANT_SYMBOLS
    for cur in nodes(node):
        if cur[0] == "big" and cur[1] == "lim" and cur[2][0] == "rel" and cur[2][2][0][0] == "s":
            free.discard(cur[2][2][0][1])
    return free
