"""Checking one arrangement against a scene: every rule its own component and its own detail code."""

from __future__ import annotations

import bisect
from decimal import Decimal, localcontext
from typing import Any

from envs.json_answer import EXACT, AnswerError
from envs.placement import statics
from envs.placement.scene import ALWAYS, FLOOR, Box, Rule, Scene

MAX_DETAILS = 4


def read_positions(value: Any, scene: Scene) -> tuple[dict[str, tuple[Decimal, Decimal]], list[str]]:
    """``{"A": [x, y], ...}`` -> positions, plus "placed" failures (missing / unknown names)."""
    if not isinstance(value, dict):
        raise AnswerError("bad_shape", 'expected an object {"name": [x, y], ...}')
    pos: dict[str, tuple[Decimal, Decimal]] = {}
    problems: list[str] = []
    for name, xy in value.items():
        if name not in scene.names or scene.names[name].fixed:
            problems.append(f"unknown_object: {name[:40]}")
            continue
        if not (isinstance(xy, list) and len(xy) == 2 and all(isinstance(v, Decimal) for v in xy)):
            raise AnswerError("bad_shape", f"{name[:40]}: expected [x, y] with two numbers")
        pos[name] = (xy[0], xy[1])
    problems += [f"missing: {o.name}" for o in scene.objects if o.name not in pos]
    return pos, problems


def _placed(scene: Scene, pos: dict[str, tuple[Decimal, Decimal]]) -> list[Box]:
    return [Box(o.name, o.w, o.h, o.mass, *pos[o.name]) for o in scene.objects]


def _gap(a: Box, b: Box) -> tuple[Decimal, Decimal]:
    """Signed gaps along x and y (negative: the projections overlap by that much)."""
    gx = max(a.x, b.x) - min(a.x + a.w, b.x + b.w)
    gy = max(a.y, b.y) - min(a.y + a.h, b.y + b.h)
    return gx, gy


def evaluate(scene: Scene, pos: dict[str, tuple[Decimal, Decimal]], margin: Decimal | None = None
             ) -> tuple[dict[str, float], list[str], list[Box]]:
    """Components (1.0 pass / 0.0 fail) and failure details, in rule order.

    ``margin`` overrides the scene's (tests use a negative one to find scenes far from the edge).
    """
    with localcontext(EXACT):
        return _evaluate(scene, pos, scene.margin if margin is None else margin)


