"""Test-only tasks: one that sleeps or spins as told, one that crashes as told."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from envs.base import Status, Task, Verdict


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
