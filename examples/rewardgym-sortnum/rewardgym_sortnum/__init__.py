"""An out-of-tree rewardgym task: sort the given integers.

Install with ``pip install examples/rewardgym-sortnum`` and restart the server; the task appears in
ListTasks, is scored in the server's workers and is a Gymnasium env ``rewardgym/Sortnum-v0``.
"""

from __future__ import annotations

import random
import re
from typing import Any

from envs.answer import extract
from envs.base import InvalidReference, ProbeCase, Problem, Status, Task, Verdict

_INT = re.compile(r"-?\d{1,30}")


def _int_list(answer: str) -> list[int] | None:
    """The answer as exactly a list of integers ("[1, 2, 3]", "1, 2, 3" or "1 2 3"), else None.

    Strict on purpose: picking every integer out of free text would pay "not [1, 2]" or two lists at once.
    """
    s = answer.strip()
    if s.startswith("[") and s.endswith("]"):
        s = s[1:-1]
    parts = s.split(",") if "," in s else s.split()
    if len(parts) > 1000 or not all(_INT.fullmatch(p.strip()) for p in parts):
        return None
    return [int(p) for p in parts]


class SortNumbersTask(Task):
    name = "sortnum"
    version = "0.1.0"
    description = "Sort a list of integers (example plugin)."
    default_deadline_s = 1.0
    default_weights = {"accuracy": 1.0}
    reference_schema = {
        "type": "object",
        "required": ["numbers"],
        "properties": {
            "numbers": {"type": "array", "items": {"type": "integer"}, "maxItems": 1000},
            "descending": {"type": "boolean", "default": False},
        },
    }

    def parse_reference(self, obj: Any) -> tuple[list[int], bool]:
        if not isinstance(obj, dict) or not isinstance(obj.get("numbers"), list):
            raise InvalidReference("numbers: expected a list of integers")
        nums = obj["numbers"]
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in nums) or len(nums) > 1000:
            raise InvalidReference("numbers: expected at most 1000 integers")
        desc = obj.get("descending", False)
        if not isinstance(desc, bool):
            raise InvalidReference("descending: expected true or false")
        return sorted(nums, reverse=desc), desc

    def score(self, completion: str, reference: tuple[list[int], bool], weights: dict[str, float] | None = None) -> Verdict:
        answer, _ = extract(completion)
        if answer is None:
            return Verdict(0.0, Status.NO_ANSWER, {"accuracy": 0.0}, "", "no_answer")
        got = _int_list(answer)
        ok = got == reference[0]
        comps = {"accuracy": 1.0 if ok else 0.0}
        return Verdict(self.combine(comps, weights), Status.OK, comps, answer[:200], "correct" if ok else "wrong_order")

    def sample(self, rng: random.Random, **options: Any) -> Problem:
        n = int(options.get("count", 6))
        nums = [rng.randint(-99, 99) for _ in range(n)]
        return Problem(f"Sort these numbers in ascending order: {nums}. Answer inside <answer></answer>.",
                       {"numbers": nums})

    def probe_cases(self, rng: random.Random) -> list[ProbeCase]:
        """Honest answers for ``rewardgym probe --task sortnum``: the sorted list, plus wrong orders."""
        cases = []
        for _ in range(2):
            ref = self.sample(rng).reference
            answer = str(sorted(ref["numbers"]))
            wrong = [str(ref["numbers"]), str(sorted(ref["numbers"], reverse=True))]
            cases.append(ProbeCase(ref, f"<think>Sort them.</think>\n<answer>{answer}</answer>", answer, wrong))
        return cases
