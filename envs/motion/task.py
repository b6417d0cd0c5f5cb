"""The ``motion`` task: is this motion compliant? (projectile, path, collision, and a table judge)."""

from __future__ import annotations

import decimal
import random
from typing import Any, ClassVar

from envs.answer import format_ok
from envs.base import ProbeCase, Problem, Status, Task, Verdict
from envs.json_answer import AnswerError, read_answer
from envs.json_probe import json_cases
from envs.motion.checks import check_collision, check_judge, check_path, check_projectile
from envs.motion.generate import sample_problem, sample_with_solution
from envs.motion.reference import KINDS, Collision, Judge, Path, Projectile, Reference, parse

MAX_DETAILS = 4
_NUM = {"type": "number"}
_PT = {"type": "array", "items": _NUM, "minItems": 2, "maxItems": 2}
_CHECKS = {Projectile: (check_projectile, ("hit", "walls", "speed")),
           Path: (check_path, ("start", "goal", "time", "speed", "obstacles")),
           Collision: (check_collision, ("momentum", "energy", "restitution")),
           Judge: (check_judge, ("row",))}


class MotionTask(Task):
    name = "motion"
    version = "1.0.0"
    env_name = "Motion"
    description = ("Motion compliance: projectile shots over walls, timed paths around obstacles (exact "
                   "segment-rectangle tests), 1-D collisions with restitution, constant-g table judging.")
    default_deadline_s = 2.0
    default_weights: ClassVar[dict[str, float]] = {"accuracy": 1.0, "format": 0.0}
    reference_schema: ClassVar[dict[str, Any]] = {
        "type": "object", "required": ["kind"],
        "oneOf": [
            {"properties": {"kind": {"const": "projectile"}, "g": {**_NUM, "default": 9.81}, "launch": _PT,
                            "target": _PT, "hit_tol": {**_NUM, "default": 0.1}, "v_max": _NUM,
                            "walls": {"type": "array", "items": {"type": "object", "required": ["x", "height"],
                                                                  "properties": {"x": _NUM, "height": _NUM}}}},
             "required": ["kind", "launch", "target"], "additionalProperties": False},
            {"properties": {"kind": {"const": "path"}, "start": _PT, "goal": _PT, "t_max": _NUM, "v_max": _NUM,
                            "a_max": _NUM, "tol": {**_NUM, "default": 1e-6},
                            "max_points": {"type": "integer", "minimum": 2, "maximum": 200, "default": 200},
                            "obstacles": {"type": "array", "items": {"type": "object", "required": ["x", "y", "w", "h"],
                                                                      "properties": {k: _NUM for k in "xywh"}}}},
             "required": ["kind", "start", "goal", "t_max", "v_max"], "additionalProperties": False},
            {"properties": {"kind": {"const": "collision"}, "m1": _NUM, "m2": _NUM, "u1": _NUM, "u2": _NUM,
                            "e": {"type": "number", "minimum": 0, "maximum": 1},
                            "rel_tol": {**_NUM, "default": 0.001}},
             "required": ["kind", "m1", "m2", "u1", "u2", "e"], "additionalProperties": False},
            {"properties": {"kind": {"const": "judge"}, "g": {**_NUM, "default": 9.81},
                            "table": {"type": "array", "minItems": 5, "maxItems": 50,
                                      "items": {"type": "array", "items": _NUM, "minItems": 3, "maxItems": 3}}},
             "required": ["kind", "table"], "additionalProperties": False},
        ],
    }

    def setup(self) -> None:
        """Import numpy (projectile roots) once per worker, before the first deadline starts."""
        import numpy  # noqa: F401

    def describe(self) -> dict[str, str]:
        return {"docs": "docs/motion.md", "kinds": ",".join(KINDS)}

    def parse_reference(self, obj: Any) -> Reference:
        return parse(obj)

    def sample(self, rng: random.Random, **options: Any) -> Problem:
        """``kind``: projectile | path | collision | judge (default: any)."""
        return sample_problem(rng, **options)

    def probe_cases(self, rng: random.Random) -> list[ProbeCase]:
        """One generated problem of each kind with the answer the generator's solver found."""
        return json_cases(self, sample_with_solution, [{"kind": k} for k in KINDS], rng)

    def score(self, completion: str, reference: Any, weights: dict[str, float] | None = None) -> Verdict:
        ref = reference if isinstance(reference, (Projectile, Path, Collision, Judge)) else parse(reference)
        check, names = _CHECKS[type(ref)]
        comp = {"accuracy": 0.0, "format": 1.0 if format_ok(completion) else 0.0, **dict.fromkeys(names, 0.0)}
        if isinstance(ref, Path) and ref.a_max is not None:
            comp["accel"] = 0.0
        try:
            found = read_answer(completion)
            if found is None:
                return Verdict(self.combine(comp, weights), Status.NO_ANSWER, comp, "", "no_answer")
            value, raw = found
            checks, details = check(value, ref)
        except decimal.DecimalException:  # exact arithmetic refused a number (e.g. 1e999999)
            return Verdict(self.combine(comp, weights), Status.OK, comp, "", "bad_number: out of range")
        except AnswerError as exc:
            return Verdict(self.combine(comp, weights), Status.OK, comp, "", f"{exc.code}: {exc}")
        comp.update(checks)
        ok = all(v == 1.0 for v in checks.values())
        comp["accuracy"] = 1.0 if ok else 0.0
        detail = "correct" if ok else "; ".join(details[:MAX_DETAILS])
        return Verdict(self.combine(comp, weights), Status.OK, comp, raw[:200], detail)
