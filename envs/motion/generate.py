"""Seeded ``motion`` problems, each emitted only with an answer our own checker scores 1.

projectile: a shot at a random angle is solved for the launch speed that hits the target exactly;
walls go below that trajectory and ``v_max`` above its speed. path: shortest route through a
visibility graph of obstacle corners pushed 0.1 outward, timed at a speed that respects ``v_max``
(and ``a_max`` at every corner). collision: exact rational velocities. judge: an exact decimal
table of constant-g motion with one row tampered.
"""

from __future__ import annotations

import heapq
import json
import math
import random
from decimal import ROUND_CEILING, Decimal, localcontext
from typing import Any

from envs.base import Problem
from envs.json_answer import EXACT, read_answer
from envs.motion import checks
from envs.motion.reference import Path, Rect, parse

_FMT = "Reply with JSON only inside <answer></answer>, for example <answer>{example}</answer>."


def sample_problem(rng: random.Random, **options: Any) -> Problem:
    return sample_with_solution(rng, **options)[0]


def sample_with_solution(rng: random.Random, **options: Any) -> tuple[Problem, dict[str, Any]]:
    kind = str(options.get("kind", rng.choice(["projectile", "path", "collision", "judge"])))
    make = {"projectile": _projectile, "path": _path, "collision": _collision, "judge": _judge}.get(kind)
    if make is None:
        raise ValueError("kind must be projectile, path, collision or judge")
    for _ in range(200):
        built = make(rng, **{k: v for k, v in options.items() if k != "kind"})
        if built is not None and verify(built[0], built[1]):
            ref, answer, prompt = built
            return Problem(prompt, ref), answer
    raise ValueError(f"could not build a solvable {kind} problem")


def verify(ref: dict[str, Any], answer: dict[str, Any]) -> bool:
    parsed = parse(ref)
    found = read_answer("<answer>" + json.dumps(answer) + "</answer>")
    assert found is not None
    fn = {"Projectile": checks.check_projectile, "Path": checks.check_path, "Collision": checks.check_collision,
          "Judge": checks.check_judge}[type(parsed).__name__]
    comp, _ = fn(found[0], parsed)  # type: ignore[operator]
    return all(v == 1.0 for v in comp.values())


def _r(x: float, places: int = 2) -> float:
    return round(x, places)


def _projectile(rng: random.Random, **_: Any) -> tuple[dict[str, Any], dict[str, Any], str] | None:
    g = rng.choice([9.8, 9.81, 10.0])
    h0 = rng.choice([0, 0, 1, 2])
    dist = rng.randint(10, 40)
    ty = rng.choice([0, 0, 1, 3, 5])
    deg = rng.uniform(20, 65)
    th = math.radians(deg)
    drop = dist * math.tan(th) - (ty - h0)
    if drop <= 0:
        return None
    v0 = math.sqrt(g * dist * dist / (2 * math.cos(th) ** 2 * drop))
    ans = {"v0": _r(v0, 4), "angle_deg": _r(deg, 2)}
    walls = []
    if rng.random() < 0.7:
        wx = _r(rng.uniform(0.3, 0.7) * dist, 1)
        t = wx / (v0 * math.cos(th))
        y = h0 + v0 * math.sin(th) * t - g * t * t / 2
        height = _r(y - rng.uniform(0.5, 2), 1)
        if height > 0.5:
            walls.append({"x": wx, "height": height})
    v_max = math.ceil(v0 * rng.uniform(1.05, 1.3))
    ref = {"kind": "projectile", "g": g, "launch": [0, h0], "target": [dist, ty], "hit_tol": 0.1, "v_max": v_max,
           "walls": walls}
    wall_txt = "".join(f" A wall stands at x = {w['x']} m, reaching up to y = {w['height']} m; the ball must pass "
                       "over it." for w in walls)
    prompt = (f"A ball is launched from ({0}, {h0}) m with speed at most {v_max} m/s (g = {g} m/s², no air "
              f"resistance, y up). It must pass within 0.1 m of the target at ({dist}, {ty}) m.{wall_txt} "
              "Give the launch speed v0 in m/s and the angle above the horizontal in degrees. "
              + _FMT.format(example='{"v0": 12.5, "angle_deg": 40}'))
    return ref, ans, prompt


