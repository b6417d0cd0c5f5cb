"""Rule checks for each ``motion`` kind: ``check_<kind>(answer, ref) -> (components, details)``.

Paths, collisions and tables are decided exactly (Decimal + − × and comparisons, squared norms, no
square roots). A projectile's trajectory involves sin/cos of the answer's angle, so it is computed in
double precision; its tolerance (``hit_tol``) is many orders above that rounding.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from typing import Any

from envs.json_answer import EXACT, AnswerError
from envs.motion.reference import Collision, Judge, Path, Projectile, Rect

ZERO = Decimal(0)


def _fields(value: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != set(keys):
        raise AnswerError("bad_shape", "expected exactly the keys " + ", ".join(keys))
    return value


def _number(v: Any, key: str) -> Decimal:
    if not isinstance(v, Decimal):
        raise AnswerError("bad_shape", f"{key}: expected a number")
    return v


def check_projectile(value: Any, ref: Projectile) -> tuple[dict[str, float], list[str]]:
    a = _fields(value, ("v0", "angle_deg"))
    v0, ang = _number(a["v0"], "v0"), _number(a["angle_deg"], "angle_deg")
    if not 0 < v0 <= 10**6 or abs(ang) > 180:
        raise AnswerError("bad_value", "v0 must be in (0, 1e6] and angle_deg within [-180, 180]")
    comp: dict[str, float] = {}
    details: list[str] = []
    speed_ok = ref.v_max is None or v0 <= ref.v_max
    comp["speed"] = float(speed_ok)
    if not speed_ok:
        details.append(f"too_fast: v0 {v0} > v_max {ref.v_max}")
    g = float(ref.g)
    vx, vy = _velocity(float(v0), float(ang))
    x0, y0 = float(ref.launch[0]), float(ref.launch[1])
    dx, dy = float(ref.target[0]) - x0, float(ref.target[1]) - y0
    miss = _closest(vx, vy, g, dx, dy)
    comp["hit"] = float(miss <= float(ref.hit_tol))
    if not comp["hit"]:
        details.append(f"miss: passes {miss:.4g} from the target (hit_tol {ref.hit_tol})")
    lo, hi = sorted((ref.launch[0], ref.target[0]))
    walls_ok = True
    for i, (wx, height) in enumerate(ref.walls):
        if not lo < wx < hi:
            continue  # not between launch and target
        t = (float(wx) - x0) / vx if vx else -1.0
        y = y0 + vy * t - g * t * t / 2 if t > 0 else -math.inf
        if y < float(height):
            walls_ok = False
            details.append(f"wall: hits wall {i} (height {y:.4g} < {height} at x = {wx})" if t > 0
                           else f"wall: never passes wall {i}")
    comp["walls"] = float(walls_ok)
    return comp, details


def _velocity(v0: float, deg: float) -> tuple[float, float]:
    exact = {0.0: (1.0, 0.0), 90.0: (0.0, 1.0), -90.0: (0.0, -1.0), 180.0: (-1.0, 0.0), -180.0: (-1.0, 0.0)}
    c, s = exact.get(deg) or (math.cos(math.radians(deg)), math.sin(math.radians(deg)))
    return v0 * c, v0 * s


def _closest(vx: float, vy: float, g: float, dx: float, dy: float) -> float:
    """Smallest distance from the target to the trajectory over t ≥ 0 (roots of the cubic f'(t) = 0)."""

    def dist(t: float) -> float:
        return math.hypot(vx * t - dx, vy * t - g * t * t / 2 - dy)

    coeffs = [g * g / 2, -1.5 * g * vy, vx * vx + vy * vy + g * dy, -(vx * dx + vy * dy)]
    cands = [0.0]
    import numpy as np  # only projectiles need it (the roots of a cubic); paths stay dependency-free

    for r in np.roots(coeffs):  # the cubic's roots, polished with Newton steps
        if abs(r.imag) <= 1e-7 * (1 + abs(r.real)) and r.real > 0:
            t = float(r.real)
            for _ in range(3):
                f = ((coeffs[0] * t + coeffs[1]) * t + coeffs[2]) * t + coeffs[3]
                df = (3 * coeffs[0] * t + 2 * coeffs[1]) * t + coeffs[2]
                if df == 0:
                    break
                t = max(0.0, t - f / df)
            cands.append(t)
    return min(dist(t) for t in cands)


def check_path(value: Any, ref: Path) -> tuple[dict[str, float], list[str]]:
    a = _fields(value, ("waypoints",))
    pts = a["waypoints"]
    if not isinstance(pts, list) or not 2 <= len(pts) <= ref.max_points:
        raise AnswerError("bad_shape", f"waypoints: expected 2..{ref.max_points} points [t, x, y]")
    if any(type(p) is not list or len(p) != 3 for p in pts) or {type(v) for p in pts for v in p} != {Decimal}:
        raise AnswerError("bad_shape", "waypoints: every point is [t, x, y] with three numbers")
    with localcontext(EXACT):
        return _path(pts, ref)


def _path(pts: list[list[Decimal]], ref: Path) -> tuple[dict[str, float], list[str]]:
    comp: dict[str, float] = {}
    details: list[str] = []
    tol = ref.tol
    t0, x0, y0 = pts[0]
    comp["start"] = float(t0 == 0 and abs(x0 - ref.start[0]) <= tol and abs(y0 - ref.start[1]) <= tol)
    if not comp["start"]:
        details.append("start: the first waypoint must be the start at t = 0")
    tn, xn, yn = pts[-1]
    comp["goal"] = float(abs(xn - ref.goal[0]) <= tol and abs(yn - ref.goal[1]) <= tol)
    if not comp["goal"]:
        details.append("goal: the last waypoint is not the goal")
    bad_t = next((i for i in range(len(pts) - 1) if pts[i + 1][0] <= pts[i][0]), None)
    comp["time"] = float(bad_t is None and tn <= ref.t_max)
    if bad_t is not None:
        details.append(f"time: t does not increase at segment {bad_t}")
    elif tn > ref.t_max:
        details.append(f"time: arrives at t = {tn} > t_max {ref.t_max}")
    seg = [(p[0] - q[0], p[1] - q[1], p[2] - q[2]) for q, p in zip(pts, pts[1:], strict=False)]  # (dt, dx, dy)
    comp["speed"] = 0.0
    if bad_t is None:
        vm2 = ref.v_max * ref.v_max
        fast = next((i for i, (dt, dx, dy) in enumerate(seg) if dx * dx + dy * dy > vm2 * dt * dt), None)
        comp["speed"] = float(fast is None)
        if fast is not None:
            dt, dx, dy = seg[fast]
            v = math.hypot(float(dx), float(dy)) / float(dt)
            details.append(f"too_fast: segment {fast} at {v:.6g} > v_max {ref.v_max}")
        if ref.a_max is not None:
            comp["accel"] = float(_accel_ok(seg, ref.a_max, details))
    elif ref.a_max is not None:
        comp["accel"] = 0.0
    hit = _first_collision(pts, ref.obstacles)
    comp["obstacles"] = float(hit is None)
    if hit is not None:
        details.append(f"collision: segment {hit[0]} enters obstacle {hit[1]}")
    return comp, details


def _accel_ok(seg: list[tuple[Decimal, Decimal, Decimal]], a_max: Decimal, details: list[str]) -> bool:
    """|v_out − v_in| ≤ a_max · (dt_in + dt_out)/2 at every inner waypoint, squared and cleared of fractions."""
    a2 = a_max * a_max
    for i in range(1, len(seg)):
        (t1, x1, y1), (t2, x2, y2) = seg[i - 1], seg[i]
        # (v2 − v1)·t1·t2 = d2·t1 − d1·t2
        ex, ey = x2 * t1 - x1 * t2, y2 * t1 - y1 * t2
        if 4 * (ex * ex + ey * ey) > a2 * (t1 + t2) ** 2 * (t1 * t2) ** 2:
            details.append(f"too_sharp: acceleration above a_max {a_max} at waypoint {i}")
            return False
    return True


def _first_collision(pts: list[list[Decimal]], obstacles: list[Rect]) -> tuple[int, int] | None:
    boxes = [(r.x, r.y, r.x + r.w, r.y + r.h, r) for r in obstacles]
    for i in range(len(pts) - 1):
        _, ax, ay = pts[i]
        _, bx, by = pts[i + 1]
        lox, hix = (ax, bx) if ax <= bx else (bx, ax)
        loy, hiy = (ay, by) if ay <= by else (by, ay)
        for j, (x0, y0, x1, y1, r) in enumerate(boxes):
            # Cheap rejection first: the bounding boxes must overlap with positive area.
            if lox < x1 and hix > x0 and loy < y1 and hiy > y0 and segment_enters(ax, ay, bx, by, r):
                return i, j
    return None


def segment_enters(ax: Decimal, ay: Decimal, bx: Decimal, by: Decimal, r: Rect) -> bool:
    """Does the closed segment AB meet the open rectangle? Exact separating-axis test.

    Candidate axes for a segment and a box: x, y, and the segment's normal. Touching an edge or a
    corner (projections meeting only at an end point) is not entering.
    """
    x1, y1 = r.x + r.w, r.y + r.h
    if min(ax, bx) >= x1 or max(ax, bx) <= r.x or min(ay, by) >= y1 or max(ay, by) <= r.y:
        return False
    nx, ny = ay - by, bx - ax  # normal of AB
    if nx == 0 and ny == 0:
        return True  # a point strictly inside (the axis tests above passed)
    c = nx * ax + ny * ay
    proj = (nx * r.x + ny * r.y, nx * x1 + ny * r.y, nx * r.x + ny * y1, nx * x1 + ny * y1)
    return min(proj) < c < max(proj)


def check_collision(value: Any, ref: Collision) -> tuple[dict[str, float], list[str]]:
    a = _fields(value, ("v1", "v2"))
    v1, v2 = _number(a["v1"], "v1"), _number(a["v2"], "v2")
    details: list[str] = []
    with localcontext(EXACT):
        m1, m2, u1, u2, tol = ref.m1, ref.m2, ref.u1, ref.u2, ref.rel_tol
        p_err = abs(m1 * v1 + m2 * v2 - (m1 * u1 + m2 * u2))
        mom = p_err <= tol * (m1 * abs(u1) + m2 * abs(u2))
        ke0, ke = m1 * u1 * u1 + m2 * u2 * u2, m1 * v1 * v1 + m2 * v2 * v2
        energy = ke <= ke0 * (1 + tol)
        rest = abs((v2 - v1) - ref.e * (u1 - u2)) <= tol * abs(u1 - u2)
    if not mom:
        details.append("momentum: m1·v1 + m2·v2 differs from the momentum before")
    if not energy:
        details.append("energy: kinetic energy increased")
    if not rest:
        details.append(f"restitution: separation speed is not e = {ref.e} times the approach speed")
    return {"momentum": float(mom), "energy": float(energy), "restitution": float(rest)}, details


def check_judge(value: Any, ref: Judge) -> tuple[dict[str, float], list[str]]:
    a = _fields(value, ("row",))
    row = _number(a["row"], "row")
    if row != row.to_integral_value():
        raise AnswerError("bad_shape", "row: expected a whole row number")
    ok = row == ref.row
    return {"row": float(ok)}, [] if ok else [f"wrong_row: row {row} is consistent with constant-g motion"
                                              if 1 <= row <= len(ref.table) else f"wrong_row: no row {row}"]
