"""Procedural math problems with exact gold answers (for ``MathTask.sample`` and Gymnasium resets).

Small families with answers computed exactly here (``fractions``/integers), each asking for a
``\\boxed{}`` answer, so generated problems exercise the same verifier the corpus does.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from envs.base import Problem

_ASK = " Reason step by step, then put the final answer in \\boxed{}."


def _tex(q: Fraction) -> str:
    if q.denominator == 1:
        return str(q.numerator)
    sign = "-" if q < 0 else ""
    return f"{sign}\\frac{{{abs(q.numerator)}}}{{{q.denominator}}}"


def _fraction_sum(rng: random.Random) -> tuple[str, str]:
    a, b = Fraction(rng.randint(1, 12), rng.randint(2, 12)), Fraction(rng.randint(1, 12), rng.randint(2, 12))
    op = rng.choice("+-")
    val = a + b if op == "+" else a - b
    return f"Compute ${_tex(a)} {op} {_tex(b)}$ as a fraction in lowest terms.", _tex(val)


def _linear(rng: random.Random) -> tuple[str, str]:
    a = rng.choice([k for k in range(-9, 10) if k not in (0, 1)])
    x = Fraction(rng.randint(-20, 20), rng.choice([1, 1, 2, 3]))
    b = rng.randint(-30, 30)
    c = a * x + b
    return f"Solve for $x$: ${a}x {'+' if b >= 0 else '-'} {abs(b)} = {_tex(c)}$.", _tex(x)


def _gcd_lcm(rng: random.Random) -> tuple[str, str]:
    g = rng.randint(2, 15)
    a, b = g * rng.randint(2, 20), g * rng.randint(2, 20)
    if rng.random() < 0.5:
        return f"What is the greatest common divisor of {a} and {b}?", str(math.gcd(a, b))
    return f"What is the least common multiple of {a} and {b}?", str(math.lcm(a, b))


def _quadratic_roots(rng: random.Random) -> tuple[str, str]:
    r1, r2 = rng.randint(-12, 12), rng.randint(-12, 12)
    s, p = r1 + r2, r1 * r2
    poly = "x^2" + (f" {'-' if s > 0 else '+'} {abs(s)}x" if s else "") + (f" {'+' if p >= 0 else '-'} {abs(p)}" if p else "")
    roots = sorted({r1, r2})
    return (f"Find all real solutions of ${poly} = 0$. List them separated by commas.",
            ", ".join(map(str, roots)))


def _percent(rng: random.Random) -> tuple[str, str]:
    whole = rng.randint(2, 50) * 20
    pct = rng.choice([5, 10, 15, 20, 25, 30, 40, 50, 75])
    return f"What is {pct}\\% of {whole}?", _tex(Fraction(pct * whole, 100))


FAMILIES: dict[str, Callable[[random.Random], tuple[str, str]]] = {
    "fraction": _fraction_sum, "linear": _linear, "gcd_lcm": _gcd_lcm, "quadratic": _quadratic_roots,
    "percent": _percent,
}


def sample_problem(rng: random.Random, **options: Any) -> Problem:
    """``family``: one of FAMILIES (default: any)."""
    family = str(options.get("family", "any"))
    if family != "any" and family not in FAMILIES:
        raise ValueError(f"family must be any or one of {', '.join(FAMILIES)}")
    make = FAMILIES[family] if family != "any" else FAMILIES[rng.choice(sorted(FAMILIES))]
    question, gold = make(rng)
    return Problem(question + _ASK, {"answer": gold})