def _path(rng: random.Random, **options: Any) -> tuple[dict[str, Any], dict[str, Any], str] | None:
    length = rng.randint(8, 20)
    start, goal = (0.0, 0.0), (float(length), _r(rng.uniform(-3, 3), 1))
    obstacles: list[dict[str, float]] = []
    for _ in range(rng.randint(1, 4)):
        w, h = rng.choice([1, 1.5, 2, 3]), rng.choice([1, 2, 3, 4])
        o = {"x": _r(rng.uniform(1, length - 1 - w), 1), "y": _r(rng.uniform(-4, 2), 1), "w": w, "h": h}
        if any(_near(p, o) for p in (start, goal)):
            continue
        obstacles.append(o)
    route = _plan(start, goal, obstacles)
    if route is None:
        return None
    v_max = float(rng.choice([1, 1.5, 2, 3]))
    a_max = float(rng.choice([0.5, 1, 2])) if rng.random() < 0.4 else None
    points = int(options.get("points", 0))
    if points:
        route = _densify(route, points)
    speed = v_max * 0.95
    for _ in range(30):
        wps = _timed(route, speed)
        ref = {"kind": "path", "start": list(start), "goal": list(goal), "t_max": 0.0, "v_max": v_max,
               "obstacles": obstacles}
        if a_max is not None:
            ref["a_max"] = a_max
        ref["t_max"] = float(math.ceil(wps[-1][0] * rng.uniform(1.1, 1.5)))
        if verify(ref, {"waypoints": wps}):
            break
        speed *= 0.8
    else:
        return None
    obs_txt = "; ".join(f"[{o['x']}, {o['x'] + o['w']:g}] × [{o['y']}, {o['y'] + o['h']:g}]" for o in obstacles)
    acc = f", and the velocity may change by at most {a_max} m/s² between segments" if a_max else ""
    prompt = (f"Plan a motion from {list(start)} to {list(goal)} (metres) arriving by t = {ref['t_max']:g} s. "
              f"Move in straight segments between timed waypoints [t, x, y], t strictly increasing from 0, at "
              f"most {v_max} m/s on every segment{acc}. No segment may pass through the inside of these "
              f"rectangles (x-range × y-range): {obs_txt}. Touching an edge is allowed. At most 200 waypoints. "
              + _FMT.format(example='{"waypoints": [[0, 0, 0], [2.5, 3, 1], [6, 8, 0]]}'))
    return ref, {"waypoints": wps}, prompt


def _near(p: tuple[float, float], o: dict[str, float]) -> bool:
    return o["x"] - 0.5 <= p[0] <= o["x"] + o["w"] + 0.5 and o["y"] - 0.5 <= p[1] <= o["y"] + o["h"] + 0.5


def _plan(start: tuple[float, float], goal: tuple[float, float], obstacles: list[dict[str, float]]
          ) -> list[tuple[float, float]] | None:
    """Shortest path over a visibility graph of corners pushed 0.1 outward (Dijkstra)."""
    rects = [Rect(*(Decimal(repr(float(o[k]))) for k in "xywh")) for o in obstacles]
    nodes = [start, goal]
    for o in obstacles:
        for cx, cy in ((o["x"] - 0.1, o["y"] - 0.1), (o["x"] + o["w"] + 0.1, o["y"] - 0.1),
                       (o["x"] - 0.1, o["y"] + o["h"] + 0.1), (o["x"] + o["w"] + 0.1, o["y"] + o["h"] + 0.1)):
            nodes.append((_r(cx, 1), _r(cy, 1)))
    dec = [(Decimal(repr(x)), Decimal(repr(y))) for x, y in nodes]

    def free(i: int, j: int) -> bool:
        with localcontext(EXACT):
            return not any(checks.segment_enters(*dec[i], *dec[j], r) for r in rects)

    dist = {0: 0.0}
    prev: dict[int, int] = {}
    heap = [(0.0, 0)]
    done = set()
    while heap:
        d, i = heapq.heappop(heap)
        if i in done:
            continue
        done.add(i)
        if i == 1:
            break
        for j in range(len(nodes)):
            if j in done or not free(i, j):
                continue
            nd = d + math.dist(nodes[i], nodes[j])
            if nd < dist.get(j, math.inf):
                dist[j], prev[j] = nd, i
                heapq.heappush(heap, (nd, j))
    if 1 not in done:
        return None
    route, k = [nodes[1]], 1
    while k != 0:
        k = prev[k]
        route.append(nodes[k])
    return route[::-1]


