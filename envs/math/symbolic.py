"""The guarded sympy stage: our own tree → sympy objects, then a budgeted ``simplify``.

Never ``sympify``/``parse_expr`` (they ``eval``): every sympy object is built here from a parse
tree that already passed the size check in ``scalar.symbolic_stage``. Before building, the same
magnitude guards as the exact evaluator apply: integer powers, factorials and binomials whose
results would be huge are refused, so sympy's eager evaluation cannot blow up. The budget is
structural: ``simplify`` only runs on a difference with few operations; larger ones get the cheap
``expand``/``cancel`` path only. The worker's hard deadline remains the final backstop.
"""

from __future__ import annotations

import sympy

from envs.math.ast import Node
from envs.math.evaluate import MAX_DIGITS, MAX_FACTORIAL, Refused, exact

SIMPLIFY_MAX_OPS = 30
MAX_SYMBOLIC_POWER = 16

_FUNCS = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "sec": sympy.sec, "csc": sympy.csc,
    "cot": sympy.cot, "arcsin": sympy.asin, "arccos": sympy.acos, "arctan": sympy.atan,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh, "exp": sympy.exp, "log": sympy.log,
    "sqrt": sympy.sqrt, "abs": sympy.Abs, "floor": sympy.floor, "ceil": sympy.ceiling,
}


def build(node: Node) -> sympy.Expr:
    kind = node[0]
    if kind == "n":
        q = node[1]
        return sympy.Rational(q.numerator, q.denominator)
    if kind == "s":
        name = node[1]
        if name in ("i", "I"):
            return sympy.I
        if name == "e":
            return sympy.E
        return sympy.Symbol(name)
    if kind == "c":
        return {"pi": sympy.pi, "e": sympy.E, "oo": sympy.oo}[node[1]]
    if kind == "+":
        return sympy.Add(*[build(t) for t in node[1]], evaluate=False)
    if kind == "*":
        return sympy.Mul(*[build(f) for f in node[1]], evaluate=False)
    if kind == "inv":
        return sympy.Pow(build(node[1]), -1, evaluate=False)
    if kind == "neg":
        return sympy.Mul(-1, build(node[1]), evaluate=False)
    if kind == "%":
        return sympy.Mul(build(node[1]), sympy.Rational(1, 100), evaluate=False)
    if kind == "deg":
        return sympy.Mul(build(node[1]), sympy.pi / 180, evaluate=False)
    if kind == "^":
        e = exact(node[2])
        b = exact(node[1])
        if e is not None and b is not None and abs(e) > 1 and abs(b) > 1:
            # exact() already refused over-large rational powers; guard non-integer exponents too.
            if float(abs(e)) * len(str(abs(b.numerator))) > MAX_DIGITS:
                raise Refused("power too large")
        elif e is None and b is not None and abs(b) > 1:
            raise Refused("symbolic exponent of a number: left to the numeric stage")
        if e is not None and b is None and abs(e) > MAX_SYMBOLIC_POWER:
            # (x+1)^{10^6} would make expand() build a million-term polynomial.
            raise Refused("symbolic power too large")
        return sympy.Pow(build(node[1]), build(node[2]), evaluate=False)
    if kind == "!":
        v = exact(node[1])
        if v is not None and v > MAX_FACTORIAL:
            raise Refused("factorial too large")
        return sympy.factorial(build(node[1]))
    if kind == "f":
        name, args = node[1], node[2]
        if name in _FUNCS and len(args) == 1:
            return _FUNCS[name](build(args[0]), evaluate=False)
        if name == "binom" and len(args) == 2:
            n = exact(args[0])
            if n is not None and n > 10**4:
                raise Refused("binomial too large")
            return sympy.binomial(build(args[0]), build(args[1]))
    raise Refused(f"no sympy form for {kind}")


def sympy_equal(g: Node, p: Node) -> bool | None:
    """True/False when sympy can decide within the budget, else None."""
    try:
        diff = build(g) - build(p)
        if sympy.count_ops(diff) > SIMPLIFY_MAX_OPS * 3:
            return None
        cheap = sympy.cancel(sympy.expand(diff))
        if cheap == 0:
            return True
        if sympy.count_ops(cheap) <= SIMPLIFY_MAX_OPS:
            res = sympy.simplify(cheap)
            if res == 0:
                return True
            if res.is_number and res.is_zero is False:
                return False
    except Exception:  # sympy raises many kinds (OverflowError from evalf, PolificationFailed…)
        return None
    return None
