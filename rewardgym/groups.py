"""Per-group reward statistics for GRPO: a group (the completions of one prompt) is summarised as soon
as its last member is scored, so a trainer can drop or resample zero-variance groups early.

Pure Python with no server dependency: the server's streams and the Python clients share it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """``count`` members, ``valid`` of them with a verdict; mean and population std over the valid
    rewards. ``all_equal`` (also when fewer than 2 are valid): the group carries no GRPO signal."""

    group: str
    count: int
    valid: int
    mean: float
    std: float
    all_equal: bool

    def as_dict(self) -> dict[str, object]:
        return {"group": self.group, "count": self.count, "valid": self.valid, "mean": self.mean,
                "std": self.std, "all_equal": self.all_equal}


def summarize(group: str, count: int, rewards: Sequence[float]) -> GroupSummary:
    """Summary of a group of ``count`` items whose verdict rewards are ``rewards`` (masked ones left out)."""
    n = len(rewards)
    if n == 0:
        return GroupSummary(group, count, 0, 0.0, 0.0, True)
    mean = math.fsum(rewards) / n
    var = math.fsum((r - mean) ** 2 for r in rewards) / n
    first = rewards[0]
    return GroupSummary(group, count, n, mean, math.sqrt(var), all(r == first for r in rewards))


@dataclass(slots=True)
class GroupTracker:
    """Feed it (index, reward-or-None) as results arrive; it returns each group's summary once, when
    the group's last member arrives. ``None`` marks a result without a verdict (masked). Repeated
    indices are ignored, so a resent result cannot close a group early."""

    groups: Sequence[str]  # group id per item index; "" = no group
    _left: dict[str, int] = field(default_factory=dict)
    _count: dict[str, int] = field(default_factory=dict)
    _rewards: dict[str, list[float]] = field(default_factory=dict)
    _seen: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        for g in self.groups:
            if g:
                self._left[g] = self._left.get(g, 0) + 1
        self._count = dict(self._left)
        self._rewards = {g: [] for g in self._left}

    @property
    def active(self) -> bool:
        return bool(self._count)

    def add(self, index: int, reward: float | None) -> GroupSummary | None:
        if index in self._seen or not 0 <= index < len(self.groups):
            return None
        g = self.groups[index]
        if not g:
            return None
        self._seen.add(index)
        if reward is not None:
            self._rewards[g].append(float(reward))
        self._left[g] -= 1
        if self._left[g]:
            return None
        return summarize(g, self._count[g], self._rewards.pop(g))

    def add_all(self, pairs: Iterable[tuple[int, float | None]]) -> list[GroupSummary]:
        out = []
        for i, r in pairs:
            s = self.add(i, r)
            if s is not None:
                out.append(s)
        return out
