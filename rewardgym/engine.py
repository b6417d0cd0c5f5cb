"""The scheduler between the RPC layer and the workers: validation, dedup, cache, admission, deadlines.

``Engine`` is used by the gRPC servicer and, unchanged, by the embedded CLI scorer and the
in-process benchmark baseline, so the two paths differ only by the RPC layer.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from envs.base import Status, Task
from envs.registry import discover
from rewardgym import cache as cache_mod
from rewardgym.config import Config
from rewardgym.pool import Outcome, Pool, WorkItem
from rewardgym.validate import check_weights, compile_schemas

CACHEABLE = {int(Status.OK), int(Status.NO_ANSWER), int(Status.INVALID_REFERENCE)}
DEADLINE_MARGIN_S = 0.02  # answer a call's unfinished items this long before its gRPC deadline


@dataclass(slots=True)
class Item:
    task: str
    completion: str
    ref_json: str  # the reference as JSON text
    id: str = ""
    error: tuple[int, str] | None = None  # set when the RPC layer already knows it is bad


@dataclass(slots=True)
class Result:
    index: int
    id: str
    reward: float
    status: int
    components: dict[str, float] = field(default_factory=dict)
    extracted: str = ""
    detail: str = ""
    task_version: str = ""
    elapsed_s: float = 0.0
    cached: bool = False


@dataclass(slots=True)
class Options:
    weights: dict[str, float] | None = None
    item_deadline_s: float = 0.0
    no_cache: bool = False


OnResult = Callable[[Result], None]


class Engine:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.load_errors: list[str] = []
        self.tasks: dict[str, Task] = discover(self.load_errors)
        compile_schemas(self.tasks, self.load_errors)  # a schema that does not compile is reported here
        preload = sorted({type(t).__module__ for t in self.tasks.values()})
        self.pool = Pool(config.workers, max_queue=config.max_queue, preload=preload)
        self.cache = cache_mod.LRUCache(config.cache_entries)
        self.counts: dict[tuple[str, int], int] = {}
        self.started = time.monotonic()

    def start(self) -> None:
        self.pool.start()

    async def attach(self) -> None:
        await self.pool.attach()

    async def close(self) -> None:
        await self.pool.close()

    def check_options(self, items: list[Item], options: Options) -> None:
        """Request-level checks (``InvalidArgument`` naming the option): weights must be finite and
        each a component of at least one task the request names."""
        check_weights(options.weights, (self.tasks[t] for t in {it.task for it in items} if t in self.tasks))

    def budget(self, task: Task, options: Options) -> float:
        want = options.item_deadline_s if options.item_deadline_s > 0 else task.default_deadline_s
        return min(want, self.config.max_deadline_s)

    def _count(self, task: str, status: int) -> None:
        k = (task, status)
        self.counts[k] = self.counts.get(k, 0) + 1

    async def score(self, items: list[Item], options: Options | None = None, deadline: float | None = None,
                    on_result: OnResult | None = None) -> list[Result]:
        """Score a batch. ``deadline`` is absolute ``time.monotonic()``; unfinished items then get TIMEOUT."""
        options = options or Options()
        n = len(items)
        results: list[Result | None] = [None] * n
        remaining = n
        all_done = asyncio.Event()
        weights_key = json.dumps(options.weights, sort_keys=True) if options.weights else ""
        cfg = self.config

        def emit(res: Result) -> None:
            nonlocal remaining
            if results[res.index] is not None:
                return
            results[res.index] = res
            self._count(items[res.index].task, res.status)
            remaining -= 1
            if on_result is not None:
                on_result(res)
            if remaining == 0:
                all_done.set()

        def fail(i: int, status: Status, detail: str, version: str = "") -> None:
            emit(Result(i, items[i].id, 0.0, int(status), detail=detail, task_version=version))

        def sink(work: WorkItem, out: Outcome) -> None:
            idxs, version, ckey = work.tag
            reward, status, comps, extracted, detail, elapsed = out
            if ckey is not None and status in CACHEABLE:
                self.cache.put(ckey, out)
            for j, i in enumerate(idxs):
                # the first copy reports the scoring time; duplicates were free
                emit(Result(i, items[i].id, reward, status, dict(comps), extracted, detail, version,
                            elapsed if j == 0 else 0.0, j > 0))

        pending: dict[bytes, WorkItem] = {}
        now = time.monotonic()
        for i, it in enumerate(items):
            if i >= cfg.max_batch:
                fail(i, Status.REJECTED, f"batch over the limit of {cfg.max_batch} items")
                continue
            if it.error is not None:
                fail(i, Status(it.error[0]), it.error[1])
                continue
            task = self.tasks.get(it.task)
            if task is None:
                fail(i, Status.UNKNOWN_TASK, f"unknown task {it.task!r}; known: {', '.join(sorted(self.tasks))}")
                continue
            if len(it.completion) > cfg.max_completion_chars:
                fail(i, Status.REJECTED, f"completion over the limit of {cfg.max_completion_chars} characters",
                     task.version)
                continue
            if len(it.ref_json) > cfg.max_reference_chars:
                fail(i, Status.REJECTED, f"reference over the limit of {cfg.max_reference_chars} characters",
                     task.version)
                continue
            ckey = cache_mod.key(it.task, task.version, it.ref_json, it.completion, weights_key)
            work = pending.get(ckey)
            if work is not None:
                work.tag[0].append(i)
                continue
            if not options.no_cache:
                hit = self.cache.get(ckey)
                if hit is not None:
                    reward, status, comps, extracted, detail, _ = hit
                    emit(Result(i, it.id, reward, status, dict(comps), extracted, detail, task.version, 0.0, True))
                    continue
            budget = self.budget(task, options)
            if deadline is not None:
                budget = max(0.001, min(budget, deadline - now - DEADLINE_MARGIN_S))
            pending[ckey] = WorkItem(it.task, it.ref_json, it.completion, options.weights, budget, sink,
                                     ([i], task.version, ckey))
        work_items = list(pending.values())
        room = self.pool.capacity()
        if len(work_items) > room:  # admission control: refuse at once what cannot be queued
            for w in work_items[room:]:
                for i in w.tag[0]:
                    fail(i, Status.REJECTED, "server overloaded: scoring queue full; retry later", w.tag[1])
            self.pool.stats["rejected"] += len(work_items) - room
            work_items = work_items[:room]
        if work_items:
            self.pool.submit(work_items)
        if remaining:
            try:
                timeout = None if deadline is None else max(0.0, deadline - time.monotonic() - DEADLINE_MARGIN_S)
                await asyncio.wait_for(all_done.wait(), timeout)
            except TimeoutError:
                for w in work_items:
                    w.cancelled = True
                    if not w.done:
                        w.done = True
                        for i in w.tag[0]:
                            fail(i, Status.TIMEOUT, "the call's deadline passed before this item was scored", w.tag[1])
            except asyncio.CancelledError:
                for w in work_items:  # the caller went away: drop what has not started
                    w.cancelled = True
                raise
        return results  # type: ignore[return-value]

    async def sample(self, task_name: str, n: int, seed: int, options: dict[str, Any]) -> list[tuple[str, str]]:
        task = self.tasks.get(task_name)
        if task is None:
            raise KeyError(task_name)
        if not task.can_sample:
            raise NotImplementedError(f"task {task_name!r} has no generator")
        budget = min(self.config.max_deadline_s, max(5.0, task.default_deadline_s * n))
        reply = await self.pool.call({"op": "sample", "task": task_name, "n": n, "seed": seed, "options": options},
                                     budget)
        if "error" in reply:
            if reply.get("timeout"):
                raise TimeoutError(reply["error"])
            raise ValueError(reply["error"])
        return [tuple(p) for p in reply["problems"]]  # type: ignore[misc]
