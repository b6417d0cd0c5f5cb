"""TRL adapter: reward functions for ``GRPOTrainer(reward_funcs=[...])``.

    from trainer_client.adapters.trl import trl_reward_funcs
    funcs = trl_reward_funcs("127.0.0.1:50051", task="game24", components=("accuracy", "format"))
    GRPOTrainer(model=..., reward_funcs=funcs, args=GRPOConfig(reward_weights=[1.0, 0.1]), ...)

    # code: the reward is all-or-nothing; log the pass rate as a metric without training on it
    funcs = trl_reward_funcs("127.0.0.1:50051", task="code", components=("reward", "pass_rate"))
    GRPOTrainer(model=..., reward_funcs=funcs, args=GRPOConfig(reward_weights=[1.0, 0.0]), ...)

Each function has TRL's signature ``fn(prompts, completions, completion_ids=None, **kwargs)`` and
returns one ``float | None`` per completion: ``None`` (TRL: excluded, NaN-aware mean) for items the
service could not score (timeout, sandbox error, invalid reference, ...), never a fake 0.0.

TRL calls every reward function separately with the same batch. The functions made by one
``trl_reward_funcs`` call share a memo keyed by the batch's content, so the first call makes the
RPC and the others read its results: one RPC per batch however many components are exposed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from trainer_client._core import reference_text
from trainer_client.adapters._common import completion_text
from trainer_client.aio import AsyncRewardClient
from trainer_client.client import RewardClient
from trainer_client.types import Item, Result

# The pseudo-component "reward" is the server's combined (weighted) reward.
REWARD = "reward"
_MEMO_SIZE = 8  # batches kept when some exposed function is never called (e.g. left out of reward_funcs)


def _value(r: Result, component: str) -> float | None:
    if not r.ok:
        return None
    if component == REWARD:
        return r.reward
    return float(r.components.get(component, 0.0))


class _Batcher:
    """Turns TRL's (prompts, completions, **columns) into items, and shares one RPC among functions."""

    def __init__(
        self,
        client: RewardClient | AsyncRewardClient,
        task: str | None,
        components: Sequence[str],
        task_column: str,
        reference_column: str,
        id_column: str | None,
    ) -> None:
        self.client = client
        self.task = task
        self.components = tuple(components)
        self.task_column = task_column
        self.reference_column = reference_column
        self.id_column = id_column
        self.lock = threading.Lock()
        # key -> [results-or-future, names of functions that have not read it yet]
        self.memo: OrderedDict[bytes, list[Any]] = OrderedDict()
        self.rpcs = 0

    def items(self, completions: Sequence[Any], kwargs: Mapping[str, Any]) -> list[Item]:
        n = len(completions)
        texts = [completion_text(c) for c in completions]
        refs = self._column(self.reference_column, kwargs, n)
        tasks = [self.task] * n if self.task else self._column(self.task_column, kwargs, n)
        ids = self._column(self.id_column, kwargs, n) if self.id_column else [""] * n
        return [
            Item(task=str(t), completion=c, reference=r, id="" if i is None else str(i))
            for t, c, r, i in zip(tasks, texts, refs, ids, strict=True)
        ]

    @staticmethod
    def _column(name: str, kwargs: Mapping[str, Any], n: int) -> list[Any]:
        if name not in kwargs:
            have = ", ".join(sorted(k for k in kwargs if not callable(kwargs[k]))) or "none"
            raise KeyError(f"rewardgym TRL adapter: dataset column {name!r} missing (columns: {have})")
        col = kwargs[name]
        if isinstance(col, (str, bytes, Mapping)) or not isinstance(col, Sequence):
            return [col] * n  # a scalar column value shared by the batch
        if len(col) != n:
            raise ValueError(f"column {name!r} has {len(col)} values for {n} completions")
        return list(col)

    @staticmethod
    def key(items: Sequence[Item]) -> bytes:
        h = hashlib.blake2b(digest_size=20)
        for it in items:
            for part in (it.task, it.completion, reference_text(it.reference) or "", it.id):
                b = part.encode("utf-8", "surrogatepass")
                h.update(len(b).to_bytes(8, "little"))
                h.update(b)
        return h.digest()

    def claim(self, key: bytes, name: str) -> list[Any] | None:
        """The memo entry for this batch if ``name`` has not consumed it yet (call under lock)."""
        entry = self.memo.get(key)
        if entry is None or name not in entry[1]:
            return None
        entry[1].discard(name)
        if not entry[1]:
            del self.memo[key]
        return entry

    def put(self, key: bytes, name: str, value: Any) -> list[Any]:
        entry = [value, set(self.components) - {name}]
        if entry[1]:
            self.memo[key] = entry
            while len(self.memo) > _MEMO_SIZE:
                self.memo.popitem(last=False)
        return entry


