"""Exhaustive solvers for the 24 game and Countdown, in exact arithmetic.

``reachable(nums)`` maps a sorted multiset to every value its numbers can make with + − × ÷
(each number used exactly once), memoised by multiset, so all 1,820 four-number puzzles of 1..13
are checked in about a second. ``solutions`` enumerates distinct expressions for difficulty tiers.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from fractions import Fraction
from functools import lru_cache

Multiset = tuple[int, ...]


def _splits(ms: Multiset) -> Iterator[tuple[Multiset, Multiset]]:
    """Each way to cut a sorted multiset into two non-empty parts, each unordered pair once."""
    n = len(ms)
    seen: set[tuple[Multiset, Multiset]] = set()
    for r in range(1, n // 2 + 1):
        for idx in itertools.combinations(range(n), r):
            a = tuple(ms[i] for i in idx)
            b = tuple(ms[i] for i in range(n) if i not in idx)
            key = (a, b) if a <= b else (b, a)
            if key not in seen:
                seen.add(key)
                yield key


def _combine(x: Fraction, y: Fraction) -> Iterator[Fraction]:
    yield x + y
    yield x * y
    yield x - y
    yield y - x
    if y:
        yield x / y
    if x:
        yield y / x


@lru_cache(maxsize=65_536)
def reachable(ms: Multiset) -> frozenset[Fraction]:
    if len(ms) == 1:
        return frozenset((Fraction(ms[0]),))
    out: set[Fraction] = set()
    for a, b in _splits(ms):
        vb = reachable(b)
        for x in reachable(a):
            for y in vb:
                out.update(_combine(x, y))
    return frozenset(out)


def solvable(numbers: list[int] | tuple[int, ...], target: int = 24) -> bool:
    """Whether the numbers, each used once, reach the target. Checks the last operation by lookup."""
    ms = tuple(sorted(numbers))
    t = Fraction(target)
    if len(ms) == 1:
        return ms[0] == target
    if not t:  # zero has too many special cases (0·y, 0/y) for the lookup below
        return t in reachable(ms)
    for a, b in _splits(ms):
        vb = reachable(b)
        for x in reachable(a):
            # x ∘ y = t  ⇔  y ∈ {t−x, x−t, t+x} or, for x ≠ 0 (so y ≠ 0 too), y ∈ {t/x, x/t, t·x}
            if t - x in vb or x - t in vb or t + x in vb:
                return True
            if x and (t / x in vb or x / t in vb or t * x in vb):
                return True
    return False


@lru_cache(maxsize=65_536)
def reachable_integer(ms: Multiset) -> frozenset[Fraction]:
    """Like ``reachable`` but every intermediate must be an integer."""
    if len(ms) == 1:
        return frozenset((Fraction(ms[0]),))
    out: set[Fraction] = set()
    for a, b in _splits(ms):
        vb = reachable_integer(b)
        for x in reachable_integer(a):
            for y in vb:
                out.update(v for v in _combine(x, y) if v.denominator == 1)
    return frozenset(out)


def solvable_integer(numbers: list[int] | tuple[int, ...], target: int = 24) -> bool:
    return Fraction(target) in reachable_integer(tuple(sorted(numbers)))


def _exprs(ms: Multiset) -> dict[Fraction, set[tuple[str, bool]]]:
    """value → {(canonical expression, needs a non-integer intermediate)}.

    Canonical: operands of + and × sorted, so a+b and b+a count once. Used only to rate
    difficulty of one puzzle at a time, not on the scoring path.
    """
    if len(ms) == 1:
        return {Fraction(ms[0]): {(str(ms[0]), False)}}
    out: dict[Fraction, set[tuple[str, bool]]] = {}
    for a, b in _splits(ms):
        ea, eb = _exprs(a), _exprs(b)
        for x, xs in ea.items():
            for y, ys in eb.items():
                for sx, fx in xs:
                    for sy, fy in ys:
                        frac = fx or fy or x.denominator != 1 or y.denominator != 1
                        lo, hi = sorted((sx, sy))
                        cands = [(x + y, f"({lo}+{hi})"), (x * y, f"({lo}*{hi})"),
                                 (x - y, f"({sx}-{sy})"), (y - x, f"({sy}-{sx})")]
                        if y:
                            cands.append((x / y, f"({sx}/{sy})"))
                        if x:
                            cands.append((y / x, f"({sy}/{sx})"))
                        for v, s in cands:
                            out.setdefault(v, set()).add((s, frac))
    return out


def solutions(numbers: list[int] | tuple[int, ...], target: int = 24) -> list[tuple[str, bool]]:
    """Distinct solutions as (expression, needs_fraction), outer parentheses dropped."""
    found = _exprs(tuple(sorted(numbers))).get(Fraction(target), set())
    return sorted((s[1:-1] if s.startswith("(") else s, f) for s, f in found)