def _evaluate(scene: Scene, pos: dict[str, tuple[Decimal, Decimal]], margin: Decimal
              ) -> tuple[dict[str, float], list[str], list[Box]]:
    tol = scene.tol
    boxes = _placed(scene, pos)
    comp: dict[str, float] = {}
    details: list[str] = []

    def record(key: str, fails: list[str]) -> None:
        comp[key] = 0.0 if fails else 1.0
        details.extend(fails)

    others = boxes + scene.fixed
    n_obj = len(boxes)
    edges = [(b.x, b.y, b.x + b.w, b.y + b.h) for b in others]  # computed once
    out = []
    lo_x, hi_x, lo_y = scene.x_min - tol, scene.x_max + tol, scene.floor_y - tol
    hi_y = None if scene.y_max is None else scene.y_max + tol
    for b, (x, y, x2, y2) in zip(boxes, edges, strict=False):
        if x < lo_x:
            out.append(f"outside_world: {b.name} left of x_min")
        elif x2 > hi_x:
            out.append(f"outside_world: {b.name} right of x_max")
        elif y < lo_y:
            out.append(f"outside_world: {b.name} below the floor")
        elif hi_y is not None and y2 > hi_y:
            out.append(f"outside_world: {b.name} above y_max")
    record("in_world", out)

    out = []
    # Sweep along x: only pairs whose x-ranges overlap by more than tol can have overlapping interiors.
    by_x = sorted(range(len(others)), key=lambda k: edges[k][0])
    for pos_i, i in enumerate(by_x):
        ax, ay, ax2, ay2 = edges[i]
        reach = ax2 - tol
        for j in by_x[pos_i + 1:]:
            bx, by, bx2, by2 = edges[j]
            if bx >= reach:
                break
            # (conditional expressions: min/max calls cost more than the comparisons themselves)
            if (i < n_obj or j < n_obj) and (ax2 if ax2 < bx2 else bx2) - bx > tol \
                    and (ay2 if ay2 < by2 else by2) - (ay if ay > by else by) > tol:
                a, b = (i, j) if i < j else (j, i)
                out.append(f"overlap: {others[a].name} and {others[b].name}")
    record("no_overlap", sorted(out))

    bodies, out = [], []
    tops = sorted((e[3], k) for k, e in enumerate(edges))
    top_ys = [t for t, _ in tops]
    for i, b in enumerate(boxes):
        contacts = []
        bx, by, bx2, _ = edges[i]
        if abs(by - scene.floor_y) <= tol:
            contacts.append(statics.Contact(-1, FLOOR, 2 * bx, 2 * bx2))
        # Bodies whose top edge is within tol of this bottom edge (binary search over sorted tops).
        for _, j in tops[bisect.bisect_left(top_ys, by - tol):bisect.bisect_right(top_ys, by + tol)]:
            if j == i:
                continue
            sx, _, sx2, _ = edges[j]
            lo, hi = (bx if bx > sx else sx), (bx2 if bx2 < sx2 else sx2)
            if hi - lo > tol:  # a positive contact length, not a corner
                s = others[j]
                contacts.append(statics.Contact(-1 if s.fixed else j, s.name, 2 * lo, 2 * hi))
        if not contacts:
            out.append(f"floating: {b.name} rests on nothing")
        bodies.append(statics.Body(b.name, b.mass, 2 * b.x + b.w, b.w, b.y, contacts))
    record("supported", out)
    comp["stable"] = 0.0
    if not out and comp["no_overlap"] == 1.0:  # equilibrium means nothing for interpenetrating boxes
        record("stable", statics.check(bodies, margin))

    index = {b.name: i for i, b in enumerate(boxes)}
    keys = list(scene.blank)[2 + len(ALWAYS):]  # rule<i>:<type>, in order
    for key, r in zip(keys, scene.rules, strict=True):
        fail = _rule(r, boxes[index[r.a]], scene, boxes, index, bodies)
        record(key, [f"{r.type}: {fail}"] if fail else [])
    return comp, details, boxes


def _rule(r: Rule, a: Box, scene: Scene, boxes: list[Box], index: dict[str, int],
          bodies: list[statics.Body]) -> str | None:
    tol = scene.tol
    if r.type == "within":
        reg = r.region
        inside = (a.x >= reg.get("x_min", a.x) - tol and a.x + a.w <= reg.get("x_max", a.x + a.w) + tol
                  and a.y >= reg.get("y_min", a.y) - tol and a.y + a.h <= reg.get("y_max", a.y + a.h) + tol)
        return None if inside else f"{a.name} is not inside the region"
    if r.type == "on":
        ok = any(c.name == r.b for c in bodies[index[a.name]].contacts)
        return None if ok else f"{a.name} does not rest on {r.b}"
    b = boxes[index[r.b]] if r.b in index else scene.names[r.b]
    if r.type == "left_of":
        return None if a.x + a.w <= b.x + tol else f"{a.name} is not left of {b.name}"
    if r.type == "right_of":
        return None if a.x >= b.x + b.w - tol else f"{a.name} is not right of {b.name}"
    if r.type == "above":
        return None if a.y >= b.y + b.h - tol else f"{a.name} is not above {b.name}"
    if r.type == "below":
        return None if a.y + a.h <= b.y + tol else f"{a.name} is not below {b.name}"
    gx, gy = _gap(a, b)
    if r.type == "touching":
        # Touching: the boxes meet along an edge or at a corner (gaps within tol), interiors apart.
        return None if gx <= tol and gy <= tol else f"{a.name} does not touch {b.name}"
    # min_gap: Euclidean distance between the boxes ≥ d (compared squared, exactly).
    dx, dy = max(gx, Decimal(0)), max(gy, Decimal(0))
    need = max(r.d - tol, Decimal(0))
    return None if dx * dx + dy * dy >= need * need else f"{a.name} is closer than {r.d} to {b.name}"


def overhang(scene: Scene, boxes: list[Box]) -> Decimal:
    obj = scene.objective
    assert obj is not None
    edge = scene.names[obj.edge]
    with localcontext(EXACT):
        if obj.side == "right":
            return max(b.x + b.w for b in boxes) - (edge.x + edge.w)
        return edge.x - min(b.x for b in boxes)
