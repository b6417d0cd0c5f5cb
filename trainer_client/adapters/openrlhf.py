"""OpenRLHF adapter: a file-mode reward function (``--reward.remote_url /path/to/openrlhf.py`` in
current OpenRLHF, ``--remote_rm_url`` up to v0.10.1).

    reward_func(queries, prompts, labels, **kwargs) -> {"rewards": [...], "scores": [...], "extra_logs": {...}}

``queries`` are prompt + response decoded with special tokens kept: the prompt prefix and trailing
template tokens (``<|im_end|>``, ``</s>``, ...) are stripped to get the completion. ``labels`` come from
``--data.label_key``: either a reference (JSON object text, or a bare answer sent as
``{REWARDGYM_GROUND_TRUTH_KEY: value}``), or ``{"task": ..., "reference": ...}`` to name the task per row.
Otherwise the task is ``REWARDGYM_TASK``. Server settings as in the verl adapter (``REWARDGYM_ADDRESS``...).

For the ``code`` task the reward is all-or-nothing (``all_passed``); ``extra_logs`` carries
``pass_rate`` and ``compiled`` (``"mode": "pass_rate"`` in a reference opts into the pass rate).

Lists, not tensors: this module must not import torch. OpenRLHF cannot mask a sample, so
infrastructure failures score 0.0 and ``extra_logs["rewardgym_valid"]`` marks them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from trainer_client.adapters._common import (
    ProcessClient,
    as_reference,
    env_client,
    strip_trailing_special_tokens,
)
from trainer_client.client import RewardClient
from trainer_client.types import Item

_holder = ProcessClient()


def configure(client: RewardClient | None = None, **client_options: Any) -> RewardClient:
    new = client or env_client(**client_options)
    _holder.set(new)
    return new


def _get_client() -> RewardClient:
    return _holder.get()


def _task_and_reference(label: Any, default_task: str, key: str) -> tuple[str, Any]:
    obj = label
    if isinstance(label, str) and label.strip().startswith("{"):
        try:
            obj = json.loads(label)
        except ValueError:
            obj = label
    if isinstance(obj, dict) and "task" in obj and "reference" in obj:
        return str(obj["task"]), as_reference(obj["reference"], key)
    return default_task, as_reference(obj, key)


def _completion(query: str, prompt: str) -> str:
    text = query[len(prompt) :] if prompt and query.startswith(prompt) else query
    return strip_trailing_special_tokens(text)


def reward_func(
    queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any], **kwargs: Any
) -> dict[str, Any]:
    client = _get_client()
    default_task = os.environ.get("REWARDGYM_TASK", "")
    key = os.environ.get("REWARDGYM_GROUND_TRUTH_KEY", "answer")
    items = []
    for q, p, lab in zip(queries, prompts, labels, strict=True):
        task, ref = _task_and_reference(lab, default_task, key)
        items.append(Item(task=task, completion=_completion(q, p), reference=ref))
    results = client.score(items)
    rewards = [float(r.reward) if r.ok and r.reward is not None else 0.0 for r in results]
    names = sorted({k for r in results for k in r.components})
    extra: dict[str, list[float]] = {n: [float(r.components.get(n, 0.0)) for r in results] for n in names}
    extra["rewardgym_valid"] = [1.0 if r.ok else 0.0 for r in results]
    # `scores` drive OpenRLHF's dynamic filtering (expects 0..1); our rewards already are.
    return {"rewards": rewards, "scores": list(rewards), "extra_logs": extra}
