"""The ``placement`` reference: a 2-D world, fixed bodies, boxes to place and rules, validated once.

Every number becomes an exact ``Decimal`` (a reference float is read as its shortest decimal, the
number its author wrote), so the checker decides knife edges exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from envs.base import InvalidReference
from envs.json_answer import only_fields, to_decimal

MAX_OBJECTS = 50
MAX_FIXED = 50
MAX_RULES = 200
MAX_NAME = 40
FLOOR = "floor"
_NAME = re.compile(rf"[A-Za-z0-9_.\-]{{1,{MAX_NAME}}}")
PAIR_RULES = ("on", "left_of", "right_of", "above", "below", "touching", "min_gap")
RULE_TYPES = (*PAIR_RULES, "within")
ALWAYS = ("placed", "in_world", "no_overlap", "supported", "stable")
REGION_KEYS = ("x_min", "x_max", "y_min", "y_max")


@dataclass(slots=True)
class Box:
    name: str
    w: Decimal
    h: Decimal
    mass: Decimal = Decimal(0)
    x: Decimal = Decimal(0)
    y: Decimal = Decimal(0)
    fixed: bool = False


@dataclass(slots=True)
class Rule:
    type: str
    a: str
    b: str = ""
    d: Decimal = Decimal(0)
    region: dict[str, Decimal] = field(default_factory=dict)


@dataclass(slots=True)
class Objective:
    """Largest overhang past ``edge``'s ``side`` edge; reward = overhang / optimum for valid stacks."""

    edge: str
    side: str
    optimum: Decimal
    optimum_tol: Decimal


@dataclass(slots=True)
class Scene:
    x_min: Decimal
    x_max: Decimal
    floor_y: Decimal
    y_max: Decimal | None
    fixed: list[Box]
    objects: list[Box]
    rules: list[Rule]
    tol: Decimal
    margin: Decimal
    objective: Objective | None = None
    names: dict[str, Box] = field(default_factory=dict)
    # Every component at 0, built once per reference (a verdict copies it): always-checked rules,
    # then one per scene rule, named rule<i>:<type>.
    blank: dict[str, float] = field(default_factory=dict)


def _num(obj: dict[str, Any], key: str, where: str, default: Any = None) -> Decimal:
    if key not in obj:
        if default is None:
            raise InvalidReference(f"{where}{key}: missing")
        return Decimal(default)
    return to_decimal(obj[key], f"{where}{key}", InvalidReference)


def _positive(obj: dict[str, Any], key: str, where: str) -> Decimal:
    v = _num(obj, key, where)
    if v <= 0:
        raise InvalidReference(f"{where}{key}: must be positive")
    return v


def _name(obj: dict[str, Any], where: str) -> str:
    n = obj.get("name")
    if not isinstance(n, str) or not _NAME.fullmatch(n):
        raise InvalidReference(f"{where}name: expected 1 to {MAX_NAME} letters, digits, '_', '-' or '.'")
    if n == FLOOR:
        raise InvalidReference(f"{where}name: {FLOOR!r} is reserved")
    return n


def _list(obj: dict[str, Any], key: str, limit: int, required: bool) -> list[Any]:
    v = obj.get(key, None if required else [])
    if not isinstance(v, list):
        raise InvalidReference(f"{key}: expected a list")
    if len(v) > limit:
        raise InvalidReference(f"{key}: at most {limit} entries")
    return v


