"""Seeded ``placement`` problems, each emitted only with an arrangement our own checker accepts.

``arrange``: boxes are dropped one by one onto the floor, a table, other boxes or across two
equal-height tops (bridges), every step kept only if the whole scene still stands with a 3 % margin
(three times the reward's); the rules are then true facts of that arrangement. ``overhang``: a
single stack of identical-width blocks on a table's right edge; the optimum is the exact greedy
(harmonic, with margins) stack, and the solver's answer is that stack with a hair more margin.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from envs.base import Problem
from envs.json_answer import EXACT
from envs.placement.check import evaluate, overhang
from envs.placement.scene import MAX_RULES, parse_scene

NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FORMAT = ('Give the lower-left corner [x, y] of every object as one JSON object inside <answer></answer>, '
           'for example <answer>{"A": [1.5, 0], "B": [2, 1]}</answer>.')
_RULE_TEXT = {
    "on": "{a} rests directly on {b}", "left_of": "{a} is entirely left of {b}",
    "right_of": "{a} is entirely right of {b}", "above": "{a} is entirely above {b}",
    "below": "{a} is entirely below {b}", "touching": "{a} touches {b}",
    "min_gap": "{a} is at least {d} away from {b}",
}


def _q(v: Fraction | Decimal | float, step: str = "0.25") -> float:
    """A JSON-friendly number on a decimal grid."""
    d = Decimal(str(float(v))) if not isinstance(v, Decimal) else v
    return float((d / Decimal(step)).to_integral_value() * Decimal(step))


def _num(v: Any) -> str:
    return format(Decimal(str(v)).normalize(), "f")


def sample_problem(rng: random.Random, **options: Any) -> Problem:
    return sample_with_solution(rng, **options)[0]


def sample_with_solution(rng: random.Random, **options: Any) -> tuple[Problem, dict[str, list[float]]]:
    """A problem and the arrangement our checker accepted for it (the solver's answer)."""
    variant = str(options.get("variant", "arrange"))
    if variant == "arrange":
        n = int(options.get("objects", rng.randint(2, 5)))
        if not 1 <= n <= 12:
            raise ValueError("objects must be 1..12")
        ref, answer = _arrange(rng, n)
    elif variant == "overhang":
        n = int(options.get("objects", rng.randint(2, 6)))
        if not 1 <= n <= 20:
            raise ValueError("objects must be 1..20")
        ref, answer = overhang_instance(rng, n)
        if not _score_ok(ref, answer):
            raise ValueError("overhang solver failed its own check")  # never expected: a bug, not bad luck
    else:
        raise ValueError("variant must be arrange or overhang")
    return Problem(prompt(ref), ref), answer


def _try_arrange(rng: random.Random, n: int) -> tuple[dict[str, Any], dict[str, list[float]]] | None:
    width = rng.choice([10, 12, 16, 20])
    ref: dict[str, Any] = {"world": {"x_min": 0, "x_max": width, "floor_y": 0}, "fixed": [], "objects": [], "rules": []}
    if rng.random() < 0.6:
        tw = rng.choice([3, 4, 5])
        ref["fixed"].append({"name": "table", "x": _q(rng.uniform(0, width - tw), "0.5"), "y": 0, "w": tw,
                             "h": rng.choice([1, 1.5, 2])})
    placed: dict[str, list[float]] = {}
    strict = {**ref, "margin": 0.03}
    for i in range(n):
        name = NAMES[i]
        obj = {"name": name, "w": rng.choice([1, 1.5, 2, 2.5, 3]), "h": rng.choice([0.5, 1, 1.5]),
               "mass": rng.choice([1, 2, 3, 4, 5])}
        ref["objects"].append(obj)
        for _ in range(60):
            xy = _drop(rng, ref, placed, obj)
            if xy is None:
                continue
            trial = {**placed, name: xy}
            sub = {**strict, "objects": ref["objects"]}
            if _score_ok(sub, trial):
                placed = trial
                break
        else:
            return None
    ref["rules"] = _true_rules(rng, ref, placed)
    return ref, placed


def _drop(rng: random.Random, ref: dict[str, Any], placed: dict[str, list[float]], obj: dict[str, Any]) -> list[float] | None:
    """A candidate spot for ``obj``: on the floor, on a table/box top, or bridging two equal tops."""
    tops = [(f["x"], f["x"] + f["w"], f["y"] + f["h"]) for f in ref["fixed"]]
    sizes = {o["name"]: o for o in ref["objects"]}
    tops += [(x, x + sizes[k]["w"], y + sizes[k]["h"]) for k, (x, y) in placed.items()]
    w = obj["w"]
    kind = rng.random()
    if kind < 0.25 or not tops:
        return [_q(rng.uniform(0, ref["world"]["x_max"] - w)), 0.0]
    if kind < 0.45:
        pairs = [(a, b) for a in tops for b in tops if a[2] == b[2] and a[1] < b[0]]
        if pairs:
            a, b = rng.choice(pairs)
            lo, hi = b[0] - w + 0.25, a[1] - 0.25  # must reach over both tops
            if lo <= hi:
                return [_q(rng.uniform(lo, hi)), float(a[2])]
    lo, hi, top = rng.choice(tops)
    return [_q(rng.uniform(lo - w * 0.45, hi - w * 0.55)), float(top)]


def _checks(ref: dict[str, Any], pos: dict[str, list[float]]) -> tuple[dict[str, float], Decimal | None]:
    scene = parse_scene(ref)
    with localcontext(EXACT):
        exact = {k: (Decimal(repr(v[0])), Decimal(repr(v[1]))) for k, v in pos.items()}
    checks, _, boxes = evaluate(scene, exact)
    ratio = None
    if scene.objective is not None:
        ratio = overhang(scene, boxes) / (scene.objective.optimum * (1 - scene.objective.optimum_tol))
    return checks, ratio


def _score_ok(ref: dict[str, Any], pos: dict[str, list[float]]) -> bool:
    checks, ratio = _checks(ref, pos)
    return all(v == 1.0 for v in checks.values()) and (ratio is None or ratio >= 1)


def _true_rules(rng: random.Random, ref: dict[str, Any], pos: dict[str, list[float]]) -> list[dict[str, Any]]:
    names = [o["name"] for o in ref["objects"]]
    others = names + [f["name"] for f in ref["fixed"]]
    cands: list[dict[str, Any]] = []
    for a in names:
        for b in others:
            if a == b:
                continue
            for t in ("on", "left_of", "right_of", "above", "touching"):
                cands.append({"type": t, "a": a, "b": b})
            cands.append({"type": "min_gap", "a": a, "b": b, "d": rng.choice([0.5, 1, 1.5])})
        x, y = pos[a]
        box = next(o for o in ref["objects"] if o["name"] == a)
        cands.append({"type": "within", "a": a, "region": {
            "x_min": _q(x - rng.choice([0, 0.5, 1, 2]), "0.5"), "x_max": _q(x + box["w"] + rng.choice([0, 0.5, 1, 2]), "0.5")}})
        if pos[a][1] == 0:
            cands.append({"type": "on", "a": a, "b": "floor"})
    true = []
    for at in range(0, len(cands), MAX_RULES):  # one pass per chunk: each rule is its own component
        chunk = cands[at:at + MAX_RULES]
        checks, _ = _checks({**ref, "rules": chunk}, pos)
        true += [r for i, r in enumerate(chunk) if checks[f"rule{i}:{r['type']}"] == 1.0]
    on_rules = [r for r in true if r["type"] == "on"]
    rest = [r for r in true if r["type"] != "on"]
    rng.shuffle(on_rules)
    rng.shuffle(rest)
    k = len(names) + 1
    return on_rules[: max(1, k // 2)] + rest[: k - min(len(on_rules), max(1, k // 2))]


def _arrange(rng: random.Random, n: int) -> tuple[dict[str, Any], dict[str, list[float]]]:
    for _ in range(200):
        built = _try_arrange(rng, n)
        if built is not None and _score_ok(built[0], built[1]):
            return built
    raise ValueError(f"could not build a standing arrangement of {n} objects")


def overhang_optimum(widths: Fraction, masses: list[Fraction], margin: Fraction) -> list[Fraction]:
    """Right edges of blocks 1..n (top first) relative to the table edge at 0, greedy and exact."""
    w = widths
    d = margin * w
    xs = [Fraction(0)]  # left edge of block 1 (top), placeholder frame
    mass, mom = masses[0], masses[0] * (xs[0] + w / 2)
    for i in range(1, len(masses)):
        com = mom / mass
        x = com + d - w  # block i+1's right edge sits at the load's COM + margin
        xs.append(x)
        mass += masses[i]
        mom += masses[i] * (x + w / 2)
    shift = (-d) - mom / mass  # the whole stack's COM sits the margin inside the table edge
    return [x + shift + w for x in xs]


def overhang_instance(rng: random.Random, n: int, extra: Fraction = Fraction(1, 10**5)
                      ) -> tuple[dict[str, Any], dict[str, list[float]]]:
    w = Fraction(rng.choice([1, 2, 4]))
    h = rng.choice([0.5, 1])
    same = rng.random() < 0.6
    masses = [Fraction(1) if same else Fraction(rng.randint(1, 5)) for _ in range(n)]
    margin = Fraction(1, 100)
    right = overhang_optimum(w, masses, margin)
    optimum = right[0]  # equal widths: the top block reaches furthest
    table_w, table_h = 4 * w, 1
    edge = Fraction(2) + table_w
    width = int(edge + optimum + 2 * w) + 2
    names = [f"B{i + 1}" for i in range(n)]  # B1 on top
    objects = [{"name": names[n - 1 - i], "w": float(w), "h": h, "mass": float(masses[n - 1 - i])} for i in range(n)]
    rules = [{"type": "on", "a": names[n - 1], "b": "table"}]
    rules += [{"type": "on", "a": names[i], "b": names[i + 1]} for i in range(n - 2, -1, -1)]
    ref = {"world": {"x_min": 0, "x_max": width, "floor_y": 0},
           "fixed": [{"name": "table", "x": 2, "y": 0, "w": float(table_w), "h": table_h}],
           "objects": objects, "rules": rules,
           "objective": {"type": "max_overhang", "edge": "table", "side": "right",
                         "optimum": float(round(optimum, 9))}}
    safe = overhang_optimum(w, masses, margin * (1 + extra))
    answer = {}
    for i, r in enumerate(safe):
        level = n - 1 - i  # block i from the top sits at this level
        answer[names[i]] = [round(float(edge + r - w), 9), table_h + level * h]
    return ref, answer


def prompt(ref: dict[str, Any]) -> str:
    wld = ref["world"]
    lines = [f"A 2-D world with gravity pointing down: floor at y = {_num(wld.get('floor_y', 0))}, walls at "
             f"x = {_num(wld['x_min'])} and x = {_num(wld['x_max'])}. Every body is an axis-aligned rigid box of "
             "uniform density. Boxes may touch but not overlap; a box rests on a surface when its bottom edge "
             "lies on that surface's top edge, and it only stands if the centre of mass of it and everything it "
             "carries lies inside the span of what supports it (by 1% of its width)."]
    for f in ref.get("fixed", []):
        lines.append(f"Fixed {f['name']}: lower-left corner ({_num(f['x'])}, {_num(f['y'])}), width {_num(f['w'])}, "
                     f"height {_num(f['h'])}.")
    for o in ref["objects"]:
        lines.append(f"Object {o['name']}: width {_num(o['w'])}, height {_num(o['h'])}, mass {_num(o['mass'])}.")
    for r in ref.get("rules", []):
        if r["type"] == "within":
            reg = r["region"]
            lines.append(f"Rule: {r['a']} lies within x from {_num(reg.get('x_min', wld['x_min']))} to "
                         f"{_num(reg.get('x_max', wld['x_max']))}.")
        else:
            lines.append("Rule: " + _RULE_TEXT[r["type"]].format(a=r["a"], b=r["b"], d=_num(r.get("d", 0))) + ".")
    if "objective" in ref:
        lines.append(f"Goal: make the stack reach as far as possible past the right edge of the "
                     f"{ref['objective']['edge']}; your reward is the overhang divided by the best possible one.")
    else:
        lines.append("Place every object so that the arrangement stands and every rule holds.")
    lines.append(_FORMAT)
    return "\n".join(lines)


def solution_text(answer: dict[str, list[float]]) -> str:
    return "<answer>" + json.dumps(answer) + "</answer>"
