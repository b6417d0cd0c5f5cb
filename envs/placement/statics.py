"""Static equilibrium of stacked boxes, decided exactly.

Model: gravity −y; each movable box is held only by vertical, non-negative contact forces on its
bottom edge (its *supports*: the floor, fixed bodies, other boxes). A support force spread over a
contact interval is equivalent to two non-negative point forces at its ends, so the whole question
is linear. Rule, for every box k: the centre of mass of k *and everything it carries* (the resultant
of its support forces) lies at least ``margin × width(k)`` inside the span of its supports.

Where every box rests on one support the loads are determined: sum them top-down and compare. Where
a box rests on two or more (a beam on two posts), the split of its load is unknown; each such box
gets variables for the load and moment each of its contacts takes, every constraint above becomes
affine in them, and an exact LP (``envs.placement.lp``) decides whether some split satisfies all.
This is what rejects leaning towers that a pairwise "each box on the one below" test accepts.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from envs.placement.lp import feasible


@dataclass(slots=True)
class Contact:
    lower: int  # index of the supporting movable box, or -1 for the floor / a fixed body
    name: str  # the supporting body's name
    l2: Decimal  # contact interval, doubled x coordinates (so a centre 2x+w stays exact)
    r2: Decimal


@dataclass(slots=True)
class Body:
    name: str
    mass: Decimal
    c2: Decimal  # doubled x of the centre of mass: 2x + w
    w: Decimal
    y: Decimal
    contacts: list[Contact]


def check(bodies: list[Body], margin: Decimal) -> list[str]:
    """Failure details (empty when the arrangement stands). Caller holds an exact Decimal context."""
    order = sorted(range(len(bodies)), key=lambda k: -bodies[k].y)  # supports lie strictly below
    if all(len(b.contacts) == 1 for b in bodies):
        return _determined(bodies, order, margin)
    for concentrate in (False, True):
        try:
            if _lever_witness(bodies, order, margin, concentrate):
                return []  # one explicit split satisfies every constraint exactly: that proves it stands
        except decimal.DecimalException:
            pass  # a proposal too fine for exact decimals: the LP decides
    return _split(bodies, order, margin)


def _edge_detail(b: Body, s: Decimal, m: Decimal, lo: Decimal, hi: Decimal, d2: Decimal, sup: str) -> str | None:
    dm = d2 * m
    left, right = s - lo * m, hi * m - s
    if left >= dm and right >= dm:
        return None  # the usual case, decided with five exact operations
    where = "the floor's" if sup == "floor" else f"{sup}'s"
    for side, inside in (("left", left), ("right", right)):
        if inside < 0:
            return f"unstable: {b.name} tips over {where} {side} edge"
        if inside == 0:
            return f"unstable: {b.name} balances on {where} {side} edge (knife edge)"
        if inside < dm:
            return f"unstable: {b.name} is within the margin of {where} {side} edge"
    return None


def _determined(bodies: list[Body], order: list[int], margin: Decimal) -> list[str]:
    load_m = [Decimal(0)] * len(bodies)
    load_s = [Decimal(0)] * len(bodies)
    out = []
    for k in order:
        b = bodies[k]
        m = b.mass + load_m[k]
        s = b.mass * b.c2 + load_s[k]
        c = b.contacts[0]
        bad = _edge_detail(b, s, m, c.l2, c.r2, 2 * margin * b.w, c.name)
        if bad:
            out.append(bad)
        if c.lower >= 0:
            load_m[c.lower] += m
            load_s[c.lower] += s
    return out


_ROUND = decimal.Context(prec=60)  # only to *propose* a split; every check of it is exact


def _lever_witness(bodies: list[Body], order: list[int], margin: Decimal, concentrate: bool) -> bool:
    """Try one natural split and check every constraint exactly. True proves equilibrium; False
    decides nothing (the LP does). The split: the lever rule between the contact centres around the
    load's centre; with ``concentrate``, the whole load on one contact under it when there is one
    (fixed supports first), which spares a wobbly support beside a solid one."""
    load_m = [Decimal(0)] * len(bodies)
    load_s = [Decimal(0)] * len(bodies)
    for k in order:
        b = bodies[k]
        m = b.mass + load_m[k]
        s = b.mass * b.c2 + load_s[k]
        lo = min(c.l2 for c in b.contacts)
        hi = max(c.r2 for c in b.contacts)
        d2 = 2 * margin * b.w
        if s < (lo + d2) * m or s > (hi - d2) * m:
            return False
        cs = sorted(b.contacts, key=lambda c: c.l2 + c.r2)
        mid = [(c.l2 + c.r2) / 2 for c in cs]
        shares: list[tuple[Contact, Decimal, Decimal]]
        under = [c for c in cs if c.l2 * m <= s <= c.r2 * m] if concentrate else []
        if under:
            shares = [(min(under, key=lambda c: c.lower >= 0), m, s)]
        elif len(cs) == 1 or s <= mid[0] * m:
            shares = [(cs[0], m, s)]
        elif s >= mid[-1] * m:
            shares = [(cs[-1], m, s)]
        else:
            i = max(j for j in range(len(cs) - 1) if mid[j] * m <= s)
            f = _ROUND.divide(m * mid[i + 1] - s, mid[i + 1] - mid[i])
            g = f * mid[i]
            shares = [(cs[i], f, g), (cs[i + 1], m - f, s - g)]
        for c, f, g in shares:
            if f < 0 or g < c.l2 * f or g > c.r2 * f:
                return False
            if c.lower >= 0:
                load_m[c.lower] += f
                load_s[c.lower] += g
    return True


Affine = dict[int, Fraction]  # variable index -> coefficient; key -1 is the constant


def _add(a: Affine, b: Affine, k: Fraction = Fraction(1)) -> None:
    for i, v in b.items():
        a[i] = a.get(i, Fraction(0)) + k * v


def _split(bodies: list[Body], order: list[int], margin: Decimal) -> list[str]:
    """Loads that split: affine forms over per-contact variables, then an exact LP per prefix."""
    n_vars = 0
    load_m: list[Affine] = [{} for _ in bodies]
    load_s: list[Affine] = [{} for _ in bodies]
    groups: list[tuple[int, list[Affine]]] = []  # (body, its constraints ≥ 0), top-down
    for k in order:
        b = bodies[k]
        mass = Fraction(b.mass)
        m: Affine = {-1: mass}
        s: Affine = {-1: mass * Fraction(b.c2)}
        _add(m, load_m[k])
        _add(s, load_s[k])
        lo = min(Fraction(c.l2) for c in b.contacts)
        hi = max(Fraction(c.r2) for c in b.contacts)
        d2 = 2 * Fraction(margin) * Fraction(b.w)
        left: Affine = dict(s)
        _add(left, m, -(lo + d2))  # s − (lo + d)·m ≥ 0
        right: Affine = {}
        _add(right, m, hi - d2)
        _add(right, s, Fraction(-1))  # (hi − d)·m − s ≥ 0
        cons = [left, right]
        if len(b.contacts) == 1:
            c = b.contacts[0]
            if c.lower >= 0:
                _add(load_m[c.lower], m)
                _add(load_s[c.lower], s)
        else:
            # Contact i takes load F_i at lever G_i = l_i F_i + H_i, with F_i, H_i ≥ 0 and H_i ≤ (r_i − l_i) F_i.
            rest_m, rest_s = dict(m), dict(s)
            for idx, c in enumerate(b.contacts):
                l2, r2 = Fraction(c.l2), Fraction(c.r2)
                if idx < len(b.contacts) - 1:
                    f, h = n_vars, n_vars + 1
                    n_vars += 2
                    fm: Affine = {f: Fraction(1)}
                    fs: Affine = {f: l2, h: Fraction(1)}
                    cons.append({f: r2 - l2, h: Fraction(-1)})
                    _add(rest_m, fm, Fraction(-1))
                    _add(rest_s, fs, Fraction(-1))
                else:  # the last contact takes what the others leave
                    fm, fs = rest_m, rest_s
                    hm: Affine = dict(fs)
                    _add(hm, fm, -l2)  # H = G − l F ≥ 0
                    top: Affine = {}
                    _add(top, fm, r2)
                    _add(top, fs, Fraction(-1))  # r F − G ≥ 0
                    cons += [dict(fm), hm, top]
                if c.lower >= 0:
                    _add(load_m[c.lower], fm)
                    _add(load_s[c.lower], fs)
        live = [c for c in cons if any(i >= 0 and v for i, v in c.items())]
        if any(c.get(-1, Fraction(0)) < 0 for c in cons if not any(i >= 0 and v for i, v in c.items())):
            return [_fixed_detail(b, m, s, lo, hi, d2)]  # no split above can help this box
        groups.append((k, live))
    # Growing prefixes of boxes, top-down (1, 2, 4, … groups, then all): an infeasible prefix proves
    # the whole infeasible, and failures near the top are found with small LPs.
    size, feasible_upto = 1, 0
    while True:
        size = min(size, len(groups))
        if not _feasible([c for _, cs in groups[:size] for c in cs], n_vars):
            break
        if size == len(groups):
            return []
        feasible_upto, size = size, size * 2
    # Name the first box whose constraints cannot all hold together with those above it.
    lo_i, hi_i = feasible_upto, size - 1
    while lo_i < hi_i:
        mid = (lo_i + hi_i) // 2
        if _feasible([c for _, cs in groups[: mid + 1] for c in cs], n_vars):
            lo_i = mid + 1
        else:
            hi_i = mid
    b = bodies[groups[lo_i][0]]
    sups = ", ".join(c.name for c in b.contacts)
    return [f"unstable: {b.name} (with what it carries) cannot be balanced on {sups}"]


def _fixed_detail(b: Body, m: Affine, s: Affine, lo: Fraction, hi: Fraction, d2: Fraction) -> str:
    """The detail for a box whose load does not depend on any split (both forms are constants)."""
    mm, ss = m.get(-1, Fraction(0)), s.get(-1, Fraction(0))
    sup = ", ".join(c.name for c in b.contacts)
    if len(b.contacts) == 1:
        one = _edge_detail(b, ss, mm, lo, hi, d2, sup)
        if one:
            return one
    return f"unstable: {b.name} (with what it carries) cannot be balanced on {sup}"


def _feasible(cons: list[Affine], n_vars: int) -> bool:
    a = [[c.get(j, Fraction(0)) for j in range(n_vars)] for c in cons]
    b = [c.get(-1, Fraction(0)) for c in cons]
    return feasible(a, b, n_vars)
