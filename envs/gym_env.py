"""Every task as a Gymnasium ``Env``, registered as ``rewardgym/<Name>-v0``.

``reset(seed)`` draws a problem from the task's generator and returns its prompt; ``step(text)``
scores the text and ends the episode (single-step, a contextual bandit). A task without a generator
can still be used with ``reset(options={"prompt": ..., "reference": {...}})``.

    import envs.gym_env, gymnasium
    env = gymnasium.make("rewardgym/Game24-v0")
"""

from __future__ import annotations

import random
import string
from typing import Any

import gymnasium
from gymnasium import spaces

from envs.base import Task
from envs.registry import discover

MAX_TEXT = 1_000_000
# Gymnasium's Text space needs a finite charset for sampling; containment accepts any text.
_CHARSET = string.printable + "×÷−·≤≥≠√π∞±°"


class AnyText(spaces.Text):
    """A Text space whose ``contains`` accepts any string up to ``max_length`` (LLM output is Unicode)."""

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length


class TaskEnv(gymnasium.Env[str, str]):
    metadata = {"render_modes": ["ansi"]}

    def __init__(self, task: str | Task, render_mode: str | None = None, **sample_options: Any) -> None:
        self.task = task if isinstance(task, Task) else _tasks()[task]
        self.sample_options = sample_options
        self.observation_space = AnyText(MAX_TEXT, min_length=0, charset=_CHARSET)
        self.action_space = AnyText(MAX_TEXT, min_length=0, charset=_CHARSET)
        self.render_mode = render_mode
        self._prompt = ""
        self._reference: Any = None
        self._ref_obj: Any = None
        self._done = True
        self._last = ""

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        options = options or {}
        if "reference" in options:
            prompt, ref = str(options.get("prompt", "")), options["reference"]
        else:
            # Seeded through Gymnasium's np_random so reset(seed=s) is reproducible.
            rng = random.Random(int(self.np_random.integers(0, 2**63 - 1)))
            problem = self.task.sample(rng, **{**self.sample_options, **options})
            prompt, ref = problem.prompt, problem.reference
        self._prompt, self._ref_obj = prompt, ref
        self._reference = self.task.parse_reference(ref)
        self._done = False
        self._last = ""
        return prompt, {"reference": ref, "task": self.task.name, "task_version": self.task.version}

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        if self._done:
            raise RuntimeError("episode has terminated; call reset()")
        verdict = self.task.score(str(action), self._reference)
        self._done = True
        self._last = str(action)
        info = {"status": verdict.status.name.lower(), "components": dict(verdict.components),
                "extracted": verdict.extracted, "detail": verdict.detail, "task_version": self.task.version}
        return "", float(verdict.reward), True, False, info

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return f"{self._prompt}\n---\n{self._last}"
        return None


_CACHE: dict[str, Task] = {}


def _tasks() -> dict[str, Task]:
    if not _CACHE:
        _CACHE.update(discover())
    return _CACHE


def env_id(task: Task) -> str:
    return f"rewardgym/{task.env_name or task.name.title()}-v0"


def register_all() -> list[str]:
    """Register every discovered task with Gymnasium; returns the ids."""
    ids = []
    for name, task in _tasks().items():
        eid = env_id(task)
        if eid not in gymnasium.registry:
            gymnasium.register(id=eid, entry_point="envs.gym_env:TaskEnv", kwargs={"task": name})
        ids.append(eid)
    return ids


register_all()