def _log(kwargs: Mapping[str, Any], results: Sequence[Result]) -> None:
    # TRL >= 1.0 hands reward functions a metric logger; report how much of the batch was masked.
    log_metric = kwargs.get("log_metric")
    if callable(log_metric) and results:
        masked = sum(1 for r in results if not r.ok)
        with contextlib.suppress(Exception):  # logging must never fail a training step
            log_metric("rewardgym/masked_fraction", masked / len(results))


def _sync_func(b: _Batcher, component: str, name: str) -> Callable[..., list[float | None]]:
    client = b.client
    assert isinstance(client, RewardClient)

    def reward_func(
        prompts: Sequence[Any] | None = None,
        completions: Sequence[Any] = (),
        completion_ids: Any = None,
        **kwargs: Any,
    ) -> list[float | None]:
        items = b.items(completions, kwargs)
        key = b.key(items)
        with b.lock:
            entry = b.claim(key, component)
            if entry is None:
                # Each TRL call runs to completion before the next, so scoring under the lock costs
                # nothing and guarantees a single RPC even if functions are called from threads.
                results = client.score(items)
                b.rpcs += 1
                entry = b.put(key, component, results)
                _log(kwargs, results)
        return [_value(r, component) for r in entry[0]]

    reward_func.__name__ = reward_func.__qualname__ = name
    return reward_func


def _async_func(b: _Batcher, component: str, name: str) -> Callable[..., Any]:
    client = b.client
    assert isinstance(client, AsyncRewardClient)

    async def reward_func(
        prompts: Sequence[Any] | None = None,
        completions: Sequence[Any] = (),
        completion_ids: Any = None,
        **kwargs: Any,
    ) -> list[float | None]:
        items = b.items(completions, kwargs)
        key = b.key(items)
        with b.lock:
            entry = b.claim(key, component)
            if entry is None:
                # TRL gathers async reward functions concurrently: the others find this task in
                # the memo and await it instead of sending their own RPC.
                fut = asyncio.ensure_future(client.score(items))
                b.rpcs += 1
                entry = b.put(key, component, fut)
                fut.add_done_callback(lambda f: f.cancelled() or f.exception() or _log(kwargs, f.result()))
        results = await asyncio.shield(entry[0])
        return [_value(r, component) for r in results]

    reward_func.__name__ = reward_func.__qualname__ = name
    return reward_func


def trl_reward_funcs(
    client_or_address: RewardClient | AsyncRewardClient | str | Sequence[str],
    task: str | None = None,
    components: Sequence[str] = ("accuracy",),
    *,
    task_column: str = "task",
    reference_column: str = "reference",
    id_column: str | None = None,
    asynchronous: bool | None = None,
    name_prefix: str | None = None,
    **client_options: Any,
) -> list[Callable[..., Any]]:
    """One TRL reward function per component, all served by one RPC per batch.

    - ``task``: the task for every completion; when None, each row's ``task_column`` names it.
    - ``components``: component names the task reports (``"accuracy"``, ``"format"``, ...) and/or
      ``"reward"`` for the server's weighted total. A component a verdict lacks reads 0.0.
    - ``reference_column``: the dataset column holding the reference (a dict or its JSON text).
    - ``asynchronous``: ``async def`` functions (TRL >= 0.27 runs them concurrently). Defaults to
      True when given an ``AsyncRewardClient``.
    - Function names are ``<name_prefix or task or "rewardgym">_<component>``: TRL's metric names.
    - ``client_options`` configure the client made from an address (``token``, ``timeout_s``, ...).
    """
    if not components:
        raise ValueError("components must name at least one component")
    if len(set(components)) != len(components):
        raise ValueError("components must be distinct (each becomes a metric name)")
    if isinstance(client_or_address, (RewardClient, AsyncRewardClient)):
        if client_options:
            raise TypeError("client options are only for a client made from an address")
        client = client_or_address
        is_async = isinstance(client, AsyncRewardClient)
        if asynchronous is not None and asynchronous != is_async:
            raise ValueError("asynchronous must match the client given (RewardClient/AsyncRewardClient)")
    else:
        is_async = bool(asynchronous)
        cls = AsyncRewardClient if is_async else RewardClient
        client = cls(client_or_address, **client_options)
    b = _Batcher(client, task, components, task_column, reference_column, id_column)
    prefix = name_prefix or task or "rewardgym"
    make = _async_func if is_async else _sync_func
    return [make(b, c, f"{prefix}_{c}") for c in components]


def trl_reward_func(
    client_or_address: RewardClient | AsyncRewardClient | str | Sequence[str],
    task: str | None = None,
    component: str = REWARD,
    **kwargs: Any,
) -> Callable[..., Any]:
    """A single TRL reward function (by default the server's combined reward)."""
    return trl_reward_funcs(client_or_address, task, (component,), **kwargs)[0]