def parse_scene(ref: Any) -> Scene:
    ref = only_fields(ref, ("world", "fixed", "objects", "rules", "tol", "margin", "objective"), "")
    world = only_fields(ref.get("world"), ("x_min", "x_max", "floor_y", "y_max"), "world.")
    x_min, x_max = _num(world, "x_min", "world."), _num(world, "x_max", "world.")
    floor_y = _num(world, "floor_y", "world.", 0)
    y_max = _num(world, "y_max", "world.") if "y_max" in world else None
    if x_max <= x_min:
        raise InvalidReference("world.x_max: must be greater than x_min")
    if y_max is not None and y_max <= floor_y:
        raise InvalidReference("world.y_max: must be greater than floor_y")
    tol = _num(ref, "tol", "", "1e-6")
    margin = _num(ref, "margin", "", "0.01")
    if tol < 0:
        raise InvalidReference("tol: must be non-negative")
    if not 0 < margin < Decimal("0.5"):
        raise InvalidReference("margin: must be in (0, 0.5) (a fraction of each object's width)")
    names: dict[str, Box] = {}
    fixed = []
    for i, f in enumerate(_list(ref, "fixed", MAX_FIXED, False)):
        w = f"fixed[{i}]."
        f = only_fields(f, ("name", "x", "y", "w", "h"), w)
        box = Box(_name(f, w), _positive(f, "w", w), _positive(f, "h", w), x=_num(f, "x", w), y=_num(f, "y", w),
                  fixed=True)
        fixed.append(box)
        if box.name in names:
            raise InvalidReference(f"{w}name: {box.name!r} used twice")
        names[box.name] = box
    objects = []
    raw = _list(ref, "objects", MAX_OBJECTS, True)
    if not raw:
        raise InvalidReference("objects: at least one object")
    for i, o in enumerate(raw):
        w = f"objects[{i}]."
        o = only_fields(o, ("name", "w", "h", "mass"), w)
        box = Box(_name(o, w), _positive(o, "w", w), _positive(o, "h", w), _positive(o, "mass", w))
        if box.name in names:
            raise InvalidReference(f"{w}name: {box.name!r} used twice")
        names[box.name] = box
        objects.append(box)
    if 2 * tol >= min(b.h for b in names.values()):
        raise InvalidReference("tol: must be less than half of every height")
    rules = [_rule(r, i, names) for i, r in enumerate(_list(ref, "rules", MAX_RULES, False))]
    scene = Scene(x_min, x_max, floor_y, y_max, fixed, objects, rules, tol, margin, names=names)
    scene.blank = {"accuracy": 0.0, "format": 0.0, **dict.fromkeys(ALWAYS, 0.0),
                   **{f"rule{i}:{r.type}": 0.0 for i, r in enumerate(rules)}}
    if "objective" in ref:
        scene.objective = _objective(ref["objective"], names)
    return scene


def _rule(r: Any, i: int, names: dict[str, Box]) -> Rule:
    w = f"rules[{i}]."
    if not isinstance(r, dict):
        raise InvalidReference(f"rules[{i}]: expected an object")
    t = r.get("type")
    if t not in RULE_TYPES:
        raise InvalidReference(f"{w}type: expected one of {', '.join(RULE_TYPES)}")
    allowed = {"within": ("type", "a", "region"), "min_gap": ("type", "a", "b", "d")}.get(t, ("type", "a", "b"))
    only_fields(r, allowed, w)
    a = r.get("a")
    if not isinstance(a, str) or a not in names or names[a].fixed:
        raise InvalidReference(f"{w}a: expected the name of an object to place")
    rule = Rule(t, a)
    if t == "within":
        reg = only_fields(r.get("region"), REGION_KEYS, f"{w}region.")
        if not reg:
            raise InvalidReference(f"{w}region: give at least one of {', '.join(REGION_KEYS)}")
        rule.region = {k: _num(reg, k, f"{w}region.") for k in reg}
        return rule
    b = r.get("b")
    ok = isinstance(b, str) and (b in names or (t == "on" and b == FLOOR))
    if not ok or b == a:
        raise InvalidReference(f"{w}b: expected the name of another object or fixed body")
    rule.b = b
    if t == "min_gap":
        rule.d = _num(r, "d", w)
        if rule.d < 0:
            raise InvalidReference(f"{w}d: must be non-negative")
    return rule


def _objective(o: Any, names: dict[str, Box]) -> Objective:
    o = only_fields(o, ("type", "edge", "side", "optimum", "optimum_tol"), "objective.")
    if o.get("type") != "max_overhang":
        raise InvalidReference("objective.type: expected max_overhang")
    edge = o.get("edge")
    if not isinstance(edge, str) or edge not in names or not names[edge].fixed:
        raise InvalidReference("objective.edge: expected the name of a fixed body")
    side = o.get("side", "right")
    if side not in ("left", "right"):
        raise InvalidReference("objective.side: expected left or right")
    optimum = _positive(o, "optimum", "objective.")
    tol = _num(o, "optimum_tol", "objective.", "0.001")
    if not 0 <= tol < 1:
        raise InvalidReference("objective.optimum_tol: must be in [0, 1)")
    return Objective(edge, side, optimum, tol)
