"""Honest examples for ``rewardgym probe`` on the physics task: quantities and a formula, each with
wrong answers outside the reference's tolerance (a perturbed last digit would still be right)."""

from __future__ import annotations

import random
import re
from typing import Any

from envs.base import ProbeCase

# (reference, wrong answers, other right spellings)
CASES: list[tuple[dict[str, Any], list[str], list[str]]] = [
    ({"answer": "19.6 m/s"}, ["29.4 m/s", "9.8 m/s", "19.6 m/s^2"], ["70.56 km/h", "19.6\\,\\mathrm{m/s}"]),
    ({"answer": "0.25 A"}, ["0.5 A", "2.5 A", "0.25 V"], ["250 mA"]),
    ({"answer": "sqrt(2*g*h)", "symbols": {"g": "m/s^2", "h": "m"}}, ["sqrt(g*h)", "2*sqrt(g*h)"], ["\\sqrt{2gh}"]),
]
_QUANTITY = re.compile(r"(-?\d+(?:\.\d+)?)\s+(.+)")


def _completion(answer: str, style: int) -> str:
    if style == 0:
        return f"<think>Apply the relevant law and convert units.</think>\n<answer>{answer}</answer>"
    return f"Applying the relevant law and converting units.\n\nThe final answer is $\\boxed{{{answer}}}$."


def _wrong(answer: str) -> list[str]:
    """Wrong answers far outside any tolerance: the value doubled and divided by three, or a
    formula doubled and squared."""
    m = _QUANTITY.fullmatch(answer)
    if m:
        v, unit = float(m.group(1)), m.group(2)
        return [f"{v * 2:.6g} {unit}", f"{v / 3:.6g} {unit}"]
    return [f"2*({answer})", f"3*({answer})"]


def probe_cases(sample: Any, rng: random.Random) -> list[ProbeCase]:
    cases = [ProbeCase(ref, _completion(ref["answer"], i % 2), ref["answer"], list(w), list(r))
             for i, (ref, w, r) in enumerate(CASES)]
    for i in range(2):  # and generated problems, as a trainer would send them
        ref = sample(rng).reference
        cases.append(ProbeCase(ref, _completion(ref["answer"], i), ref["answer"], _wrong(ref["answer"])))
    return cases
