"""Typed comparators: assignments, relations, tuples, sets, intervals, ±, matrices, percent.

``typed(node)`` rewrites a parse tree into a comparable value: ``x = 5`` becomes
``("asg", name, value, relation)``, ``a ± b`` inside a list becomes two items, ``a:b`` a ratio,
``x ≈ 3.14`` keeps its exact side. ``equal(gold, pred, policy)`` then dispatches on the kinds and
returns ``(equal, stage)``; scalars go to ``scalar.scalar_equal``.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from envs.math.ast import CONTAINERS, Node, canon
from envs.math.matrices import has_matrix, matrix_value
from envs.math.relations import bound_free, chain_holds, inequality_set, is_name, relation_equal
from envs.math.scalar import scalar_equal


@dataclass(frozen=True, slots=True)
class Policy:
    percent: str = "lenient"  # lenient: X% matches X and X/100; strict: only X/100; ignore: only X
    ordered_lists: bool = False  # bare comma lists compared in order (Hendrycks-style)
    relation_vs_interval: bool = True  # a pred inequality may answer a gold interval (and back)
    require_boxed: bool = False  # only <answer> blocks and \boxed{} count
    fallback: str = "last_sentence"  # last_sentence | none: where to look when nothing is marked
    strict_think: bool = False  # an unclosed <think> hides everything after it
    rel_tol: float = -1.0  # < 0: unset (the strict number rules); else |pred - gold| <= rel_tol·|gold|

    @property
    def tolerance(self) -> float | None:
        return self.rel_tol if self.rel_tol >= 0 else None


ORDERED = {"tuple", "list", "iv", "mat"}
UNORDERED = {"seq", "set", "semi", "union"}


# A gold is trusted as written: its chains are not checked (a dataset's "1 = k = x = 0" stays).
TRUST_CHAINS: ContextVar[bool] = ContextVar("trust_chains", default=False)


def typed(node: Node) -> Node:
    kind = node[0]
    if kind == "rel":
        return _relation(node)
    if kind == "seq":
        items = tuple(typed(x) for x in node[1])
        return _group_assignments(items) or ("seq", items)
    if kind in ("set", "list", "tuple"):
        return (kind, tuple(typed(x) for x in node[1]))
    if kind in ("+", "*", "neg") and has_matrix(node):
        return matrix_value(node) or node
    if kind == "semi":
        return ("semi", tuple(("tuple", tuple(typed(y) for y in x[1])) if x[0] == "seq" else typed(x)
                              for x in node[1]))
    if kind == "iv":
        return ("iv", typed(node[1]), typed(node[2]), node[3], node[4])
    if kind == "mat":
        return ("mat", tuple(tuple(typed(x) for x in row) for row in node[1]))
    return node


def _group_assignments(items: tuple[Node, ...]) -> Node | None:
    """``p = 5, q = 2, p = 7, q = 2`` is two solutions (5, 2) and (7, 2), not four values."""
    if len(items) < 4 or not all(x[0] == "asg" for x in items):
        return None
    names = [canon(x[1]) for x in items]
    k = len(dict.fromkeys(names))
    if k < 2 or len(items) % k or any(names[i] != names[i % k] for i in range(len(items))):
        return None
    return ("semi", tuple(("tuple", items[i:i + k]) for i in range(0, len(items), k)))


def _relation(node: Node) -> Node:
    ops, operands = list(node[1]), list(node[2])
    sides: list[Node] = []
    rops: list[str] = []
    cur = [operands[0]]
    for op, nxt in zip(ops, operands[1:], strict=True):
        if op == ":":
            cur.append(nxt)
        else:
            sides.append(cur[0] if len(cur) == 1 else ("ratio", tuple(cur)))
            rops.append(op)
            cur = [nxt]
    sides.append(cur[0] if len(cur) == 1 else ("ratio", tuple(cur)))
    if "~" in rops:  # keep the exact side of an approximation
        k = rops.index("~")
        if k == 0 and is_name(sides[0]):
            return typed(sides[1])
        sides, rops = sides[: k + 1], rops[:k]
    if not rops:
        return typed(sides[0])
    if rops[-1] in ("->", "=>"):
        return typed(sides[-1])
    if all(op == "=" for op in rops) and not TRUST_CHAINS.get() and not chain_holds(sides):
        return ("rel", tuple(rops), tuple(sides))  # "2 + 2 = 5": a false chain is no answer
    if all(op == "=" for op in rops) and not any(bound_free(x) for x in sides):
        return typed(sides[-1])  # "35 + 70 = 105", "e^{i\\pi} = -1": arithmetic leading to the value
    if all(op == "=" for op in rops):
        # "x = 5 + 5 + 1 = 11", and "1 = k = x = 0" too: a name in the chain, a value at its end.
        names = [x for x in sides[:-1] if is_name(x)]
        if names and (is_name(sides[0]) or not is_name(sides[-1])):
            return ("asg", names[0], typed(sides[-1]), ("rel", ("=",), (names[0], sides[-1])))
    if rops == ["in"] and is_name(sides[0]):
        return ("asg", sides[0], typed(sides[1]), None)
    return ("rel", tuple(rops), tuple(sides))


def expand_pm(node: Node, limit: int = 3) -> list[Node]:
    """All sign choices of the ± in a scalar tree (a ± b → [a + b, a - b])."""
    path = _find_pm(node)
    if path is None or limit == 0:
        return [node]
    out: list[Node] = []
    for choice in (lambda n: ("+", (n[1], n[2])), lambda n: ("+", (n[1], ("neg", n[2])))):
        out.extend(expand_pm(_replace(node, path, choice), limit - 1))
    return out


def _find_pm(node: Node, depth: int = 0) -> list[int] | None:
    if not isinstance(node, tuple) or not node or depth > 50:
        return None
    if node[0] == "pm":
        return []
    for i, part in enumerate(node[1:], 1):
        if isinstance(part, tuple) and part and isinstance(part[0], str):
            sub = _find_pm(part, depth + 1)
            if sub is not None:
                return [i, *sub]
        elif isinstance(part, tuple):
            for j, item in enumerate(part):
                sub = _find_pm(item, depth + 1)
                if sub is not None:
                    return [i, -1 - j, *sub]
    return None


def _replace(node: Node, path: list[int], fn) -> Node:  # type: ignore[no-untyped-def]
    if not path:
        return fn(node)
    i = path[0]
    if len(path) > 1 and path[1] < 0:
        j = -1 - path[1]
        items = list(node[i])
        items[j] = _replace(items[j], path[2:], fn)
        return (*node[:i], tuple(items), *node[i + 1:])
    return (*node[:i], _replace(node[i], path[1:], fn), *node[i + 1:])


def items_of(v: Node) -> tuple[list[Node], bool, tuple[bool, bool] | None]:
    """(items, ordered, interval flags) of a collection value; ± items expanded."""
    kind = v[0]
    if kind == "iv":
        return [v[1], v[2]], True, (v[3], v[4])
    if kind == "mat":
        rows = v[1]
        if len(rows) == 1 or all(len(r) == 1 for r in rows):
            return [x for r in rows for x in r], True, None
        return [("tuple", r) for r in rows], True, None
    items: list[Node] = []
    for x in v[1]:
        items.extend(expand_pm(x) if x[0] not in CONTAINERS else [x])
    if kind == "tuple":
        return items, True, ((False, False) if len(items) == 2 else None)
    return items, kind in ORDERED, None


def _strip_unit(v: Node, policy: Policy) -> list[Node]:
    """Top-level percent and degree marks: the alternatives a value stands for."""
    if v[0] == "%":
        if policy.percent == "strict":
            return [v]
        return [v[1]] if policy.percent == "ignore" else [v[1], ("%", v[1])]
    if v[0] == "deg":
        return [v[1], v]
    return [v]


def equal(g: Node, p: Node, policy: Policy) -> tuple[bool, str]:
    gk, pk = g[0], p[0]
    if gk == "asg" and pk == "asg":
        if g[1][0] == "s" and p[1][0] == "s" and g[1] != p[1]:
            return False, "assignment"  # x = 2 does not answer y = 2 (but f(x) = … may answer y = …)
        return equal(g[2], p[2], policy)
    if gk == "asg":
        if pk == "rel" and g[3] is not None:
            return relation_equal(g[3], p, policy.tolerance)
        return equal(g[2], p, policy)
    if pk == "asg":
        if gk == "rel" and p[3] is not None:
            return relation_equal(g, p[3], policy.tolerance)
        return equal(g, p[2], policy)
    if gk == "rel" or pk == "rel":
        return _relation_vs(g, p, policy)
    if gk == "ratio" or pk == "ratio":
        if gk != pk or len(g[1]) != len(p[1]):
            return False, "ratio"
        return _all_equal(list(g[1]), list(p[1]), policy, "ratio")
    gc, pc = gk in CONTAINERS, pk in CONTAINERS
    if not gc and not pc:
        return _scalar_alternatives(g, p, policy)
    if gc and pc:
        return collection_equal(g, p, policy)
    if pc:  # gold scalar, pred collection: one item is fine, several is a hedge
        items = _distinct(items_of(p)[0])
        gal = expand_pm(g)
        if len(items) == 1 and len(gal) == 1:
            return equal(g, items[0], policy)
        if len(gal) == 1:
            return False, "hedging"
        return collection_equal(("set", tuple(gal)), p, policy)
    items = items_of(g)[0]
    pal = expand_pm(p)
    if len(pal) > 1:
        return collection_equal(g, ("set", tuple(pal)), policy)
    if len(items) == 1:
        return equal(items[0], p, policy)
    return False, "shape"


def _distinct(items: list[Node]) -> list[Node]:
    seen: dict[str, Node] = {}
    for x in items:
        seen.setdefault(canon(x), x)
    return list(seen.values())


def _scalar_alternatives(g: Node, p: Node, policy: Policy) -> tuple[bool, str]:
    gal, pal = expand_pm(g), expand_pm(p)
    if len(gal) > 1 or len(pal) > 1:
        return collection_equal(("set", tuple(gal)), ("set", tuple(pal)), policy)
    stage = "numeric"
    for ga in _strip_unit(g, policy):
        for pa in _strip_unit(p, policy):
            ok, stage = scalar_equal(ga, pa, policy.tolerance)
            if ok:
                return True, stage
    return False, stage


def _all_equal(gi: list[Node], pi: list[Node], policy: Policy, stage: str) -> tuple[bool, str]:
    for a, b in zip(gi, pi, strict=True):
        ok, _ = equal(a, b, policy)
        if not ok:
            return False, stage
    return True, stage


# The gold's notation decides which prediction types can answer it (docs/math.md lists the table).
# A 2-tuple ``(a, b)`` is also the open interval, so tuples and open intervals meet there.
ANSWERS: dict[str, frozenset[str]] = {
    "set": frozenset({"set", "seq", "semi"}),  # braces: a set, or a bare solution list
    "seq": frozenset({"seq", "set", "semi"}),  # a bare list of solutions
    "semi": frozenset({"semi", "seq", "set"}),
    "tuple": frozenset({"tuple", "iv", "seq"}),  # a tuple / point (its bare items in order)
    "iv": frozenset({"iv", "tuple", "union"}),  # an interval, with its openness
    "union": frozenset({"union", "iv"}),
    "list": frozenset({"list", "mat"}),  # a bracketed vector / list
    "mat": frozenset({"mat", "list", "iv"}),  # a vector, also written [a, b]
    "cap": frozenset({"cap"}),
    "setminus": frozenset({"setminus"}),
}


def _types_meet(g: Node, p: Node) -> bool:
    gk, pk = g[0], p[0]
    if pk not in ANSWERS.get(gk, frozenset({gk})):
        return False
    if {gk, pk} == {"tuple", "iv"}:  # (a, b) is also an interval; openness is compared next
        return len((p if gk == "iv" else g)[1]) == 2
    if gk == "mat" and pk == "iv":  # [a, b] as a vector: closed brackets only
        return p[3] and p[4]
    return True


def collection_equal(g: Node, p: Node, policy: Policy) -> tuple[bool, str]:
    if not _types_meet(g, p):
        return False, "type"
    if g[0] == "mat" and p[0] == "mat" and len(g[1]) != len(p[1]):
        return False, "matrix"
    gi, gord, gflags = items_of(g)
    pi, pord, pflags = items_of(p)
    if policy.ordered_lists and g[0] == "seq" and p[0] == "seq":
        gord = pord = True
    if g[0] == "mat" and p[0] == "iv":
        pflags = None
    if gord or pord:
        stage = "matrix" if "mat" in (g[0], p[0]) else "interval" if "iv" in (g[0], p[0]) else "tuple"
        if gflags is not None and pflags is not None and gflags != pflags:
            return False, stage
        if len(gi) != len(pi):
            return False, stage
        return _all_equal(gi, pi, policy, stage)
    gd, pd = _distinct(gi), _distinct(pi)
    if gd and pd and all(x[0] == "asg" for x in gd + pd):
        gnames = sorted(canon(x[1]) for x in gd)
        if gnames == sorted(canon(x[1]) for x in pd) and len(set(gnames)) == len(gnames):
            named = {canon(x[1]): x for x in pd}
            return _all_equal(gd, [named[canon(x[1])] for x in gd], policy, "assignment")
    for a in gd:
        if not any(equal(a, b, policy)[0] for b in pd):
            return False, "set"
    for b in pd:
        if not any(equal(a, b, policy)[0] for a in gd):
            return False, "set"
    return True, "set"


def _relation_vs(g: Node, p: Node, policy: Policy) -> tuple[bool, str]:
    if g[0] == "rel" and p[0] == "rel":
        return relation_equal(g, p, policy.tolerance)
    rel, other, rel_is_gold = (g, p, True) if g[0] == "rel" else (p, g, False)
    if other[0] in ("iv", "union", "tuple") and (rel_is_gold or policy.relation_vs_interval):
        as_set = inequality_set(rel)
        if as_set is not None:
            return (equal(as_set, other, policy) if rel_is_gold else equal(other, as_set, policy))[0], "interval"
    return False, "relation"


