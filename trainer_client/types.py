"""Plain data types of the client API: what goes in (``Item``) and what comes out (``Result``, ...).

Kept free of gRPC so adapters and user code can build and inspect them without a channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Statuses that are real verdicts about the completion. Everything else is an infrastructure or
# reference failure that a trainer should mask rather than learn from (mirrors envs.base.Status).
VERDICT_STATUSES = frozenset({"ok", "no_answer"})

# Lower-case names of rewardgym.v1.Status values, as the CLI and JSONL results spell them.
STATUS_NAMES: dict[int, str] = {
    0: "unspecified",
    1: "ok",
    2: "no_answer",
    3: "invalid_reference",
    4: "unknown_task",
    5: "timeout",
    6: "sandbox_error",
    7: "internal_error",
    8: "rejected",
}


@dataclass(frozen=True, slots=True)
class Item:
    """One completion to score.

    ``reference`` is a JSON-able object (dict, list, number) or a JSON text; identical references in a
    batch are sent once. ``task`` may be empty when the call passes ``task=``. ``group`` (optional)
    names the GRPO group (the prompt): ``stream_groups`` summarises each group once it is complete.
    """

    task: str
    completion: str
    reference: Any = None
    id: str = ""
    group: str = ""


@dataclass(frozen=True, slots=True)
class Result:
    """The verdict for one item. ``index`` is the item's position in the list given to the call.

    ``reward`` is ``None`` for infrastructure failures when the client runs with ``none_on_error``
    (the default), so a failure can never be mistaken for a wrong answer.
    """

    index: int
    id: str
    reward: float | None
    status: str
    components: dict[str, float] = field(default_factory=dict)
    extracted: str = ""
    detail: str = ""
    task_version: str = ""
    elapsed_s: float = 0.0
    cached: bool = False

    @property
    def ok(self) -> bool:
        """True when the server reached a verdict (``ok`` or ``no_answer``): the reward is real signal."""
        return self.status in VERDICT_STATUSES

    @property
    def is_infrastructure_error(self) -> bool:
        return not self.ok

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able dict: the CLI's result-line fields plus timing and cache flag."""
        return {
            "id": self.id,
            "index": self.index,
            "reward": self.reward,
            "status": self.status,
            "components": dict(self.components),
            "extracted": self.extracted,
            "detail": self.detail,
            "task_version": self.task_version,
            "elapsed_s": self.elapsed_s,
            "cached": self.cached,
        }


@dataclass(frozen=True, slots=True)
class TaskInfo:
    name: str
    version: str
    description: str = ""
    reference_schema: dict[str, Any] = field(default_factory=dict)
    default_deadline_s: float = 0.0
    default_weights: dict[str, float] = field(default_factory=dict)
    can_sample: bool = False
    gym_id: str = ""
    info: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Problem:
    prompt: str
    reference: Any  # the decoded reference JSON (usually a dict)
    reference_json: str = ""


@dataclass(frozen=True, slots=True)
class Episode:
    episode_id: str
    observation: str
    reference: Any = None


@dataclass(frozen=True, slots=True)
class StepResult:
    observation: str
    reward: float | None
    terminated: bool
    truncated: bool
    result: Result | None = None


class RewardServiceError(RuntimeError):
    """An RPC failed for good (after retries on UNAVAILABLE) in a way per-item results can't express.

    Raised always for configuration errors (bad token, missing permission, unimplemented method) —
    masking those would train on nothing — and for every permanent failure with ``raise_on_error``.
    """

    def __init__(self, code: Any, details: str, attempts: int = 1) -> None:
        name = getattr(code, "name", str(code))
        super().__init__(f"{name}: {details} (after {attempts} attempt{'s' if attempts != 1 else ''})")
        self.code = code
        self.details = details
        self.attempts = attempts
