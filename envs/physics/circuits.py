"""Resistor networks with one voltage source, solved exactly by nodal analysis over ``Fraction``.

Node 0 is ground, node 1 is held at the source voltage; every other node's voltage follows from
Kirchhoff's current law, ``G v = i``, solved by Gaussian elimination on rationals (no rounding).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Resistor:
    name: str
    a: int
    b: int
    ohms: Fraction


@dataclass(slots=True)
class Network:
    nodes: int
    source: Fraction  # volts, node 1 relative to ground
    resistors: list[Resistor]


def solve_nodes(net: Network) -> list[Fraction] | None:
    """Exact node voltages (index = node), or None when the network is singular (a floating node)."""
    unknown = list(range(2, net.nodes))
    idx = {n: i for i, n in enumerate(unknown)}
    size = len(unknown)
    fixed = {0: Fraction(0), 1: net.source}
    g = [[Fraction(0)] * (size + 1) for _ in range(size)]
    for r in net.resistors:
        cond = 1 / r.ohms
        for x, y in ((r.a, r.b), (r.b, r.a)):
            if x in idx:
                g[idx[x]][idx[x]] += cond
                if y in idx:
                    g[idx[x]][idx[y]] -= cond
                else:
                    g[idx[x]][size] += cond * fixed[y]
    for col in range(size):  # Gauss-Jordan on exact rationals
        pivot = next((r for r in range(col, size) if g[r][col] != 0), None)
        if pivot is None:
            return None
        g[col], g[pivot] = g[pivot], g[col]
        for r in range(size):
            if r != col and g[r][col] != 0:
                k = g[r][col] / g[col][col]
                g[r] = [x - k * y for x, y in zip(g[r], g[col], strict=True)]
    volts = [fixed.get(n, Fraction(0)) for n in range(net.nodes)]
    for n, i in idx.items():
        volts[n] = g[i][size] / g[i][i]
    return volts


def current(net: Network, volts: list[Fraction], r: Resistor) -> Fraction:
    """Current from ``r.a`` to ``r.b`` (amperes)."""
    return (volts[r.a] - volts[r.b]) / r.ohms


def source_current(net: Network, volts: list[Fraction]) -> Fraction:
    """Current the source delivers into node 1 (KCL at node 1)."""
    total = Fraction(0)
    for r in net.resistors:
        if r.a == 1:
            total += current(net, volts, r)
        elif r.b == 1:
            total -= current(net, volts, r)
    return total


E12 = (10, 12, 15, 18, 22, 27, 33, 39, 47, 56, 68, 82)


def random_network(rng: random.Random, nodes: int, extra: int) -> Network:
    """A connected network: a random spanning tree over the nodes plus ``extra`` more resistors."""
    resistors: list[Resistor] = []
    order = list(range(nodes))
    rng.shuffle(order)
    pairs: set[tuple[int, int]] = set()
    for i in range(1, nodes):
        a, b = order[i], order[rng.randrange(i)]
        pairs.add((min(a, b), max(a, b)))
    tries = 0
    while len(pairs) < nodes - 1 + extra and tries < 100:
        tries += 1
        a, b = rng.sample(range(nodes), 2)
        if {a, b} != {0, 1}:  # a resistor across the source changes nothing asked here
            pairs.add((min(a, b), max(a, b)))
    for k, (a, b) in enumerate(sorted(pairs, key=lambda p: rng.random())):
        ohms = Fraction(rng.choice(E12)) * 10 ** rng.randint(1, 3)
        resistors.append(Resistor(f"R{k + 1}", a, b, ohms))
    volts = Fraction(rng.choice((3, 5, 6, 9, 12, 15, 24)))
    return Network(nodes, volts, resistors)
