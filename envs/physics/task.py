"""The ``physics`` task: a quantity (value and unit) or a formula (with its symbols' units)."""

from __future__ import annotations

import random
import re
from typing import Any

from envs.answer import Candidate, candidates, format_ok
from envs.base import ProbeCase, Problem, Status, Task, Verdict
from envs.physics.formula import FormulaError, answer_sides, check_kinds, dimension, equivalent, parse_formula
from envs.physics.generate import FAMILIES, sample_problem
from envs.physics.probe import probe_cases
from envs.physics.quantity import Quantity, QuantityError, parse_span
from envs.physics.reference import MAX_REL_TOL, FormulaRef, QuantityRef, parse_reference
from envs.physics.units import facts, show_dim, ureg

# A failure with one of these codes ends the search: a later fallback span may not rescue a hedge.
_FINAL_CODES = {"hedging", "multiple_answers", "non_finite"}
_PRIMARY = ("boxed",)  # a box is final, as in the math task
# Spans the completion marks as its answer: a qualifier there is a hedge even when it does not parse.
_MARKED = ("boxed", "answer_tag", "final_answer", "answer_anchor")
AGREE = 1e-6  # the quantities of one chain/list must state the same value
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")


def answer_spans(completion: str) -> list[Candidate]:
    """Answer spans in priority order, from the shared extraction layer (``envs.answer``)."""
    return candidates(completion, fallback="last_sentence")


def _first(cands: list[Candidate], read: Any) -> tuple[Any, Candidate, Exception | None]:
    """(parsed, candidate, error): the first span ``read`` accepts, as the math task reads them;
    the shared hedge rule (words in and around the span) applies to every span read or marked."""
    first_err: Exception | None = None
    first = cands[0]
    for cand in cands:
        err: QuantityError | FormulaError | None = None
        try:
            parsed = read(cand.text)
        except (QuantityError, FormulaError) as exc:
            parsed, err = None, exc
        if parsed is not None or cand.source in _MARKED:
            bad = cand.hedge(frozenset())
            if bad:
                return None, cand, QuantityError("hedging", f"qualifier {', '.join(sorted(bad))}")
        if err is None:
            return parsed, cand, None
        if first_err is None:
            first_err, first = err, cand
        if err.code in _FINAL_CODES or cand.source in _PRIMARY:
            return None, cand, err
        if len(set(_NUMBERS.findall(cand.text))) > 1:
            # "19.6 m/s\n20 m/s" in one <answer>: a fallback may not pick one of its numbers.
            return None, cand, QuantityError("multiple_answers", f"several numbers in {cand.text[:60]!r}")
    return None, first, first_err


# Built at import (~1 s): the server's fork server imports task modules once and every scoring
# worker inherits the registry, so no worker pays it inside an item's deadline.
ureg()


