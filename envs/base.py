"""The Task contract: what every scorer (built-in or plugin) implements.

A task is a pure, deterministic scorer: ``parse_reference`` validates the reference once,
``score`` turns (completion, parsed reference) into a ``Verdict``. Tasks run inside scoring
worker processes under a hard deadline, so they may be slow or even hang without harming
the server, but they must never touch global state or the network.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, field
from typing import Any, ClassVar


class Status(enum.IntEnum):
    """Verdict status. Values match ``rewardgym.v1.Status`` in the proto."""

    OK = 1  # scored: the reward says right or wrong
    NO_ANSWER = 2  # nothing extractable in the completion
    INVALID_REFERENCE = 3  # the reference is malformed: not the model's fault
    UNKNOWN_TASK = 4
    TIMEOUT = 5
    SANDBOX_ERROR = 6
    INTERNAL_ERROR = 7
    REJECTED = 8  # over limits or overloaded

    @property
    def is_infrastructure(self) -> bool:
        """True for statuses a trainer should mask instead of learning from."""
        return self not in (Status.OK, Status.NO_ANSWER)


@dataclass(slots=True)
class Verdict:
    reward: float
    status: Status = Status.OK
    components: dict[str, float] = field(default_factory=dict)
    extracted: str = ""
    detail: str = ""  # a reason code a human can act on, e.g. "wrong_value:23"


@dataclass(slots=True)
class Problem:
    prompt: str
    reference: dict[str, Any]


@dataclass(slots=True)
class ProbeCase:
    """An honest example for ``rewardgym probe``: the battery builds its hacks from it.

    ``completion`` must score 1 against ``reference``; ``answer`` is the bare answer as it appears
    (last occurrence) in ``completion`` ("" = read it with ``envs.answer.extract``); ``wrong`` are
    wrong answers of the same kind (the first builds the hedges; none = derived from ``answer``);
    ``right`` are other correct spellings, each of which must score 1 too. ``entry_point`` marks a
    code case: the function the tests call, or "" for a stdin/stdout program.
    """

    reference: dict[str, Any]
    completion: str
    answer: str = ""
    wrong: list[str] = field(default_factory=list)
    right: list[str] = field(default_factory=list)
    entry_point: str | None = None


class InvalidReference(ValueError):
    """Raised by ``parse_reference``; the message names the offending field."""


class Task:
    """Base class for tasks. Subclasses set ``name``/``version`` and implement ``score``."""

    name: ClassVar[str] = ""
    version: ClassVar[str] = "0"
    description: ClassVar[str] = ""
    # JSON Schema of the reference object, published through ListTasks.
    reference_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    # Per-item deadline in seconds when the request does not set a shorter one.
    default_deadline_s: ClassVar[float] = 2.0
    # Names of the reward components this task reports, with their default weights.
    default_weights: ClassVar[dict[str, float]] = {}
    # Every component name ``score`` may report (beyond ``default_weights``' keys): a request's
    # weights may name these, and a weight naming none of its tasks' components is refused.
    components: ClassVar[tuple[str, ...]] = ()
    # True for tasks that run code in the sandbox: the server reports them NOT_SERVING while it is down.
    needs_sandbox: ClassVar[bool] = False
    # Gymnasium id suffix, e.g. "Game24" -> "rewardgym/Game24-v0". Defaults to name.title().
    env_name: ClassVar[str] = ""

    def setup(self) -> None:
        """Called once in each scoring worker process before its first item (open clients here)."""

    def describe(self) -> dict[str, str]:
        """Extra facts for ListTasks and health, e.g. {"languages": "python,c"}."""
        return {}

    def parse_reference(self, obj: Any) -> Any:
        """Validate and pre-process a reference. Raise ``InvalidReference`` on a bad one."""
        if not isinstance(obj, dict):
            raise InvalidReference("reference: expected a JSON object")
        return obj

    def score(self, completion: str, reference: Any, weights: dict[str, float] | None = None) -> Verdict:
        """Score one completion against a parsed reference. Must be pure."""
        raise NotImplementedError

    def sample(self, rng: random.Random, **options: Any) -> Problem:
        """Procedurally generate a problem. Optional."""
        raise NotImplementedError(f"task {self.name!r} has no generator")

    def probe_cases(self, rng: random.Random) -> list[ProbeCase]:
        """Honest examples for ``rewardgym probe`` (optional; without them the probe needs ``--cases``)."""
        return []

    @property
    def can_sample(self) -> bool:
        return type(self).sample is not Task.sample

    def combine(self, components: dict[str, float], weights: dict[str, float] | None) -> float:
        """Weighted sum of components. Request weights override the task's defaults by name."""
        w = dict(self.default_weights)
        if weights:
            w.update({k: v for k, v in weights.items() if k in components or k in w})
        if not w:
            return components.get("accuracy", 0.0)
        return float(sum(components.get(k, 0.0) * v for k, v in w.items()))
