"""Honest examples for ``rewardgym probe`` on the math task: one gold of each answer type.

Each gold comes with wrong answers that a lenient checker is known to accept (less precise decimals,
the wrong container type, a false equation ending in the gold) and other right spellings.
"""

from __future__ import annotations

import random

from envs.base import ProbeCase

# (gold, wrong answers, other right spellings). The first two wrong answers are plainly wrong (the
# hedges are built from them); the rest are the near misses a lenient checker is known to accept.
GOLDS: list[tuple[str, list[str], list[str]]] = [
    ("72", ["73", "71", "2+2 = 72", "720"], ["72.0"]),
    ("\\frac{1}{2}", ["\\frac{1}{3}", "\\frac{2}{3}", "0.54", "0.45"], ["\\dfrac{1}{2}", "1/2", "0.5"]),
    ("0.5", ["0.7", "0.3", "0.54", "0.45", "0.50001"], ["\\frac{1}{2}", "0.50"]),
    ("3.14159", ["2.71828", "3.24159", "3.1", "3.14", "3.1416"], []),
    ("\\pi", ["2\\pi", "\\pi + 1", "3.14", "3.1416", "\\pi + 10^{-100}"], ["3.14159"]),
    ("\\frac{1}{3}", ["\\frac{1}{4}", "\\frac{2}{3}", "0.33", "0.333", "\\frac{1}{3} + 10^{-90}"], ["\\frac{2}{6}"]),
    ("\\{1, 2\\}", ["\\{1, 3\\}", "\\{0, 2\\}", "(1, 2)", "[1, 2]"], ["\\{2, 1\\}"]),
    ("(1, 2)", ["(1, 3)", "(0, 2)", "\\{1, 2\\}", "[1, 2]", "(2, 1)"], []),
    ("x^2 + 2x + 1", ["x^2 + 2x + 2", "x^2 + 2x"], ["(x+1)^2"]),
    ("C", ["D", "A"], []),
]


def _completion(gold: str, style: int) -> str:
    if style == 0:
        return f"<think>Work it out step by step.</think>\n<answer>{gold}</answer>"
    return f"Working step by step, we reach the result.\n\nThe final answer is $\\boxed{{{gold}}}$."


def probe_cases(sample: object, rng: random.Random) -> list[ProbeCase]:
    cases = [ProbeCase({"answer": g}, _completion(g, i % 2), g, list(w), list(r))
             for i, (g, w, r) in enumerate(GOLDS)]
    for i in range(2):  # and generated problems, as a trainer would send them
        ref = sample(rng).reference  # type: ignore[operator]
        cases.append(ProbeCase(ref, _completion(ref["answer"], i), ref["answer"]))
    return cases