class PhysicsTask(Task):
    name = "physics"
    version = "1.0.0"
    env_name = "Physics"
    description = ("Physics answers with units: a quantity (any correct unit, converted; offset temperatures) "
                   "or a formula (dimension gate + random-point identity); our grammar, pint for unit facts.")
    reference_schema = {
        "type": "object",
        "required": ["answer"],
        "additionalProperties": False,
        "properties": {
            "answer": {"type": "string", "minLength": 1, "maxLength": 1000,
                       "description": "a quantity ('19.6 m/s') or, with symbols, a formula ('sqrt(2*g*h)')"},
            "symbols": {"type": "object", "maxProperties": 20,
                        "description": "formula symbols: name -> unit string, or {unit, domain, min, max}",
                        "additionalProperties": {"oneOf": [
                            {"type": "string"},
                            {"type": "object", "additionalProperties": False, "properties": {
                                "unit": {"type": "string"},
                                "domain": {"enum": ["positive", "negative", "nonnegative", "real", "nonzero"]},
                                "min": {"type": "number"}, "max": {"type": "number"}}}]}},
            "unit": {"type": "string", "description": "formulas only: the unit the formula must have"},
            "rel_tol": {"type": "number", "minimum": 0, "maximum": MAX_REL_TOL, "default": 0.01},
            "unit_required": {"type": "boolean", "default": True},
            "temperature": {"enum": ["absolute", "difference"], "default": "absolute",
                            "description": "difference: a lone °C/°F is a temperature difference"},
        },
    }
    default_deadline_s = 2.0
    default_weights = {"accuracy": 1.0}

    def describe(self) -> dict[str, str]:
        return {"families": ",".join(FAMILIES), "docs": "docs/physics.md"}

    def setup(self) -> None:
        """Warm the caches (unit facts, the formula path) before the first item."""
        self.score(r"\boxed{70.56\ \mathrm{km/h}}", self.parse_reference({"answer": "19.6 m/s"}))
        self.score(r"\boxed{\sqrt{2gh}}", self.parse_reference({"answer": "sqrt(2*g*h)",
                                                                 "symbols": {"g": "m/s^2", "h": "m"}}))

    def probe_cases(self, rng: random.Random) -> list[ProbeCase]:
        """Quantities and a formula with wrong answers outside tolerance, and two generated problems."""
        return probe_cases(self.sample, rng)

    def parse_reference(self, obj: Any) -> QuantityRef | FormulaRef:
        return parse_reference(obj)

    def sample(self, rng: random.Random, **options: Any) -> Problem:
        """Generated problems (``family``: kinematics, dynamics, energy, momentum, circuits, formula)."""
        return sample_problem(rng, **options)

    def score(self, completion: str, reference: Any, weights: dict[str, float] | None = None) -> Verdict:
        ref = reference if isinstance(reference, (QuantityRef, FormulaRef)) else self.parse_reference(reference)
        fmt = 1.0 if format_ok(completion) else 0.0
        spans = answer_spans(completion)
        if not spans:
            comps = {"accuracy": 0.0, "format": fmt}
            return Verdict(self.combine(comps, weights), Status.NO_ANSWER, comps, "", "no_answer")
        if isinstance(ref, FormulaRef):
            return self._score_formula(spans, ref, fmt, weights)
        return self._score_quantity(spans, ref, fmt, weights)

    # -- quantities ------------------------------------------------------------------------------
    def _score_quantity(self, spans: list[Candidate], ref: QuantityRef, fmt: float,
                        weights: dict[str, float] | None) -> Verdict:
        comps = {"accuracy": 0.0, "format": fmt, "single": 0.0, "unit": 0.0, "dimension": 0.0, "value": 0.0}
        qs, cand, err = _first(spans, parse_span)
        if qs is None:
            assert err is not None
            return self._failed(comps, weights, cand.text, cand.source, err)
        comps["single"] = 1.0 if all(_same(qs[0], q, ref.difference) for q in qs[1:]) else 0.0
        details = [self._check_one(q, ref, comps) for q in qs]
        bad = next((d for d in details if d != "correct"), None)
        if comps["single"] == 0.0:
            bad = "multiple_answers: " + " vs ".join(q.text for q in qs[:3])
        comps["accuracy"] = 1.0 if bad is None else 0.0
        return self._done(comps, weights, " = ".join(q.text for q in qs), bad or "correct")

    def _check_one(self, q: Quantity, ref: QuantityRef, comps: dict[str, float]) -> str:
        rq = ref.quantity
        unit, unit_text = q.unit, q.unit_text
        if not q.has_unit:
            if ref.unit_required:
                return "missing_unit"
            unit, unit_text = rq.unit, rq.unit_text  # a bare number is read in the reference's unit
        comps["unit"] = 1.0
        f = facts(unit, ref.difference)
        tags, rtags = unit.tags, rq.unit.tags
        mixed = ("cycle" in tags and "angle" in rtags) or ("angle" in tags and "cycle" in rtags)
        if f.dim != ref.facts.dim or mixed:
            comps["dimension"] = 0.0
            return f"wrong_unit: {unit_text or '1'} vs {rq.unit_text or '1'}"
        comps["dimension"] = 1.0
        si = f.scale * q.value + f.offset
        if abs(si - ref.si) <= ref.tol:
            comps["value"] = 1.0
            return "correct"
        comps["value"] = 0.0
        shown = (si - ref.facts.offset) / ref.facts.scale
        return f"wrong_value: {shown:.6g} {rq.unit_text} vs {rq.value:.6g} {rq.unit_text}".rstrip()

    # -- formulas --------------------------------------------------------------------------------
    def _score_formula(self, spans: list[Candidate], ref: FormulaRef, fmt: float,
                       weights: dict[str, float] | None) -> Verdict:
        comps = {"accuracy": 0.0, "format": fmt, "single": 0.0, "dimension": 0.0, "equivalent": 0.0}

        def read(span: str) -> list[Any]:
            sides = answer_sides(parse_formula(span, ref.names), ref.names)
            for side in sides:
                check_kinds(side)
            return sides

        sides, cand, err = _first(spans, read)
        span = cand.text
        if sides is None:
            assert err is not None
            return self._failed(comps, weights, span, cand.source, err)
        comps["single"] = 1.0
        for side in sides:
            try:
                dim = dimension(side, ref.specs)
            except FormulaError as exc:
                return self._done(comps, weights, span, f"{exc.code}: {exc}"[:300])
            if dim != ref.dim:
                return self._done(comps, weights, span, f"wrong_dimension: {show_dim(dim)} vs {show_dim(ref.dim)}")
            comps["dimension"] = 1.0
            ok, stage = equivalent(ref.node, side, ref.specs, ref.seed)
            if not ok:
                return self._done(comps, weights, span, f"wrong_formula: stage={stage}")
        comps["equivalent"] = 1.0
        comps["accuracy"] = 1.0
        return self._done(comps, weights, span, "correct")

    def _failed(self, comps: dict[str, float], weights: dict[str, float] | None, span: str, source: str,
                err: Exception) -> Verdict:
        code = getattr(err, "code", "unparsed")
        detail = f"{code}: {err}"[:300]
        if code in ("no_number", "empty") and source not in ("boxed", "answer_tag"):
            # Prose found only by a fallback (no box, no <answer>): no answer at all, as in game24.
            return Verdict(self.combine(comps, weights), Status.NO_ANSWER, comps, span.strip()[:500], detail)
        return self._done(comps, weights, span, detail)

    def _done(self, comps: dict[str, float], weights: dict[str, float] | None, extracted: str,
              detail: str) -> Verdict:
        return Verdict(self.combine(comps, weights), Status.OK, comps, extracted.strip()[:500], detail)


def _same(a: Quantity, b: Quantity, difference: bool) -> bool:
    fa, fb = facts(a.unit, difference), facts(b.unit, difference)
    if fa.dim != fb.dim:
        return False
    x, y = fa.scale * a.value + fa.offset, fb.scale * b.value + fb.offset
    return abs(x - y) <= AGREE * max(abs(x), abs(y))
