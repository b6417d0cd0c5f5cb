"""The ``game24`` and ``countdown`` tasks: make a target from given numbers with + − × ÷."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

from envs.answer import find_answer, format_ok
from envs.base import InvalidReference, ProbeCase, Problem, Status, Task, Verdict
from envs.game24 import solver
from envs.game24.expr import ExprError, parse

MAX_NUMBERS = 8
MAX_VALUE = 10**9

_INSTRUCTIONS = (
    "Use + - * / and parentheses. Think step by step inside <think> </think>, then give only the "
    "expression inside <answer> </answer>, for example <answer>(1+2)*(3+5)</answer>."
)


@dataclass(frozen=True, slots=True)
class Puzzle:
    numbers: tuple[int, ...]
    target: int
    use_all: bool


def _int_field(obj: dict[str, Any], key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidReference(f"{key}: expected an integer, got {type(value).__name__}")
    if abs(value) > MAX_VALUE:
        raise InvalidReference(f"{key}: {value} is out of range (|x| ≤ {MAX_VALUE})")
    return value


class _ArithmeticTask(Task):
    reference_schema: ClassVar[dict[str, Any]]
    default_weights: ClassVar[dict[str, float]] = {"accuracy": 1.0, "format": 0.0}
    default_deadline_s: ClassVar[float] = 1.0
    count: ClassVar[tuple[int, int]] = (1, MAX_NUMBERS)
    default_target: ClassVar[int | None] = None

    def parse_reference(self, obj: Any) -> Puzzle:
        if not isinstance(obj, dict):
            raise InvalidReference("reference: expected a JSON object")
        unknown = set(obj) - set(self.reference_schema["properties"])
        if unknown:
            raise InvalidReference(f"{sorted(unknown)[0]}: unknown field")
        nums = obj.get("numbers")
        if not isinstance(nums, list):
            raise InvalidReference("numbers: expected a list of integers")
        lo, hi = self.count
        if not lo <= len(nums) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            raise InvalidReference(f"numbers: expected {want} numbers, got {len(nums)}")
        numbers = tuple(_int_field(obj, f"numbers[{i}]", n) for i, n in enumerate(nums))
        if any(n < 0 for n in numbers):
            raise InvalidReference("numbers: must be non-negative (answers cannot write a negative literal)")
        if "target" in obj:
            target = _int_field(obj, "target", obj["target"])
        elif self.default_target is not None:
            target = self.default_target
        else:
            raise InvalidReference("target: missing")
        use_all = obj.get("use_all", True)
        if not isinstance(use_all, bool):
            raise InvalidReference("use_all: expected true or false")
        return Puzzle(numbers, target, use_all)

    def score(self, completion: str, reference: Puzzle, weights: dict[str, float] | None = None) -> Verdict:
        components = {"accuracy": 0.0, "format": 1.0 if format_ok(completion) else 0.0}
        # The shared extraction layer: <answer>, \boxed{}, "final answer is", an "Answer: …" last
        # line, else the last line; strict about <think> (nothing after an unclosed one counts).
        found = find_answer(completion, fallback="last_line", strict_think=True, join_boxes=False)
        if found.span is None:
            return Verdict(self.combine(components, weights), Status.NO_ANSWER, components, "", "no_answer")
        answer, source = found.span.strip(), found.source
        try:
            parsed = parse(answer, reference.target, list(reference.numbers), reference.use_all)
        except ExprError as exc:
            # A last line of prose is no answer at all; anything else is a wrong answer with a reason.
            status = Status.NO_ANSWER if source == "last_line" and exc.code == "bad_character" else Status.OK
            return Verdict(self.combine(components, weights), status, components, answer[:200], f"{exc.code}: {exc}")
        if found.hedged:  # "maybe: (8-5)*10-6", "\boxed{…} or …": a hedge never pays
            detail = f"hedging: {', '.join(sorted(found.qualifiers))}"
            return Verdict(self.combine(components, weights), Status.OK, components, answer[:200], detail)
        if parsed.value == reference.target:
            components["accuracy"] = 1.0
            detail = "correct"
        else:
            detail = f"wrong_value: {_show(parsed.value)} ≠ {reference.target}"
        return Verdict(self.combine(components, weights), Status.OK, components, answer[:200], detail)

    def probe_cases(self, rng: random.Random) -> list[ProbeCase]:
        """Three generated puzzles, solved by the solver: answered R1-style, in a box, and on a final
        ``Answer: …`` line."""
        cases = []
        for style in ("r1", "boxed", "answer_line"):
            ref = self.sample(rng).reference
            nums, target = ref["numbers"], ref["target"]
            expr = solver.solutions(nums, target)[0][0]
            text = {"r1": f"<think>Combine {nums} to reach {target}.</think>\n<answer>{expr}</answer>",
                    "boxed": f"Combining {nums} gives {target}.\n\n$\\boxed{{{expr}}}$",
                    "answer_line": f"Combining {nums} gives {target}.\nAnswer: {expr}"}[style]
            wrong = ["+".join(map(str, nums))] if sum(nums) != target else []
            cases.append(ProbeCase(ref, text, expr, wrong))
        return cases


def _show(v: Fraction) -> str:
    return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"


class Game24Task(_ArithmeticTask):
    name = "game24"
    version = "1.0.0"
    env_name = "Game24"
    description = "The 24 game: combine four numbers with + − × ÷ to make 24 (exact arithmetic)."
    count = (4, 4)
    default_target = 24
    reference_schema = {
        "type": "object",
        "required": ["numbers"],
        "additionalProperties": False,
        "properties": {
            "numbers": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 4, "maxItems": 4},
            "target": {"type": "integer", "default": 24},
            "use_all": {"type": "boolean", "default": True},
        },
    }

    TIERS: ClassVar[dict[str, tuple[int, int]]] = {"easy": (8, 10**9), "medium": (2, 7), "hard": (1, 1)}

    def sample(self, rng: random.Random, **options: Any) -> Problem:
        """Solvable puzzles only. ``difficulty``: any | easy (≥8 distinct solutions) | medium (2–7) |
        hard (exactly one) | fraction (every solution needs a non-integer intermediate)."""
        difficulty = str(options.get("difficulty", "any"))
        max_number = int(options.get("max_number", 13))
        target = int(options.get("target", 24))
        if difficulty not in ("any", "fraction", *self.TIERS) or not 1 <= max_number <= 100:
            raise ValueError("difficulty must be any|easy|medium|hard|fraction, max_number 1..100")
        for _ in range(200_000):
            nums = tuple(sorted(rng.randint(1, max_number) for _ in range(4)))
            if not solver.solvable(nums, target):
                continue
            if difficulty == "fraction" and solver.solvable_integer(nums, target):
                continue
            if difficulty in self.TIERS:
                lo, hi = self.TIERS[difficulty]
                if not lo <= len(solver.solutions(nums, target)) <= hi:
                    continue
            shown = list(nums)
            rng.shuffle(shown)
            prompt = f"Make {target} from the numbers {', '.join(map(str, shown))}, each used exactly once. {_INSTRUCTIONS}"
            return Problem(prompt, {"numbers": shown, "target": target})
        raise ValueError(f"no {difficulty} puzzle found with numbers up to {max_number} and target {target}")


class CountdownTask(_ArithmeticTask):
    name = "countdown"
    version = "1.0.0"
    env_name = "Countdown"
    description = "Countdown numbers: reach the target from the given numbers with + − × ÷ (exact arithmetic)."
    count = (1, MAX_NUMBERS)
    reference_schema = {
        "type": "object",
        "required": ["numbers", "target"],
        "additionalProperties": False,
        "properties": {
            "numbers": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1,
                        "maxItems": MAX_NUMBERS},
            "target": {"type": "integer"},
            "use_all": {"type": "boolean", "default": True,
                        "description": "true: every number exactly once; false: each at most once"},
        },
    }

    def sample(self, rng: random.Random, **options: Any) -> Problem:
        """``count`` numbers (default 4) from 1..``max_number`` (100); the target (10..999 by default) is
        built from a random expression over all of them, so every instance is solvable."""
        count = int(options.get("count", 4))
        max_number = int(options.get("max_number", 100))
        lo, hi = int(options.get("min_target", 10)), int(options.get("max_target", 999))
        use_all = bool(options.get("use_all", True))
        if not 2 <= count <= 6:
            raise ValueError("count must be 2..6")
        for _ in range(100_000):
            nums = [rng.randint(1, max_number) for _ in range(count)]
            value = _random_value(rng, nums)
            if value is not None and value.denominator == 1 and lo <= value <= hi:
                target = int(value)
                rule = "each exactly once" if use_all else "each at most once"
                prompt = f"Reach {target} using the numbers {', '.join(map(str, nums))}, {rule}. {_INSTRUCTIONS}"
                return Problem(prompt, {"numbers": nums, "target": target, "use_all": use_all})
        raise ValueError("could not build a countdown instance with these options")


def _random_value(rng: random.Random, nums: list[int]) -> Fraction | None:
    """Value of a random expression tree over all the numbers (classic rules: no step ≤ 0 or fractional)."""
    vals = [Fraction(n) for n in nums]
    while len(vals) > 1:
        a = vals.pop(rng.randrange(len(vals)))
        b = vals.pop(rng.randrange(len(vals)))
        a, b = max(a, b), min(a, b)
        op = rng.choice("+-*/")
        if op == "+":
            v = a + b
        elif op == "-":
            v = a - b
        elif op == "*":
            v = a * b
        else:
            v = a / b if b else Fraction(0)
        if v <= 0 or v.denominator != 1:
            return None
        vals.append(v)
    return vals[0]
