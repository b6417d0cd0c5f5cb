"""Honest examples for ``rewardgym probe`` on the code task: one problem per test mode, solved."""

from __future__ import annotations

from envs.base import ProbeCase
from envs.code.problems import PROBLEMS

# problem index in PROBLEMS -> (entry point or "" for stdin/stdout, solution, wrong solutions)
SOLVED: list[tuple[int, str, str, list[str]]] = [
    (0, "", "a, b = map(int, input().split())\nprint(a + b)\n",
     ["print('wrong')\n", "a, b = map(int, input().split())\nprint(a - b)\n"]),
    (3, "is_prime", "def is_prime(n: int) -> bool:\n    if n < 2:\n        return False\n"
                    "    return all(n % d for d in range(2, int(n ** 0.5) + 1))\n",
     ["def is_prime(n: int) -> bool:\n    return None\n", "def is_prime(n: int) -> bool:\n    return n % 2 == 1\n"]),
    (4, "fib", "def fib(n: int) -> int:\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n",
     ["def fib(n: int) -> int:\n    return None\n", "def fib(n: int) -> int:\n    return n\n"]),
]


def probe_cases() -> list[ProbeCase]:
    out = []
    for idx, entry, solution, wrong in SOLVED:
        ref = {k: v for k, v in PROBLEMS[idx]["reference"].items() if k != "kind"}
        text = f"Here is my solution.\n\n```python\n{solution}```\n"
        out.append(ProbeCase(ref, text, solution, wrong, entry_point=entry))
    return out