def _densify(route: list[tuple[float, float]], points: int) -> list[tuple[float, float]]:
    """Split the longest segments until the route has ``points`` waypoints (for benchmarks)."""
    out = list(route)
    while len(out) < points:
        i = max(range(len(out) - 1), key=lambda k: math.dist(out[k], out[k + 1]))
        a, b = out[i], out[i + 1]
        out.insert(i + 1, (_r((a[0] + b[0]) / 2, 4), _r((a[1] + b[1]) / 2, 4)))
    return out


def _timed(route: list[tuple[float, float]], speed: float) -> list[list[float]]:
    """Waypoints at ``speed``; each segment's duration rounded *up* (so never faster)."""
    t = Decimal(0)
    out = [[0.0, *route[0]]]
    for a, b in zip(route, route[1:], strict=False):
        dt = Decimal(repr(math.dist(a, b) / speed)).quantize(Decimal("0.001"), rounding=ROUND_CEILING)
        t += max(dt, Decimal("0.001"))
        out.append([float(t), *b])
    return out


def _collision(rng: random.Random, **_: Any) -> tuple[dict[str, Any], dict[str, Any], str] | None:
    from fractions import Fraction

    m1, m2 = _r(rng.uniform(0.5, 10), 1), _r(rng.uniform(0.5, 10), 1)
    u1 = _r(rng.uniform(1, 10), 1)
    u2 = _r(rng.uniform(-6, u1 - 0.5), 1)
    e = rng.choice([0, 0.25, 0.5, 0.8, 1])
    M1, M2, U1, U2, E = (Fraction(str(v)) for v in (m1, m2, u1, u2, e))
    p = M1 * U1 + M2 * U2
    v1 = (p + M2 * E * (U2 - U1)) / (M1 + M2)
    v2 = (p + M1 * E * (U1 - U2)) / (M1 + M2)
    ref = {"kind": "collision", "m1": m1, "m2": m2, "u1": u1, "u2": u2, "e": e}
    prompt = (f"On a frictionless line, body 1 (mass {m1} kg, velocity {u1} m/s) hits body 2 (mass {m2} kg, "
              f"velocity {u2} m/s). The coefficient of restitution is {e}. Give both velocities just after the "
              "collision in m/s (positive to the right). "
              + _FMT.format(example='{"v1": -1.25, "v2": 3.5}'))
    return ref, {"v1": round(float(v1), 6), "v2": round(float(v2), 6)}, prompt


def _judge(rng: random.Random, **_: Any) -> tuple[dict[str, Any], dict[str, Any], str] | None:
    g = Decimal(rng.choice(["9.8", "9.81", "10"]))
    dt = Decimal(rng.choice(["0.1", "0.2", "0.25", "0.5"]))
    n = rng.randint(6, 9)
    x0, y0 = Decimal(rng.randint(0, 5)), Decimal(rng.randint(0, 20))
    vx, vy = Decimal(rng.randint(10, 100)) / 10, Decimal(rng.randint(50, 250)) / 10
    bad = rng.randrange(n)
    rows = []
    with localcontext(EXACT):
        for k in range(n):
            t = dt * k
            x, y = x0 + vx * t, y0 + vy * t - g * t * t / 2
            if k == bad:
                delta = Decimal(rng.choice([-1, 1])) * Decimal(rng.randint(2, 20)) / 10
                if rng.random() < 0.5:
                    x += delta
                else:
                    y += delta
            rows.append([float(t), float(x), float(y)])
    ref = {"kind": "judge", "g": float(g), "table": rows}
    table = "\n".join(f"row {i + 1}: t = {r[0]:g} s, x = {r[1]:g} m, y = {r[2]:g} m" for i, r in enumerate(rows))
    prompt = (f"A ball flies under constant gravity g = {g} m/s² (y up, no air resistance). One row of this "
              f"measurement table is wrong:\n{table}\nWhich row breaks constant-g motion? "
              + _FMT.format(example='{"row": 2}'))
    return ref, {"row": bad + 1}, prompt


__all__ = ["Path", "sample_problem", "sample_with_solution", "verify"]
