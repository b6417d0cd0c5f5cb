"""Honest examples for ``rewardgym probe`` on tasks whose answer is a JSON object (placement, motion).

Each case is a generated problem with the answer its own solver found; the wrong answers move every
number of it by a few units, and are kept only when the task itself scores them 0 (a shift that stayed
right would make a useless control).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from typing import Any

from envs.base import ProbeCase, Problem, Task


def _shifted(value: Any, by: float) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value + by
    if isinstance(value, list):
        return [_shifted(v, by) for v in value]
    if isinstance(value, dict):
        return {k: _shifted(v, by) for k, v in value.items()}
    return value


def json_cases(task: Task, solve: Callable[..., tuple[Problem, Any]], options: Iterable[dict[str, Any]],
               rng: random.Random) -> list[ProbeCase]:
    cases = []
    for i, opts in enumerate(options):
        problem, answer = solve(rng, **opts)
        text = json.dumps(answer)
        completion = (f"<think>Check every rule before answering.</think>\n<answer>{text}</answer>" if i % 2 == 0
                      else f"Every rule checked.\n\n<answer>{text}</answer>")
        ref = task.parse_reference(problem.reference)
        wrong = [json.dumps(_shifted(answer, by)) for by in (1, 3, -2, 7)]
        keep = [w for w in wrong if task.score(f"<answer>{w}</answer>", ref).reward == 0.0][:2]
        cases.append(ProbeCase(problem.reference, completion, text, keep))
    return cases
