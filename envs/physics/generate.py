"""Seeded physics problems whose answers this module computes (its own solver), inputs in mixed units.

Each family draws inputs in assorted units (km/h, g, cm, kΩ, mA, °C …), converts them to SI
exactly (``Fraction``), computes the answer and asks for it in a stated unit. Only instances the
solver answered (finite, non-zero, well inside the ranges) are emitted.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from envs.base import Problem
from envs.physics.circuits import current, random_network, solve_nodes, source_current

G = Fraction(98, 10)
_ASK = (" Give the final answer as a number with its unit inside \\boxed{}, for example "
        "\\boxed{3.5\\ \\mathrm{m/s^2}}; any correct unit is accepted.")
_ASK_FORMULA = (" Give the final answer as a formula in the given symbols inside \\boxed{}, for example "
                "\\boxed{\\frac{v^2}{2a}}.")
Family = Callable[[random.Random], tuple[str, dict[str, Any]]]


def _n(x: Fraction | float) -> str:
    """An input number as written in a prompt (short, exact for the values drawn here)."""
    v = float(x)
    return str(int(v)) if v == int(v) else f"{v:g}"


def _ans(value: Fraction | float, unit: str) -> str:
    return f"{float(value):.6g} {unit}"


def _speed(rng: random.Random) -> tuple[Fraction, str]:
    """A speed in km/h or m/s: (SI value, text)."""
    if rng.random() < 0.5:
        kmh = rng.randint(18, 144)
        return Fraction(kmh * 1000, 3600), f"{kmh} km/h"
    ms = Fraction(rng.randint(10, 400), 10)
    return ms, f"{_n(ms)} m/s"


def _mass(rng: random.Random) -> tuple[Fraction, str]:
    kind = rng.choice(("g", "kg", "kg", "t"))
    if kind == "g":
        g = rng.randint(50, 950)
        return Fraction(g, 1000), f"{g} g"
    if kind == "t":
        t = Fraction(rng.randint(5, 40), 10)
        return t * 1000, f"{_n(t)} t"
    kg = Fraction(rng.randint(5, 500), 10)
    return kg, f"{_n(kg)} kg"


def kinematics(rng: random.Random) -> tuple[str, dict[str, Any]]:
    kind = rng.choice(("fall", "accelerate", "distance"))
    if kind == "fall":
        unit = rng.choice(("cm", "m", "ft"))
        raw = rng.randint(20, 900) if unit == "cm" else rng.randint(2, 80)
        h = Fraction(raw, 100) if unit == "cm" else Fraction(raw) * Fraction(3048, 10000) if unit == "ft" \
            else Fraction(raw)
        v = math.sqrt(2 * float(G) * float(h))
        want = rng.choice(("m/s", "km/h"))
        shown = v if want == "m/s" else v * 3.6
        prompt = (f"A stone is dropped from rest from a height of {raw} {unit}. Ignoring air resistance and "
                  f"taking g = 9.8 m/s^2, how fast is it moving when it reaches the ground (in {want})?")
        return prompt, {"answer": _ans(shown, want)}
    v0, v0_text = _speed(rng)
    a = Fraction(rng.randint(5, 40), 10)
    if kind == "accelerate":
        t = rng.randint(2, 30)
        v = v0 + a * t
        want = rng.choice(("m/s", "km/h"))
        shown = v if want == "m/s" else v * Fraction(36, 10)
        prompt = (f"A car moving at {v0_text} accelerates uniformly at {_n(a)} m/s^2 for {t} s. "
                  f"What is its final speed (in {want})?")
        return prompt, {"answer": _ans(shown, want)}
    t_min = Fraction(rng.randint(1, 20), 10)
    t = t_min * 60
    s = v0 * t + a * t * t / 2
    want = rng.choice(("m", "km"))
    shown = s if want == "m" else s / 1000
    prompt = (f"A train moving at {v0_text} accelerates uniformly at {_n(a)} m/s^2 for {_n(t_min)} min. "
              f"How far does it travel in that time (in {want})?")
    return prompt, {"answer": _ans(shown, want)}


def dynamics(rng: random.Random) -> tuple[str, dict[str, Any]]:
    kind = rng.choice(("newton", "friction", "incline"))
    m, m_text = _mass(rng)
    if kind == "newton":
        if rng.random() < 0.5:
            a_raw = rng.randint(5, 900)
            a, a_text = Fraction(a_raw, 100), f"{a_raw} cm/s^2"
        else:
            a = Fraction(rng.randint(1, 120), 10)
            a_text = f"{_n(a)} m/s^2"
        f = m * a
        want = rng.choice(("N", "kN", "mN"))
        shown = f / {"N": 1, "kN": 1000, "mN": Fraction(1, 1000)}[want]
        return (f"What net force (in {want}) gives a body of mass {m_text} an acceleration of {a_text}?",
                {"answer": _ans(shown, want)})
    if kind == "friction":
        mu = Fraction(rng.randint(5, 60), 100)
        weight = m * G
        f = (mu * weight * Fraction(rng.randint(12, 40), 10)).limit_denominator(10)
        f = max(f, mu * weight + 1)
        acc = (f - mu * weight) / m
        return (f"A horizontal force of {_n(f)} N pulls a crate of mass {m_text} across a floor with coefficient "
                f"of kinetic friction {_n(mu)}. Taking g = 9.8 m/s^2, what is the crate's acceleration "
                f"(in m/s^2)?", {"answer": _ans(acc, "m/s^2")})
    deg = rng.randint(5, 60)
    acc = float(G) * math.sin(math.radians(deg))
    return (f"A block slides down a frictionless ramp inclined at {deg} degrees to the horizontal. Taking "
            f"g = 9.8 m/s^2, what is its acceleration along the ramp (in m/s^2)?", {"answer": _ans(acc, "m/s^2")})


def energy(rng: random.Random) -> tuple[str, dict[str, Any]]:
    kind = rng.choice(("kinetic", "potential", "power", "mixing"))
    m, m_text = _mass(rng)
    if kind == "kinetic":
        v, v_text = _speed(rng)
        e = m * v * v / 2
        want = rng.choice(("J", "kJ"))
        shown = e if want == "J" else e / 1000
        return f"What is the kinetic energy (in {want}) of a {m_text} body moving at {v_text}?", \
            {"answer": _ans(shown, want)}
    if kind == "potential":
        h_cm = rng.randint(10, 5000)
        e = m * G * Fraction(h_cm, 100)
        return (f"By how much (in J) does the gravitational potential energy of a {m_text} load increase when "
                f"it is raised {h_cm} cm? Take g = 9.8 m/s^2.", {"answer": _ans(e, "J")})
    if kind == "power":
        h = rng.randint(2, 40)
        t_min = Fraction(rng.randint(1, 30), 10)
        p = m * G * h / (t_min * 60)
        want = rng.choice(("W", "kW"))
        shown = p if want == "W" else p / 1000
        return (f"A motor lifts a {m_text} load {h} m at constant speed in {_n(t_min)} min. Taking "
                f"g = 9.8 m/s^2, what is its useful power output (in {want})?", {"answer": _ans(shown, want)})
    m1, m2 = rng.randint(100, 900), rng.randint(100, 900)
    t1, t2 = rng.randint(5, 40), rng.randint(45, 95)
    tf = Fraction(m1 * t1 + m2 * t2, m1 + m2)  # °C; same specific heat cancels
    want = rng.choice(("K", "°C", "°F"))
    shown = tf + Fraction(27315, 100) if want == "K" else tf * Fraction(9, 5) + 32 if want == "°F" else tf
    return (f"{m1} g of water at {t1} °C is mixed with {m2} g of water at {t2} °C in an insulated cup. "
            f"Ignoring the cup, what is the final temperature (in {want})?", {"answer": _ans(shown, want)})


def momentum(rng: random.Random) -> tuple[str, dict[str, Any]]:
    kind = rng.choice(("momentum", "inelastic", "impulse"))
    if kind == "momentum":
        m, m_text = _mass(rng)
        v, v_text = _speed(rng)
        return (f"What is the magnitude of the momentum (in kg m/s) of a {m_text} body moving at {v_text}?",
                {"answer": _ans(m * v, "kg m/s")})
    if kind == "inelastic":
        m1, m1_text = _mass(rng)
        m2, m2_text = _mass(rng)
        v1, v1_text = _speed(rng)
        v = m1 * v1 / (m1 + m2)
        return (f"A {m1_text} cart moving at {v1_text} collides with a {m2_text} cart at rest and they stick "
                f"together. What is their speed just after the collision (in m/s)?", {"answer": _ans(v, "m/s")})
    f = rng.randint(50, 5000)
    t_ms = rng.randint(2, 200)
    return (f"A bat exerts an average force of {f} N on a ball for {t_ms} ms. What impulse does it deliver "
            f"(in N s)?", {"answer": _ans(Fraction(f * t_ms, 1000), "N s")})


def circuits(rng: random.Random) -> tuple[str, dict[str, Any]]:
    for _ in range(1000):
        net = random_network(rng, rng.randint(3, 5), rng.randint(0, 2))
        volts = solve_nodes(net)
        if volts is None:
            continue
        lines = [f"{r.name} = {_ohms(r.ohms)} between nodes {r.a} and {r.b}" for r in net.resistors]
        setup = (f"An ideal {_n(net.source)} V source holds node 1 at +{_n(net.source)} V relative to node 0 "
                 f"(ground). Resistors: " + "; ".join(lines) + ".")
        kind = rng.choice(("current", "voltage", "power", "req"))
        if kind == "current":
            r = rng.choice(net.resistors)
            i = abs(current(net, volts, r))
            if i == 0:
                continue
            return f"{setup} What is the magnitude of the current through {r.name} (in mA)?", \
                {"answer": _ans(i * 1000, "mA")}
        if kind == "power":
            r = rng.choice(net.resistors)
            p = current(net, volts, r) ** 2 * r.ohms
            if p == 0:
                continue
            return f"{setup} What power (in mW) does {r.name} dissipate?", {"answer": _ans(p * 1000, "mW")}
        if kind == "voltage" and net.nodes > 2:
            node = rng.randrange(2, net.nodes)
            if volts[node] == 0:
                continue
            return f"{setup} What is the voltage of node {node} relative to ground (in V)?", \
                {"answer": _ans(volts[node], "V")}
        i_src = source_current(net, volts)
        if i_src == 0:
            continue
        return (f"{setup} What resistance (in kΩ) does the network present to the source?",
                {"answer": _ans(net.source / i_src / 1000, "kΩ")})
    raise ValueError("no solvable circuit found")


def _ohms(r: Fraction) -> str:
    return f"{_n(r / 1000)} kΩ" if r >= 1000 else f"{_n(r)} Ω"


# (prompt, formula, symbols' units)
_FORMULAS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("A body falls from rest through a height h under gravity g. Find its speed at the bottom.",
     "sqrt(2*g*h)", {"g": "m/s^2", "h": "m"}),
    ("Find the period of a simple pendulum of length L for small swings, with gravitational acceleration g.",
     "2*pi*sqrt(L/g)", {"L": "m", "g": "m/s^2"}),
    ("A block slides down a ramp inclined at angle theta with kinetic friction coefficient mu. Find its "
     "acceleration along the ramp (g is the gravitational acceleration).",
     "g*(sin(theta) - mu*cos(theta))", {"g": "m/s^2", "theta": {"unit": "rad", "min": 0.2, "max": 1.3},
                                        "mu": {"unit": "1", "min": 0.01, "max": 0.2}}),
    ("A projectile is launched from level ground with speed v at angle theta above the horizontal. Find its "
     "horizontal range (g is the gravitational acceleration).",
     "v^2*sin(2*theta)/g", {"v": "m/s", "g": "m/s^2", "theta": {"unit": "rad", "min": 0.1, "max": 1.4}}),
    ("A car of mass m rounds a flat curve of radius r at speed v. Find the friction force needed.",
     "m*v^2/r", {"m": "kg", "v": "m/s", "r": "m"}),
    ("Find the escape speed from the surface of a planet of mass M and radius R (G is the gravitational "
     "constant).", "sqrt(2*G*M/R)", {"G": "N m^2/kg^2", "M": "kg", "R": "m"}),
    ("A body of mass m starts from rest and is pushed by a constant force F over a distance d on a "
     "frictionless floor. Find its final speed.", "sqrt(2*F*d/m)", {"F": "N", "d": "m", "m": "kg"}),
    ("A capacitor C charged to voltage V discharges through a resistor R. Find the current at time t.",
     "V/R*exp(-t/(R*C))", {"V": "V", "R": "Ω", "C": "F", "t": "s"}),
    ("Two resistors R_1 and R_2 are connected in parallel. Find their equivalent resistance.",
     "R_1*R_2/(R_1+R_2)", {"R_1": "Ω", "R_2": "Ω"}),
    ("A mass m on a spring of stiffness k is pulled a distance A from equilibrium and released. Find its "
     "maximum speed.", "A*sqrt(k/m)", {"A": "m", "k": "N/m", "m": "kg"}),
)


def formula(rng: random.Random) -> tuple[str, dict[str, Any]]:
    text, answer, syms = rng.choice(_FORMULAS)
    listed = ", ".join(f"{k} ({v if isinstance(v, str) else v['unit']})" for k, v in syms.items())
    return f"{text} Symbols: {listed}.", {"answer": answer, "symbols": syms}


FAMILIES: dict[str, Family] = {"kinematics": kinematics, "dynamics": dynamics, "energy": energy,
                               "momentum": momentum, "circuits": circuits, "formula": formula}


def sample_problem(rng: random.Random, **options: Any) -> Problem:
    family = str(options.get("family", "any"))
    if family == "any":
        family = rng.choice(sorted(FAMILIES))
    if family not in FAMILIES:
        raise ValueError(f"family must be any or one of {', '.join(sorted(FAMILIES))}")
    prompt, ref = FAMILIES[family](rng)
    return Problem(prompt + (_ASK_FORMULA if "symbols" in ref else _ASK), ref)
