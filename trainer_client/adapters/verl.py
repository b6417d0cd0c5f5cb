"""verl adapter: ``custom_reward_function`` entry points.

    # per sample (reward_manager=naive / dapo / prime)
    custom_reward_function.path=<site-packages>/trainer_client/adapters/verl.py
    custom_reward_function.name=compute_score
    # whole batch in one call (reward_manager=batch)
    custom_reward_function.name=compute_score_batch

Configured through the environment, since verl runs reward functions in Ray workers:
``REWARDGYM_ADDRESS`` (required; several comma-separated), ``REWARDGYM_TOKEN``, ``REWARDGYM_TIMEOUT_S``,
``REWARDGYM_TASK`` (the task when nothing else names one), ``REWARDGYM_DATA_SOURCES`` (JSON object
mapping a ``data_source`` to a task, e.g. ``{"openai/gsm8k": "math"}``), ``REWARDGYM_GROUND_TRUTH_KEY``
(default ``answer``: a ground truth that is not a JSON object is sent as ``{key: value}``),
``REWARDGYM_VERL_RETURN`` (``dict``, the default, or ``float``).

The task is chosen by ``extra_info["task"]``, else the data-source mapping, else ``REWARDGYM_TASK``,
else ``data_source`` itself (name your data source ``game24`` and it just works).

verl has no way to mask a sample, so an infrastructure failure scores 0.0 — but the dict form says so
in ``rewardgym_valid`` (1.0 for a real verdict, 0.0 otherwise), which verl logs with the other extra
keys. Set ``REWARDGYM_ON_ERROR=raise`` to stop the step instead. Every dict for one task has the same
keys (the task's components from ListTasks), as verl stacks them into per-key lists. For the ``code``
task ``score`` is all-or-nothing (``all_passed``) and ``pass_rate``/``compiled`` are logged beside it;
``"mode": "pass_rate"`` in a reference makes the pass rate the score for that item (opt-in).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from trainer_client.adapters._common import ProcessClient, as_reference, env_client
from trainer_client.client import RewardClient
from trainer_client.types import Item, Result, RewardServiceError

# data_source -> task; extend in code, or through REWARDGYM_DATA_SOURCES.
DATA_SOURCE_TASKS: dict[str, str] = {}

_lock = threading.Lock()
_holder = ProcessClient()
_components: dict[str, list[str]] = {}  # task -> its declared component names (from ListTasks)
_infos_at = float("-inf")
_INFO_TTL_S = 60.0


def configure(client: RewardClient | None = None, **client_options: Any) -> RewardClient:
    """Use this client (or one made with these options) instead of one built from the environment."""
    global _infos_at
    new = client or env_client(**client_options)
    old = _holder.set(new)
    with _lock:
        _components.clear()
        _infos_at = float("-inf")
    if old is not None and old is not new:
        old.close()
    return new


def get_client() -> RewardClient:
    return _holder.get()


def _task_for(data_source: str, extra_info: Mapping[str, Any] | None) -> str:
    if extra_info and extra_info.get("task"):
        return str(extra_info["task"])
    mapped = DATA_SOURCE_TASKS.get(data_source)
    if mapped is None and (env_map := os.environ.get("REWARDGYM_DATA_SOURCES")):
        mapped = json.loads(env_map).get(data_source)
    return mapped or os.environ.get("REWARDGYM_TASK") or str(data_source)


def _component_names(client: RewardClient, task: str, results: Sequence[Result]) -> list[str]:
    """The stable key set for a task: its declared components, else those seen in this batch."""
    global _infos_at
    with _lock:
        names = _components.get(task)
        stale = time.monotonic() - _infos_at > _INFO_TTL_S
    if names is not None:
        return names
    if stale:  # ListTasks at most every _INFO_TTL_S, not once per sample of an undeclared task
        try:
            infos = client.list_tasks()
        except RewardServiceError:
            infos = []
        with _lock:
            _infos_at = time.monotonic()
            for t in infos:
                _components[t.name] = sorted(t.default_weights)
            names = _components.get(task)
    return names or sorted({k for r in results for k in r.components})


def _items(
    data_sources: Sequence[str],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Mapping[str, Any] | None],
) -> list[Item]:
    key = os.environ.get("REWARDGYM_GROUND_TRUTH_KEY", "answer")
    return [
        Item(task=_task_for(ds, ei), completion=sol, reference=as_reference(gt, key))
        for ds, sol, gt, ei in zip(data_sources, solution_strs, ground_truths, extra_infos, strict=True)
    ]


def _output(r: Result, names: Sequence[str]) -> float | dict[str, float]:
    if not r.ok and os.environ.get("REWARDGYM_ON_ERROR") == "raise":
        raise RuntimeError(f"rewardgym could not score item {r.index}: {r.status} ({r.detail})")
    score = float(r.reward) if r.ok and r.reward is not None else 0.0
    if os.environ.get("REWARDGYM_VERL_RETURN", "dict") == "float":
        return score
    out: dict[str, float] = {"score": score}
    for n in names:
        out[n] = float(r.components.get(n, 0.0)) if r.ok else 0.0
    out["rewardgym_valid"] = 1.0 if r.ok else 0.0
    return out


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> float | dict[str, float]:
    """verl's per-sample signature. Returns ``{"score", <components>, "rewardgym_valid"}`` or a float."""
    client = get_client()
    (item,) = _items([data_source], [solution_str], [ground_truth], [extra_info])
    (result,) = client.score([item])
    return _output(result, _component_names(client, item.task, [result]))


def compute_score_batch(
    data_sources: Sequence[str],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Mapping[str, Any] | None] | None = None,
    **kwargs: Any,
) -> list[float | dict[str, float]]:
    """verl's batch signature (``reward_manager=batch``): the whole batch in one ``score`` call.

    With several tasks in one batch every dict carries the union of their component keys, so the
    per-key lists verl builds stay as long as the batch.
    """
    client = get_client()
    infos = list(extra_infos) if extra_infos is not None else [None] * len(solution_strs)
    items = _items(list(data_sources), list(solution_strs), list(ground_truths), infos)
    results = client.score(items)
    names: set[str] = set()
    for task in dict.fromkeys(it.task for it in items):
        names.update(
            _component_names(
                client, task, [r for r, it in zip(results, items, strict=True) if it.task == task]
            )
        )
    ordered = sorted(names)
    return [_output(r, ordered) for r in results]
