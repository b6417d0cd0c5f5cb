"""The ``placement`` task: does this arrangement of boxes stand, and does it obey the rules?"""

from __future__ import annotations

import decimal
import random
from decimal import Decimal
from typing import Any, ClassVar

from envs.answer import format_ok
from envs.base import ProbeCase, Problem, Status, Task, Verdict
from envs.json_answer import AnswerError, read_answer
from envs.json_probe import json_cases
from envs.placement.check import MAX_DETAILS, evaluate, overhang, read_positions
from envs.placement.generate import sample_problem, sample_with_solution
from envs.placement.scene import MAX_FIXED, MAX_OBJECTS, MAX_RULES, RULE_TYPES, Scene, parse_scene

_NUM = {"type": "number"}
_BOX = {"type": "object", "required": ["name", "w", "h"], "additionalProperties": False,
        "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 40}, "x": _NUM, "y": _NUM,
                       "w": {"type": "number", "exclusiveMinimum": 0}, "h": {"type": "number", "exclusiveMinimum": 0},
                       "mass": {"type": "number", "exclusiveMinimum": 0}}}


class PlacementTask(Task):
    name = "placement"
    version = "1.0.0"
    env_name = "Placement"
    description = ("2-D box placement: every object placed once, inside the world, no overlaps, supported, in "
                   "exact static equilibrium (LP over contact forces), and the scene's rules hold.")
    default_deadline_s = 2.0
    default_weights: ClassVar[dict[str, float]] = {"accuracy": 1.0, "format": 0.0}
    reference_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["world", "objects"],
        "additionalProperties": False,
        "properties": {
            "world": {"type": "object", "required": ["x_min", "x_max"], "additionalProperties": False,
                      "properties": {"x_min": _NUM, "x_max": _NUM, "floor_y": {**_NUM, "default": 0},
                                     "y_max": _NUM}},
            "fixed": {"type": "array", "maxItems": MAX_FIXED,
                      "items": {**_BOX, "required": ["name", "x", "y", "w", "h"]}},
            "objects": {"type": "array", "minItems": 1, "maxItems": MAX_OBJECTS,
                        "items": {**_BOX, "required": ["name", "w", "h", "mass"]}},
            "rules": {"type": "array", "maxItems": MAX_RULES, "items": {
                "type": "object", "required": ["type", "a"],
                "properties": {"type": {"enum": list(RULE_TYPES)}, "a": {"type": "string"}, "b": {"type": "string"},
                               "d": {"type": "number", "minimum": 0},
                               "region": {"type": "object", "properties": {
                                   k: _NUM for k in ("x_min", "x_max", "y_min", "y_max")}}}}},
            "tol": {"type": "number", "minimum": 0, "default": 1e-6},
            "margin": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5, "default": 0.01,
                       "description": "fraction of each object's width its load's centre must keep inside its supports"},
            "objective": {"type": "object", "required": ["type", "edge", "optimum"], "properties": {
                "type": {"const": "max_overhang"}, "edge": {"type": "string"},
                "side": {"enum": ["left", "right"], "default": "right"},
                "optimum": {"type": "number", "exclusiveMinimum": 0},
                "optimum_tol": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.001}}},
        },
    }

    def describe(self) -> dict[str, str]:
        return {"docs": "docs/placement.md", "rules": ",".join(RULE_TYPES)}

    def parse_reference(self, obj: Any) -> Scene:
        return parse_scene(obj)

    def sample(self, rng: random.Random, **options: Any) -> Problem:
        """``variant``: arrange (rules, default) | overhang; ``objects``: how many boxes."""
        return sample_problem(rng, **options)

    def probe_cases(self, rng: random.Random) -> list[ProbeCase]:
        """Three generated scenes (arrange variant) with the arrangement the generator's solver found."""
        return json_cases(self, sample_with_solution, [{"objects": n} for n in (2, 4, 6)], rng)

    def score(self, completion: str, reference: Any, weights: dict[str, float] | None = None) -> Verdict:
        scene = reference if isinstance(reference, Scene) else self.parse_reference(reference)
        comp = dict(scene.blank)
        comp["format"] = 1.0 if format_ok(completion) else 0.0
        try:
            found = read_answer(completion)
            if found is None:
                return Verdict(self.combine(comp, weights), Status.NO_ANSWER, comp, "", "no_answer")
            value, raw = found
            pos, missing = read_positions(value, scene)
        except AnswerError as exc:
            return Verdict(self.combine(comp, weights), Status.OK, comp, "", f"{exc.code}: {exc}")
        if missing:
            return Verdict(self.combine(comp, weights), Status.OK, comp, raw[:200], "; ".join(missing[:MAX_DETAILS]))
        try:
            checks, details, boxes = evaluate(scene, pos)
        except decimal.DecimalException:  # exact arithmetic refused a number (e.g. 1e999999): not a placement
            return Verdict(self.combine(comp, weights), Status.OK, comp, raw[:200], "bad_number: out of range")
        comp.update(checks)
        comp["placed"] = 1.0
        valid = all(v == 1.0 for k, v in checks.items())
        if scene.objective is None:
            comp["accuracy"] = 1.0 if valid else 0.0
            detail = "correct" if valid else "; ".join(details[:MAX_DETAILS])
        else:
            obj = scene.objective
            got = overhang(scene, boxes)
            ratio = got / (obj.optimum * (1 - obj.optimum_tol)) if valid else Decimal(0)
            comp["overhang"] = float(max(Decimal(0), min(Decimal(1), ratio)))
            comp["accuracy"] = comp["overhang"]
            detail = f"overhang: {got:f} of optimum {obj.optimum:f}" if valid else "; ".join(details[:MAX_DETAILS])
        return Verdict(self.combine(comp, weights), Status.OK, comp, raw[:200], detail)
