"""``motion`` references, one dataclass per ``kind``, validated once (exact Decimals throughout)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any

from envs.base import InvalidReference
from envs.json_answer import EXACT, only_fields, to_decimal

KINDS = ("projectile", "path", "collision", "judge")
MAX_WALLS = 20
MAX_OBSTACLES = 50
MAX_POINTS = 200
MAX_ROWS = 50
Point = tuple[Decimal, Decimal]


@dataclass(slots=True)
class Projectile:
    g: Decimal
    launch: Point
    target: Point
    hit_tol: Decimal
    v_max: Decimal | None
    walls: list[tuple[Decimal, Decimal]]  # (x, height)


@dataclass(slots=True)
class Rect:
    x: Decimal
    y: Decimal
    w: Decimal
    h: Decimal


@dataclass(slots=True)
class Path:
    start: Point
    goal: Point
    t_max: Decimal
    v_max: Decimal
    a_max: Decimal | None
    obstacles: list[Rect]
    tol: Decimal
    max_points: int = MAX_POINTS


@dataclass(slots=True)
class Collision:
    m1: Decimal
    m2: Decimal
    u1: Decimal
    u2: Decimal
    e: Decimal
    rel_tol: Decimal


@dataclass(slots=True)
class Judge:
    g: Decimal
    table: list[tuple[Decimal, Decimal, Decimal]]
    row: int = 0  # 1-based, the one row whose removal leaves exact constant-g motion
    extra: dict[str, Any] = field(default_factory=dict)


Reference = Projectile | Path | Collision | Judge


def _num(obj: dict[str, Any], key: str, default: str | None = None, where: str = "") -> Decimal:
    if key not in obj:
        if default is None:
            raise InvalidReference(f"{where}{key}: missing")
        return Decimal(default)
    return to_decimal(obj[key], f"{where}{key}", InvalidReference)


def _pos(obj: dict[str, Any], key: str, default: str | None = None, where: str = "") -> Decimal:
    v = _num(obj, key, default, where)
    if v <= 0:
        raise InvalidReference(f"{where}{key}: must be positive")
    return v


def _point(obj: dict[str, Any], key: str) -> Point:
    v = obj.get(key)
    if not isinstance(v, list) or len(v) != 2:
        raise InvalidReference(f"{key}: expected [x, y]")
    return (to_decimal(v[0], f"{key}[0]", InvalidReference), to_decimal(v[1], f"{key}[1]", InvalidReference))


def _list(obj: dict[str, Any], key: str, limit: int) -> list[Any]:
    v = obj.get(key, [])
    if not isinstance(v, list) or len(v) > limit:
        raise InvalidReference(f"{key}: expected a list of at most {limit} entries")
    return v


def parse(obj: Any) -> Reference:
    if not isinstance(obj, dict):
        raise InvalidReference("reference: expected a JSON object")
    kind = obj.get("kind")
    if kind not in KINDS:
        raise InvalidReference(f"kind: expected one of {', '.join(KINDS)}")
    with localcontext(EXACT):
        return {"projectile": _projectile, "path": _path, "collision": _collision, "judge": _judge}[kind](obj)


def _projectile(o: dict[str, Any]) -> Projectile:
    only_fields(o, ("kind", "g", "launch", "target", "hit_tol", "v_max", "walls"), "")
    walls = []
    for i, w in enumerate(_list(o, "walls", MAX_WALLS)):
        only_fields(w, ("x", "height"), f"walls[{i}].")
        walls.append((_num(w, "x", where=f"walls[{i}]."), _num(w, "height", where=f"walls[{i}].")))
    launch, target = _point(o, "launch"), _point(o, "target")
    if launch[0] == target[0]:
        raise InvalidReference("target: must differ in x from launch")
    v_max = _pos(o, "v_max") if "v_max" in o else None
    return Projectile(_pos(o, "g", "9.81"), launch, target, _pos(o, "hit_tol", "0.1"), v_max, walls)


def _path(o: dict[str, Any]) -> Path:
    only_fields(o, ("kind", "start", "goal", "t_max", "v_max", "a_max", "obstacles", "tol", "max_points"), "")
    obstacles = []
    for i, r in enumerate(_list(o, "obstacles", MAX_OBSTACLES)):
        w = f"obstacles[{i}]."
        only_fields(r, ("x", "y", "w", "h"), w)
        obstacles.append(Rect(_num(r, "x", where=w), _num(r, "y", where=w), _pos(r, "w", where=w), _pos(r, "h", where=w)))
    tol = _num(o, "tol", "1e-6")
    if tol < 0:
        raise InvalidReference("tol: must be non-negative")
    max_points = o.get("max_points", MAX_POINTS)
    if isinstance(max_points, bool) or not isinstance(max_points, int) or not 2 <= max_points <= MAX_POINTS:
        raise InvalidReference(f"max_points: expected an integer 2..{MAX_POINTS}")
    a_max = _pos(o, "a_max") if "a_max" in o else None
    return Path(_point(o, "start"), _point(o, "goal"), _pos(o, "t_max"), _pos(o, "v_max"), a_max, obstacles, tol,
                max_points)


def _collision(o: dict[str, Any]) -> Collision:
    only_fields(o, ("kind", "m1", "m2", "u1", "u2", "e", "rel_tol"), "")
    c = Collision(_pos(o, "m1"), _pos(o, "m2"), _num(o, "u1"), _num(o, "u2"), _num(o, "e"), _pos(o, "rel_tol", "0.001"))
    if not 0 <= c.e <= 1:
        raise InvalidReference("e: restitution must be in [0, 1]")
    if c.u1 == c.u2:
        raise InvalidReference("u2: must differ from u1 (equal velocities never collide)")
    if c.rel_tol >= Decimal("0.1"):
        raise InvalidReference("rel_tol: must be below 0.1")
    return c


def _judge(o: dict[str, Any]) -> Judge:
    only_fields(o, ("kind", "g", "table"), "")
    rows = o.get("table")
    if not isinstance(rows, list) or not 5 <= len(rows) <= MAX_ROWS:
        raise InvalidReference(f"table: expected 5..{MAX_ROWS} rows [t, x, y]")
    table = []
    for i, r in enumerate(rows):
        if not isinstance(r, list) or len(r) != 3:
            raise InvalidReference(f"table[{i}]: expected [t, x, y]")
        table.append(tuple(to_decimal(v, f"table[{i}][{j}]", InvalidReference) for j, v in enumerate(r)))
    if any(b[0] <= a[0] for a, b in zip(table, table[1:], strict=False)):
        raise InvalidReference("table: t must be strictly increasing")
    g = _pos(o, "g", "9.81")
    bad = [k for k in range(len(table)) if consistent([r for i, r in enumerate(table) if i != k], g)]
    if len(bad) != 1:
        raise InvalidReference("table: exactly one row must break constant-g motion "
                               f"(found {'none' if not bad else len(bad)} candidates)")
    return Judge(g, table, bad[0] + 1)  # type: ignore[arg-type]


def consistent(rows: list[tuple[Decimal, Decimal, Decimal]], g: Decimal) -> bool:
    """Exactly x = x0 + vx·t and y = y0 + vy·t − g·t²/2 for every row (two collinearity tests)."""
    (t0, x0, y0), (t1, x1, y1) = rows[0], rows[1]
    r0, r1 = y0 + g * t0 * t0 / 2, y1 + g * t1 * t1 / 2
    for t, x, y in rows[2:]:
        r = y + g * t * t / 2
        if (x - x0) * (t1 - t0) != (x1 - x0) * (t - t0) or (r - r0) * (t1 - t0) != (r1 - r0) * (t - t0):
            return False
    return True
