"""Test-only tasks: one that sleeps or spins as told, one that crashes as told, and a weak and a strict
answer checker for ``rewardgym probe``."""

from __future__ import annotations

import os
import random
import signal
import time
from typing import Any

from envs.base import ProbeCase, Status, Task, Verdict


class SleepyTask(Task):
    """``sleep:S`` sleeps S seconds, ``spin`` never returns (busy loop), anything else scores 1."""

    name = "sleepy"
    version = "1.0.0"
    default_deadline_s = 0.5

    def score(self, completion: str, reference: Any, weights: dict[str, float] | None = None) -> Verdict:
        if completion.startswith("sleep:"):
            time.sleep(float(completion[6:].split()[0]))  # text after the number keeps items distinct
        elif completion == "spin":
            while True:
                pass
        return Verdict(1.0, Status.OK, {"accuracy": 1.0}, completion[:50], "awake")


class CrashyTask(Task):
    """``raise`` raises, ``exit`` kills its own process, ``segv`` segfaults; anything else scores 1."""

    name = "crashy"
    version = "1.0.0"

    def score(self, completion: str, reference: Any, weights: dict[str, float] | None = None) -> Verdict:
        if completion == "raise":
            raise RuntimeError("boom")
        if completion == "exit":
            os._exit(3)
        if completion == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        return Verdict(1.0, Status.OK, {"accuracy": 1.0}, completion[:50], "fine")


class WeakContainsTask(Task):
    """Deliberately weak: any completion that contains the gold anywhere scores 1 (the probe must flag it)."""

    name = "weakcontains"
    version = "1"

    def score(self, completion: str, reference: Any, weights: dict[str, float] | None = None) -> Verdict:
        ok = str(reference["answer"]) in completion
        return Verdict(float(ok), Status.OK, {"accuracy": float(ok)}, completion[:50], "contains" if ok else "absent")

    def probe_cases(self, rng: random.Random) -> list[ProbeCase]:
        return [ProbeCase({"answer": "42"}, "<think>6 times 7.</think>\n<answer>42</answer>", "42")]


class StrictExactTask(Task):
    """Strict: after the reasoning, exactly one <answer> block holding exactly the gold, and nothing else.

    It has no ``probe_cases``: the probe tests feed it honest pairs with ``--cases``.
    """

    name = "strictexact"
    version = "1"

    def score(self, completion: str, reference: Any, weights: dict[str, float] | None = None) -> Verdict:
        body = completion.strip()
        if body.startswith("<think>"):
            close = body.rfind("</think>")
            if close < 0:
                return Verdict(0.0, Status.NO_ANSWER, {"accuracy": 0.0}, "", "unclosed_think")
            body = body[close + len("</think>"):].strip()
        if body.count("<answer>") != 1 or not body.startswith("<answer>") or not body.endswith("</answer>"):
            return Verdict(0.0, Status.NO_ANSWER, {"accuracy": 0.0}, "", "no_single_answer_block")
        got = body[len("<answer>"):-len("</answer>")]
        ok = got.strip() == str(reference["answer"]) and got.isprintable()
        return Verdict(float(ok), Status.OK, {"accuracy": float(ok)}, got[:50], "exact" if ok else "wrong")
