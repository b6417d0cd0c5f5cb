"""Thin client for the rewardgym service: needs grpcio and protobuf only.

``RewardClient`` (blocking) and ``AsyncRewardClient`` (asyncio) score batches of completions;
``trainer_client.adapters`` plugs them into TRL, verl and OpenRLHF.
"""

from rewardgym.groups import GroupSummary
from trainer_client.aio import AsyncRewardClient
from trainer_client.client import RewardClient
from trainer_client.types import (
    VERDICT_STATUSES,
    Episode,
    Item,
    Problem,
    Result,
    RewardServiceError,
    StepResult,
    TaskInfo,
)

__all__ = [
    "VERDICT_STATUSES",
    "AsyncRewardClient",
    "Episode",
    "GroupSummary",
    "Item",
    "Problem",
    "Result",
    "RewardClient",
    "RewardServiceError",
    "StepResult",
    "TaskInfo",
]
